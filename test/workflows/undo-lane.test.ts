// The way back on the time-skipping server: an abort's restore is handed to the zone's batcher by
// the release itself (a signal), not by a local activity that waits its turn on a busy worker;
// when the batcher has ended (10 idle minutes), the local activity starts one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { testSpec } from '../support/fake-world';
import { ended, liveWorld, timeSkippingHarness, until } from '../support/time-skipping';

const { env, withRelease } = timeSkippingHarness('undo-lane');

/** The route53Request signals a release sent its batcher, and how many found no batcher running. */
async function requestsSignalled(handle: WorkflowHandle): Promise<{ sent: number; notFound: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const sent = events.filter(
    (e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'route53Request',
  ).length;
  const notFound = events.filter((e) => e.signalExternalWorkflowExecutionFailedEventAttributes).length;
  return { sent, notFound };
}

// Two tests, not one with two releases: each gets a time-skipping server of its own, and a clock
// lock the test server can leak from the first release would otherwise freeze the second's
// 20-minute sleep (it hung that way under load; see test/support/time-skipping.ts).
describe('the undo lane', () => {
  it("an abort's restore is signalled to the running batcher by the release itself", async () => {
    // Signalled by the workflow: the abort's task completes at once instead of waiting for a local
    // activity that runs behind every other release's (docs/production.md "Measured").
    const busy = liveWorld();
    await withRelease(busy, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.signal('abort', { reason: 'restore while the batcher runs' });
      assert.equal((await ended(handle)).outcome, 'rolled-back');
      assert.deepEqual(busy.records, { blue: 100, green: 0 });
      assert.deepEqual(await requestsSignalled(handle), { sent: 1, notFound: 0 });
    });
  });

  it('with the batcher gone idle, the restore starts one', async () => {
    // A 30-minute step: the zone's batcher ends after 10 idle minutes, so the restore's signal
    // finds none and the local activity starts one (signal-with-start).
    const quiet = liveWorld();
    await withRelease(quiet, testSpec({ traffic: { steps: [10, 100], interval: '30m' } }), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await env().sleep('20m');
      await handle.signal('abort', { reason: 'restore after the batcher ended' });
      assert.equal((await ended(handle)).outcome, 'rolled-back');
      assert.deepEqual(quiet.records, { blue: 100, green: 0 });
      assert.deepEqual(await requestsSignalled(handle), { sent: 1, notFound: 1 });
    });
  });
});
