// Releases through a real HAProxy (Debian's package) on real servers: the `bluegreen` CLI, a
// Temporal dev server, a worker running the demo app as local processes, and HAProxy in front of
// the two colors, moved through its Runtime API. Asserts HAProxy's weights, which color real
// requests through the frontend reach, processes up or gone, and exit codes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Color } from '../../workflows/spec';
import { startHaproxy, type Haproxy } from '../support/haproxy';
import { routerRelease, type RouterRelease } from '../support/router-release';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
let haproxy: Haproxy;
let id: string;
let release: RouterRelease;

before(async () => {
  stack = await startStack();
  const { environment } = (await stack.appSpec('x')) as { environment: { ports: Record<Color, number> } };
  // With its server state saved across restarts, as docs/routers.md recommends.
  haproxy = await startHaproxy({ ports: environment.ports, serverStateFile: true });
  release = routerRelease(stack, {
    key: `${haproxy.runtimeApi}/shop`,
    router: () => haproxy.router('shop'),
    weights: () => haproxy.weights('shop'),
    name: 'haproxy',
  });
  id = release.id;
});
after(async () => {
  await stack?.stop();
  await haproxy?.stop();
});

const weights = () => haproxy.weights('shop');

const specFile = (overrides?: Record<string, unknown>, router?: object) => release.specFile(overrides, router);
const status = () => release.status();
const running = () => release.running();
const startShifting = (overrides: Record<string, unknown>) => release.startShifting(overrides);

/** Who answers requests through HAProxy's frontend: color@version → count. */
async function served(requests = 10): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const res = await fetch(haproxy.url);
    const body = res.ok ? ((await res.json()) as { color: string; version: string }) : null;
    const who = body ? `${body.color}@${body.version}` : `HTTP ${res.status}`;
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

describe('releases through HAProxy on real servers', () => {
  it('a wrong server name fails the first router call, naming it, before anything is provisioned', async () => {
    const file = await specFile({}, { ...haproxy.router('shop'), servers: { blue: 'blue', green: 'nosuchserver' } });
    const r = await stack.cli('start', file, '--watch');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /backend "shop" at \S+ has no server "nosuchserver" \(router\.servers\.green\)/);
    assert.deepEqual(await running(), { blue: undefined, green: undefined });
    assert.deepEqual(await weights(), { blue: 0, green: 0 });
  });

  it('the first release goes live at once; the second shifts in steps; requests follow the weights', async () => {
    const first = await stack.cli('start', await specFile(), '--watch');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, new RegExp(`on backend shop at ${haproxy.runtimeApi}`));
    assert.deepEqual(await weights(), { blue: 100, green: 0 });
    assert.deepEqual(await served(), { 'blue@2.0.0': 10 });
    const s = await status();
    assert.deepEqual(s.target, { provider: 'haproxy', key: `${haproxy.runtimeApi}/shop`, name: s.recordName });

    const second = await stack.cli('start', await specFile(), '--watch');
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.match(
      second.stdout,
      /blue 90% \/ green 10% in effect on HAProxy[\s\S]*blue 50% \/ green 50% in effect[\s\S]*blue 0% \/ green 100% in effect/,
    );
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
    assert.deepEqual(await served(), { 'green@3.0.0': 10 });
    assert.deepEqual(await running(), { blue: undefined, green: '3.0.0' });
    // The generic path, with the short options of a router whose changes are immediate.
    const history = await stack.client.workflow.getHandle(id).fetchHistory();
    const shifts = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'shiftTraffic');
    assert.equal(shifts.length, 3);
    for (const a of shifts) {
      assert.equal(Number(a?.startToCloseTimeout?.seconds), 60);
      assert.ok(a?.retryPolicy?.nonRetryableErrorTypes?.includes('RouterMisconfigured'));
    }
    await recordHistory(stack, 'haproxy-release', id);
  });

  it('one release per backend; abort mid-shift puts every request back on the old color', async () => {
    const { live, next, v } = await startShifting({ traffic: { steps: [50, 100], interval: '1h' } });
    const split = await served(20);
    assert.ok(split[`${next}@${v}`] > 0 && split[`${live}@3.0.0`] > 0, JSON.stringify(split));

    const refused = await stack.cli('start', await specFile());
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      new RegExp(`a release of backend shop at ${haproxy.runtimeApi} is already running: ${id}`),
    );

    assert.equal((await stack.cli('abort', id, '--reason', 'users complain')).code, 0);
    assert.equal((await stack.cli('watch', id)).code, 3);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.deepEqual(await served(), { [`${live}@3.0.0`]: 10 });
    assert.equal((await running())[next], undefined);
    await recordHistory(stack, 'haproxy-abort-mid-shift', id);
  });

  it('a Runtime API that is down when abort comes is retried until the old color has all traffic again', async () => {
    const { live, next } = await startShifting({ traffic: { steps: [50, 100], interval: '1h' } });
    const liveVersion = (await running())[live];
    const outage = haproxy.restart(4000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await stack.cli('abort', id, '--reason', 'during an HAProxy outage')).code, 0);
    await outage;
    assert.equal((await stack.cli('watch', id)).code, 3);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.deepEqual(await served(), { [`${live}@${liveVersion}`]: 10 });
    // The restoring shift met the outage: it took more than one attempt.
    const history = (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const restore = history
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'shiftTraffic')
      .pop();
    const started = history.find(
      (e) => Number(e.activityTaskStartedEventAttributes?.scheduledEventId) === Number(restore?.eventId),
    );
    assert.ok(Number(started?.activityTaskStartedEventAttributes?.attempt) > 1, 'the restore was retried');
  });

  it('pause holds the weights; resume and promote finish the release', async () => {
    const { next, v } = await startShifting({ traffic: { steps: [10, 50, 100], interval: '5s' } });
    assert.equal((await stack.cli('pause', id, '--reason', 'looking')).code, 0);
    const held = await weights();
    await new Promise((r) => setTimeout(r, 6000));
    assert.deepEqual(await weights(), held, 'no change while paused, for longer than the 5s step');
    assert.equal((await stack.cli('resume', id)).code, 0);
    assert.equal((await stack.cli('promote', id)).code, 0);
    assert.equal((await stack.cli('watch', id)).code, 0);
    assert.equal((await weights())[next], 100);
    assert.deepEqual(await served(), { [`${next}@${v}`]: 10 });
  });

  it('repair rolls back a release terminated mid-shift', async () => {
    const { live, next } = await startShifting({ traffic: { steps: [10, 50, 100], interval: '1h' } });
    const liveVersion = (await running())[live];
    const t = await stack.temporalCli('workflow', 'terminate', '--workflow-id', id, '--reason', 'clicked Terminate');
    assert.equal(t.code, 0, t.stderr);
    const text = await stack.cli('status', id);
    assert.match(text.stdout, new RegExp(`repair\\s+bluegreen repair ${id.replace(/[.]/g, '\\.')}`));

    const repaired = await stack.cli('repair', id);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /result: completed: repaired: roll back/);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.deepEqual(await served(), { [`${live}@${liveVersion}`]: 10 });
    assert.equal((await running())[next], undefined);
    await recordHistory(stack, 'haproxy-repair', id);
  });
});
