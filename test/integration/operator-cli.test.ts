// Operator control on real servers: the bluegreen CLI verbs, the `temporal` CLI sending the
// same signals the Web UI sends, and releases found through visibility queries.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
let version = 0;

before(async () => {
  stack = await startStack();
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
});

async function status(id: string): Promise<ReleaseStatus> {
  return JSON.parse((await stack.cli('status', id, '--json')).stdout) as ReleaseStatus;
}

const weights = () => stack.colorWeights();

/** Starts a release and waits until its first weight change is in Route 53. */
async function startShifting(
  overrides: Record<string, unknown>,
): Promise<{ id: string; live: 'blue' | 'green'; next: 'blue' | 'green' }> {
  const before = await weights();
  const live = before.blue === 100 ? 'blue' : 'green';
  const next = live === 'blue' ? 'green' : 'blue';
  const file = stack.writeSpec(`v${++version}.yaml`, await stack.appSpec(`${version}.0.0`, { overrides }));
  const r = await stack.cli('start', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  const { id } = JSON.parse(r.stdout);
  if (!(overrides.approval as { beforeTraffic?: boolean } | undefined)?.beforeTraffic) {
    await waitFor('first step', async () => (((await weights())[next] ?? 0) > 0 ? true : undefined), 30_000);
  }
  return { id, live, next };
}

const temporalCli = (...args: string[]) => stack.temporalCli(...args);

describe('operator control on real servers', () => {
  it('pause holds weights longer than a step interval; resume completes', async () => {
    const { id, next } = await startShifting({
      traffic: { steps: [10, 50, 100], interval: '3s', analysis: { every: '1s' } },
    });
    const paused = await stack.cli('pause', id, '--reason', 'checking the dashboards');
    assert.equal(paused.code, 0, paused.stderr);
    // Moto has the first step; the release may still be waiting for Route 53 to confirm it.
    assert.match(
      paused.stdout,
      /paused: checking the dashboards; (weights stay at|the shift already sent .* completes)/,
    );
    // A shift already sent when the pause came lands first (more likely on a busy machine): the
    // weights are held from there on.
    const inFlight = /the shift already sent \(blue (\d+)% \/ green (\d+)%\)/.exec(paused.stdout);
    const held = inFlight
      ? await waitFor(
          'the shift already sent',
          async () => {
            const w = await weights();
            return w.blue === Number(inFlight[1]) && w.green === Number(inFlight[2]) ? w : undefined;
          },
          30_000,
        )
      : await weights();
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual(await weights(), held, 'no weight change while paused, for longer than the 3s interval');
    assert.equal((await status(id)).paused, true);
    const again = await stack.cli('pause', id);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /cannot pause: release is already paused/);
    assert.equal((await stack.cli('resume', id)).code, 0);
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout);
    assert.equal((await weights())[next], 100);
    const pauseEvent = (await status(id)).events.find((e) => e.type === 'pause')!;
    assert.equal(pauseEvent.by, 'tester@ci');
    await recordHistory(stack, 'pause-resume');
  });

  it('abort mid-shift restores the old color to 100% within seconds and watch exits 3', async () => {
    const { id, live } = await startShifting({ traffic: { steps: [10, 50, 100], interval: '1h' } });
    const started = Date.now();
    const abort = await stack.cli('abort', id, '--reason', 'error budget burning');
    assert.equal(abort.code, 0, abort.stderr);
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3);
    assert.ok(Date.now() - started < 15_000, `rolled back in ${Date.now() - started}ms`);
    assert.equal((await weights())[live], 100);
    assert.match((await status(id)).result!.reason, /aborted by tester@ci: error budget burning/);
    await recordHistory(stack, 'abort-mid-shift');
    const late = await stack.cli('abort', id, '--reason', 'again');
    assert.equal(late.code, 2);
    assert.match(late.stderr, /cannot abort: release has ended \(rolled-back\)/);
  });

  it('approve releases a gated release', async () => {
    const { id, next } = await startShifting({
      approval: { beforeTraffic: true },
      traffic: { steps: [50, 100], interval: '1s' },
    });
    await waitFor(
      'gate',
      async () => ((await stack.status(id)).phase === 'awaiting-approval' ? true : undefined),
      30_000,
    );
    assert.equal((await weights())[next], 0, 'no traffic before approval');
    const approve = await stack.cli('approve', id, '--note', 'change ticket 42');
    assert.equal(approve.code, 0, approve.stderr);
    assert.equal((await stack.cli('watch', id)).code, 0);
    assert.equal((await weights())[next], 100);
    await recordHistory(stack, 'approval-gate');
  });

  it('promote reaches 100% within seconds', async () => {
    const { id, next } = await startShifting({
      traffic: { steps: [10, 50, 100], interval: '1h' },
      decommission: { delay: '1s' },
    });
    const started = Date.now();
    assert.equal((await stack.cli('promote', id)).code, 0);
    await waitFor('100%', async () => ((await weights())[next] === 100 ? true : undefined), 15_000);
    assert.ok(Date.now() - started < 10_000);
    assert.equal((await stack.cli('watch', id)).code, 0);
    await recordHistory(stack, 'promote');
  });

  it('`temporal workflow signal --name pause` (what the Web UI sends) behaves like the CLI; the release is found by its search attributes', async () => {
    const { id } = await startShifting({ traffic: { steps: [10, 50, 100], interval: '3s' } });
    const sent = await temporalCli(
      'workflow',
      'signal',
      '--workflow-id',
      id,
      '--name',
      'pause',
      '--input',
      '{"reason": "sent with the temporal CLI"}',
    );
    assert.equal(sent.code, 0, sent.stderr);
    await waitFor('paused', async () => ((await stack.status(id)).paused ? true : undefined), 10_000);
    const s = await status(id);
    assert.match(s.events.find((e) => e.type === 'pause')!.message, /sent with the temporal CLI/);

    const listed = await temporalCli(
      'workflow',
      'list',
      '--query',
      'BlueGreenService="shop" AND BlueGreenPhase="shifting"',
      '--output',
      'json',
    );
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(
      JSON.parse(listed.stdout).some((w: { execution: { workflowId: string } }) => w.execution.workflowId === id),
      listed.stdout,
    );
    const ours = await stack.cli('list', '--service', 'shop', '--running', '--json');
    assert.deepEqual(
      JSON.parse(ours.stdout).map((r: { id: string; phase: string }) => [r.id, r.phase]),
      [[id, 'shifting']],
    );

    assert.equal((await temporalCli('workflow', 'signal', '--workflow-id', id, '--name', 'promote')).code, 0);
    await temporalCli('workflow', 'signal', '--workflow-id', id, '--name', 'resume');
    assert.equal((await stack.cli('watch', id)).code, 0);
  });

  it('the metadata query lists all five operator signals with descriptions, and marks the batcher reply internal', async () => {
    const handle = stack.client.workflow.getHandle('bluegreen-shop.example.com');
    const meta = (await handle.query('__temporal_workflow_metadata')) as {
      definition: { signalDefinitions: { name: string; description: string }[] };
    };
    const names = meta.definition.signalDefinitions.map((d) => d.name).sort();
    assert.deepEqual(names, ['abort', 'approve', 'pause', 'promote', 'resume', 'route53Reply']);
    assert.ok(meta.definition.signalDefinitions.every((d) => d.description.length > 20));
    const reply = meta.definition.signalDefinitions.find((d) => d.name === 'route53Reply')!;
    assert.match(reply.description, /^Internal, not for operators/);
  });
});
