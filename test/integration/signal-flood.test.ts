// A flood of large signals, as anyone with the Web UI can send, must not get a release terminated
// for its history size. The dev server runs with small history limits so that the flood is well
// past them: the release continues as new wherever it waits (for approval, paused before a step,
// paused inside a hold), every run's history stays under the limits, the status stays right
// throughout, and the release completes on resume. Signals go at the Web UI's pace (the next once
// the last is answered); a script's back-to-back flood is beyond any workflow (docs/operating.md,
// "Signals, updates and history size").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  pauseSignal,
  updatesByAction,
  type ActionOutcome,
  type OperatorAction,
  type ReleaseStatus,
} from '../../workflows/messages';
import { runSizes } from '../support/history';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

const MiB = 1024 * 1024;
// Far below the defaults (4 MiB suggested, 50 MiB terminates) so the test stays short: the 50 MiB
// below would have the server terminate a run that never continued as new five times over.
const SUGGEST_AT = 2 * MiB;
const TERMINATE_AT = 6 * MiB;

let stack: Stack;

before(async () => {
  stack = await startStack({
    dynamicConfig: [
      `limit.historySize.suggestContinueAsNew=${SUGGEST_AT}`,
      `limit.historySize.warn=${SUGGEST_AT}`,
      `limit.historySize.error=${TERMINATE_AT}`,
    ],
  });
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
});

/** Starts a release of `version` with spec overrides and returns what drives it. */
async function startRelease(version: string, overrides: Record<string, unknown>, env?: Record<string, string>) {
  const file = stack.writeSpec(`${version}.yaml`, await stack.appSpec(version, { overrides, env }));
  const started = await stack.cli('start', file, '--json');
  assert.equal(started.code, 0, started.stderr);
  const { id } = JSON.parse(started.stdout) as { id: string };
  const handle = stack.client.workflow.getHandle(id);
  const status = () => handle.query<ReleaseStatus>('status');
  const until = (what: string, ok: (s: ReleaseStatus) => boolean) =>
    waitFor(what, async () => (ok(await status()) ? true : undefined), 30_000);
  /** An operator action as the CLI sends it (an update), without starting a CLI process each time. */
  const act = async (action: OperatorAction, payload: { reason?: string; by?: string } = {}) => {
    const outcome = await handle.executeUpdate<ActionOutcome, [object]>(updatesByAction[action].name, {
      args: [{ by: 'tester@ci', ...payload }],
    });
    assert.ok(outcome.accepted, `${action}: ${outcome.message}`);
  };
  const refusals = (st: ReleaseStatus) =>
    st.events.filter((e) => e.type === 'rejected' && /"reason" is \d+ characters; at most 1000/.test(e.message));
  const reason = 'x'.repeat(MiB);
  let sent = 0;
  /** Sends `count` pause signals of 1 MB, paced as from the Web UI (the next once the release has
   * answered the last, with a refusal in its status), checking the status after every fifth. */
  async function flood(where: string, count: number, expect: (s: ReleaseStatus) => void): Promise<number> {
    const t0 = Date.now();
    for (let i = 1; i <= count; i++) {
      await handle.signal(pauseSignal, { reason, by: 'web-ui' });
      sent++;
      await until(`signal ${sent} answered`, (st) => refusals(st).length === sent);
      if (i % 5 === 0 || i === count) {
        const st = await status();
        expect(st);
        const inRoute53 = await stack.colorWeights();
        assert.deepEqual(
          { blue: inRoute53.blue ?? 0, green: inRoute53.green ?? 0 },
          st.weights,
          `Route 53 and the status agree (${where}, after ${i})`,
        );
      }
    }
    return Date.now() - t0;
  }
  const continued = async () => (await status()).events.filter((e) => e.type === 'continue-as-new').length;
  return { id, handle, status, until, act, flood, refusals, continued, sent: () => sent };
}

describe('a flood of 1 MB signals', () => {
  it('keeps a waiting release running on bounded history, with the right status, until it completes on resume', async () => {
    const { id, handle, status, until, act, flood, refusals, sent } = await startRelease('1.0.0', {
      approval: { beforeTraffic: true },
      traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '1s' } },
    });
    const timings: string[] = [];
    const timed = async (where: string, count: number, expect: (s: ReleaseStatus) => void) =>
      timings.push(`${where}: ${count} signals in ${await flood(where, count, expect)} ms`);

    // 1. Awaiting approval before any traffic.
    await until('approval gate', (s) => s.phase === 'awaiting-approval');
    await timed('awaiting approval', 15, (s) => {
      assert.equal(s.phase, 'awaiting-approval');
      assert.equal(s.pendingApproval, 'beforeTraffic');
      assert.deepEqual(s.weights, { blue: 100, green: 0 });
      assert.equal(s.paused, false);
    });

    // 2. Paused before the first step: paused while awaiting approval, then approved.
    await act('pause', { reason: 'change freeze' });
    await act('approve');
    await until('paused before step 1', (s) => s.next?.action === 'paused: waiting for resume');
    await timed('paused before step 1', 15, (s) => {
      assert.equal(s.phase, 'verifying');
      assert.equal(s.paused, true);
      assert.equal(s.pauseReason, 'change freeze');
      assert.equal(s.pendingApproval, undefined);
      assert.deepEqual(s.step, { index: 0, total: 2 });
      assert.deepEqual(s.weights, { blue: 100, green: 0 });
    });

    // 3. Paused inside the hold of step 1, traffic split.
    await act('resume');
    await until('step 1', (s) => s.weights.green === 10);
    await act('pause', { reason: 'watching the dashboards' });
    await timed('paused in the hold of step 1', 20, (s) => {
      assert.equal(s.phase, 'shifting');
      assert.equal(s.paused, true);
      assert.equal(s.pauseReason, 'watching the dashboards');
      assert.deepEqual(s.step, { index: 1, total: 2 });
      assert.deepEqual(s.weights, { blue: 90, green: 10 });
    });
    assert.equal(sent(), 50);

    // Every signal was refused (too large) and said so in the status, which the runs carried over.
    const s = await status();
    assert.equal(refusals(s).length, 50, 'each flooded signal is a refusal in the status');
    assert.ok(
      refusals(s).every((e) => e.message.length < 200 && e.by === 'web-ui'),
      'refusals stay short',
    );

    // A megabyte as an update (what the CLI sends) is refused by its validator: nothing is stored.
    // Fields of at most 1,000 characters each, the payload's other keys count against 4,000 in all.
    const before = await handle.describe();
    await assert.rejects(
      handle.executeUpdate<ActionOutcome, [object]>(updatesByAction.resume.name, {
        args: [{ by: 'script', padding: 'x'.repeat(MiB) }],
      }),
      (err: { cause?: { message?: string } }) =>
        /^cannot resume: the payload is \d+ characters; at most 4000$/.test(err.cause?.message ?? ''),
    );
    const afterUpdate = await handle.describe();
    assert.equal(afterUpdate.runId, before.runId);
    assert.ok(
      (afterUpdate.historySize ?? 0) - (before.historySize ?? 0) < 10_000,
      `a refused 1 MB update added ${(afterUpdate.historySize ?? 0) - (before.historySize ?? 0)} bytes of history`,
    );

    // The hour of step 1 is not waited out: promote (taken while paused), then resume.
    await act('promote');
    await act('resume');
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.deepEqual(await stack.colorWeights(), { blue: 0, green: 100 });
    const done = await status();
    assert.equal(done.phase, 'completed');
    assert.equal(done.events.filter((e) => e.type === 'started').length, 1, 'one release, from start to end');

    const runs = await runSizes(stack.client, id);
    const continued = done.events.filter((e) => e.type === 'continue-as-new');
    assert.equal(continued.length, runs.length - 1);
    const total = runs.reduce((sum, r) => sum + r.bytes, 0);
    assert.ok(total > 50 * MiB, `all runs together hold the 50 MiB of signals (${total} bytes)`);
    for (const r of runs) {
      assert.ok(r.bytes < TERMINATE_AT, `run ${r.runId}: ${r.bytes} bytes`);
      assert.ok(r.events < 500, `run ${r.runId}: ${r.events} events`);
    }
    console.log(
      `signal flood: ${runs.length} runs; MiB per run ${runs.map((r) => (r.bytes / MiB).toFixed(2)).join(', ')}; events per run ${runs.map((r) => r.events).join(', ')}; ${timings.join('; ')}`,
    );
  });

  it('a release frozen, waiting for its change window, or awaiting approval before the decommission continues as new just as well', async () => {
    const live = () => stack.colorWeights().then((w) => ((w.blue ?? 0) === 100 ? 'blue' : 'green'));
    const started = Date.now();

    // Frozen (onFailure: freeze) after analysis failed in step 1: stays frozen across runs; abort rolls back.
    const liveColor = await live();
    const newColor = liveColor === 'blue' ? 'green' : 'blue';
    const frozen = await startRelease(
      '2.0.0',
      {
        onFailure: 'freeze',
        traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '1s' } },
      },
      { ERROR_RATE: '1' },
    );
    await frozen.until('frozen', (s) => s.phase === 'frozen');
    await frozen.flood('frozen', 1, (s) => {
      assert.equal(s.phase, 'frozen');
      assert.equal(s.paused, true);
      assert.match(s.pauseReason ?? '', /^frozen: analysis breach during step 1/);
      assert.equal(s.weights[newColor], 10);
    });
    assert.ok((await frozen.continued()) >= 1, 'the frozen release continued as new');
    await frozen.act('abort', { reason: 'bad build' });
    assert.equal((await stack.cli('watch', frozen.id)).code, 3);
    assert.equal((await stack.colorWeights())[liveColor], 100);
    assert.equal((await frozen.status()).phase, 'rolled-back');
    await recordHistory(stack, 'continued-frozen-abort');

    // Waiting for a change window that opens in 12 hours: still waiting after continuing; abort rolls back.
    const later = new Date(Date.now() + 12 * 3600_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    if (hhmm(later) >= '23:58') later.setUTCMinutes(later.getUTCMinutes() - 3);
    const windowed = await startRelease('3.0.0', {
      window: {
        days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        start: hhmm(later),
        end: hhmm(new Date(later.getTime() + 60_000)),
        timezone: 'UTC',
      },
    });
    await windowed.until('waiting for the window', (s) => s.phase === 'waiting-for-window');
    const opensAt = (await windowed.status()).next?.at;
    await windowed.flood('waiting for the window', 1, (s) => {
      assert.equal(s.phase, 'waiting-for-window');
      assert.equal(s.next?.at, opensAt);
      assert.match(s.next?.action ?? '', /when the window opens/);
      assert.equal(s.weights[liveColor], 100);
    });
    assert.ok((await windowed.continued()) >= 1, 'the waiting release continued as new');
    await windowed.act('abort', { reason: 'not this week' });
    assert.equal((await stack.cli('watch', windowed.id)).code, 3);
    assert.equal((await stack.colorWeights())[liveColor], 100);
    await recordHistory(stack, 'continued-window-abort');

    // Awaiting approval before the decommission: approve reaches the newest run, the release completes.
    const gated = await startRelease('4.0.0', {
      approval: { beforeDecommission: true },
      traffic: { steps: [100], interval: '1s', analysis: { requests: 20, maxErrorRate: 0.05, every: '1s' } },
    });
    await gated.until('approval gate', (s) => s.pendingApproval === 'beforeDecommission');
    await gated.flood('awaiting approval before the decommission', 1, (s) => {
      assert.equal(s.phase, 'awaiting-approval');
      assert.equal(s.pendingApproval, 'beforeDecommission');
      assert.equal(s.weights[newColor], 100);
    });
    assert.ok((await gated.continued()) >= 1, 'the gated release continued as new');
    await gated.act('approve');
    assert.equal((await stack.cli('watch', gated.id)).code, 0);
    assert.equal((await stack.colorWeights())[newColor], 100);
    const done = await gated.status();
    assert.equal(done.phase, 'completed');
    assert.ok(
      done.events.some((e) => e.type === 'decommissioned'),
      'the old color was decommissioned',
    );
    await recordHistory(stack, 'continued-awaiting-decommission');
    for (const r of await runSizes(stack.client, gated.id)) assert.ok(r.bytes < TERMINATE_AT, `${r.bytes} bytes`);
    console.log(`frozen, window and decommission approval: 3 signals, ${Date.now() - started} ms`);
  });
});
