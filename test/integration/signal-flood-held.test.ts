// A flood of large signals, as anyone with the Web UI can send, must not get a release terminated
// for its history size. The dev server runs with small history limits so that the flood is well
// past them: the release continues as new wherever it waits (for approval, paused before a step,
// paused inside a hold), every run's history stays under the limits, the status stays right
// throughout, and the release completes on resume. Signals go at the Web UI's pace (the next once
// the last is answered); a script's back-to-back flood is beyond any workflow (docs/operating.md,
// "Signals, updates and history size").
// Here: a release frozen, waiting for its change window, or awaiting approval before the decommission.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stackForFile } from '../support/file-stack';
import { runSizes } from '../support/history';
import { floodedReleases, floodStackOptions, TERMINATE_AT } from '../support/signal-flood';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
const startRelease = floodedReleases(() => stack);
stackForFile((s) => (stack = s).releaseFirst(), floodStackOptions);

describe('a flood of 1 MB signals', () => {
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
