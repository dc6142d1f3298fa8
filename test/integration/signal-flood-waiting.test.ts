// A flood of large signals, as anyone with the Web UI can send, must not get a release terminated
// for its history size. The dev server runs with small history limits so that the flood is well
// past them: the release continues as new wherever it waits (for approval, paused before a step,
// paused inside a hold), every run's history stays under the limits, the status stays right
// throughout, and the release completes on resume. Signals go at the Web UI's pace (the next once
// the last is answered); a script's back-to-back flood is beyond any workflow (docs/operating.md,
// "Signals, updates and history size").
// Here: a release flooded while awaiting approval, paused before a step and paused inside a hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updatesByAction, type ActionOutcome, type ReleaseStatus } from '../../workflows/messages';
import { stackForFile } from '../support/file-stack';
import { runSizes } from '../support/history';
import { floodedReleases, floodStackOptions, MiB, TERMINATE_AT } from '../support/signal-flood';
import type { Stack } from '../support/stack';

let stack: Stack;
const startRelease = floodedReleases(() => stack);
stackForFile((s) => (stack = s).releaseFirst(), floodStackOptions);

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
});
