// Releases through an Application Load Balancer listener (moto's ELBv2) on real servers: the
// `bluegreen` CLI, a Temporal dev server, a worker running the demo app as local processes. moto
// routes no requests, so the assertions are the listener's forward action as ELBv2 returns it,
// processes up or gone, exit codes, and what status/plan/repair call the target.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Color } from '../../workflows/spec';
import { forward, startAlbWorld, type AlbWorld } from '../support/elbv2';
import { routerRelease, type RouterRelease } from '../support/router-release';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
let alb: AlbWorld;
let listenerArn: string;
let targetGroups: Record<Color, string>;
let key: string;
let release: RouterRelease;

/** The listener's ALB weights per color, as ELBv2 has them now. */
async function weights(): Promise<Record<Color, number>> {
  const tuples = (await alb.forwardAction({ listenerArn }))?.ForwardConfig?.TargetGroups ?? [];
  const of = (color: Color) => tuples.find((t) => t.TargetGroupArn === targetGroups[color])?.Weight ?? -1;
  return { blue: of('blue'), green: of('green') };
}

before(async () => {
  stack = await startStack();
  alb = await startAlbWorld(stack.moto);
  targetGroups = { blue: await alb.targetGroup('shop-blue'), green: await alb.targetGroup('shop-green') };
  // A listener as a team has it before bluegreen: all traffic on blue (which this tool never
  // started), green at 0, with stickiness that every change must keep.
  listenerArn = await alb.listener([forward({ [targetGroups.blue]: 100, [targetGroups.green]: 0 }, 300)]);
  key = listenerArn.split(':').slice(5).join(':');
  release = routerRelease(stack, {
    key,
    router: () => ({ provider: 'alb', listenerArn, targetGroups, region: 'us-east-1' }),
    weights,
    name: 'alb',
  });
});
after(async () => {
  await stack?.stop();
});

describe('releases through an ALB listener on real servers', () => {
  it('plan names the listener; the first release goes to the color the listener does not serve', async () => {
    const file = await release.specFile({ traffic: { steps: [50, 100], interval: '1s' } });
    const plan = await stack.cli('plan', file);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, new RegExp(key.replace(/[/.]/g, '\\$&')));

    const first = await stack.cli('start', file, '--watch');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /blue 50% \/ green 50% in effect on the ALB[\s\S]*blue 0% \/ green 100% in effect/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
    assert.deepEqual(await release.running(), { blue: undefined, green: '1.0.0' });
    // The change kept the action's other settings.
    const action = await alb.forwardAction({ listenerArn });
    assert.deepEqual(action?.ForwardConfig?.TargetGroupStickinessConfig, { Enabled: true, DurationSeconds: 300 });
    const s = await release.status();
    assert.deepEqual(s.target, { provider: 'alb', key, name: key });
    await recordHistory(stack, 'alb-release', release.id);
  });

  it('one release per listener; abort mid-shift gives the old color all traffic again', async () => {
    const { live, next } = await release.startShifting({ traffic: { steps: [50, 100], interval: '1h' } });
    assert.deepEqual(await weights(), { [live]: 50, [next]: 50 });
    const text = await stack.cli('status', release.id);
    assert.match(text.stdout, new RegExp(key.replace(/[/.]/g, '\\$&')));

    const refused = await stack.cli('start', await release.specFile());
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, new RegExp(`already running: ${release.id.replace(/[/.]/g, '\\$&')}`));

    assert.equal((await stack.cli('abort', release.id, '--reason', 'users complain')).code, 0);
    assert.equal((await stack.cli('watch', release.id)).code, 3);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.deepEqual(await release.running(), { [live]: '1.0.0', [next]: undefined });
  });

  it('pause holds the weights; resume and promote finish the release', async () => {
    const { next, v } = await release.startShifting({ traffic: { steps: [10, 50, 100], interval: '5s' } });
    assert.equal((await stack.cli('pause', release.id, '--reason', 'looking')).code, 0);
    const held = await weights();
    await new Promise((r) => setTimeout(r, 6000));
    assert.deepEqual(await weights(), held, 'no change while paused, for longer than the 5s step');
    assert.equal((await stack.cli('resume', release.id)).code, 0);
    assert.equal((await stack.cli('promote', release.id)).code, 0);
    assert.equal((await stack.cli('watch', release.id)).code, 0);
    assert.equal((await weights())[next], 100);
    assert.equal((await release.running())[next], v);
  });

  it('repair rolls back a release terminated mid-shift, naming the listener', async () => {
    const { live, next } = await release.startShifting({ traffic: { steps: [10, 50, 100], interval: '1h' } });
    const liveVersion = (await release.running())[live];
    const t = await stack.temporalCli('workflow', 'terminate', '--workflow-id', release.id, '--reason', 'clicked');
    assert.equal(t.code, 0, t.stderr);
    const text = await stack.cli('status', release.id);
    assert.match(text.stdout, new RegExp(`repair\\s+bluegreen repair ${release.id.replace(/[/.]/g, '\\$&')}`));

    const repaired = await stack.cli('repair', release.id);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /result: completed: repaired: roll back/);
    assert.match(repaired.stdout, new RegExp(key.replace(/[/.]/g, '\\$&')));
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.deepEqual(await release.running(), { [live]: liveVersion, [next]: undefined });
  });
});
