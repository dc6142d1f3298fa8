// A Request Cancellation (the Web UI's, `temporal workflow cancel`) rolls the release back, and
// the rolled-back run replays whatever workflow task the SDK recorded its flags in. The undos'
// scope asks the SDK whether it is shielded from the cancellation (a flag, recorded at the end of
// the task that first asks it) while the cancellation is handled; it used to ask later, when the
// Route 53 undo started waiting for the batcher, in a task that depends on the worker's timing.
// Recorded on a later task than the one replay reaches that wait in, the replay cancelled the wait
// and scheduled the next undo where the run had started a timer: TMPRL1100 on `repair`'s query.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { projectRoot } from '../support/binaries';
import { testSpec } from '../support/fake-world';
import { workflowBundle } from '../support/temporal';
import { ended, liveWorld, timeSkippingHarness, until } from '../support/time-skipping';

const { withRelease } = timeSkippingHarness('cancel-replay');
const SHIELDED_SCOPES_FLAG = 1; // the TypeScript SDK's NonCancellableScopesAreShieldedFromPropagation

type History = temporal.api.history.v1.IHistory;

/** The history with the lang flags of every workflow task after the cancellation's own removed. */
function flagsOnlyUntilCancellation(history: History): { history: History; cancelTaskFlags: number[] } {
  const events = history.events ?? [];
  const cancelAt = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
  assert.ok(cancelAt >= 0, 'the run was cancelled');
  const cancelTask = events.findIndex((e, i) => i > cancelAt && e.workflowTaskCompletedEventAttributes);
  const cancelTaskFlags = events[cancelTask].workflowTaskCompletedEventAttributes!.sdkMetadata?.langUsedFlags ?? [];
  const stripped = events.map((e, i) => {
    const done = e.workflowTaskCompletedEventAttributes;
    if (i <= cancelTask || !done?.sdkMetadata?.langUsedFlags?.length) return e;
    return {
      ...e,
      workflowTaskCompletedEventAttributes: { ...done, sdkMetadata: { ...done.sdkMetadata, langUsedFlags: [] } },
    };
  });
  return { history: { events: stripped }, cancelTaskFlags };
}

describe('Request Cancellation and replay', () => {
  it('a release cancelled in its first hold rolls back, and replays with no flag recorded after the cancellation', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec({ traffic: { steps: [10, 100], interval: '1h' } }), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10 && s.phase === 'shifting');
      await handle.cancel();
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.match(result.reason, /the workflow was cancelled/);
      assert.deepEqual(world.records, { blue: 100, green: 0 });
      const { history, cancelTaskFlags } = flagsOnlyUntilCancellation(await handle.fetchHistory());
      // The undos' shielding is decided while the cancellation is handled, so its flag is recorded there.
      assert.ok(cancelTaskFlags.includes(SHIELDED_SCOPES_FLAG), `flags of the cancellation's task: ${cancelTaskFlags}`);
      // Without it the replay of the undo's wait for the batcher failed: "[TMPRL1100] Nondeterminism
      // error: Activity machine does not handle this event: HistoryEvent(id: …, TimerStarted)".
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
    });
  });

  it('the recorded cancellation mid-shift (the undo waits for the batcher a task later) replays the same way', async () => {
    const file = path.join(projectRoot, 'test', 'histories', 'cancel-request-mid-shift.json');
    const recorded = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
    const { history, cancelTaskFlags } = flagsOnlyUntilCancellation(recorded);
    assert.ok(cancelTaskFlags.includes(SHIELDED_SCOPES_FLAG), `flags of the cancellation's task: ${cancelTaskFlags}`);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, 'bluegreen-shop.example.com');
  });
});
