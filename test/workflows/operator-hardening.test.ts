// Hostile and unlucky operator input on the time-skipping server: oversized payloads, unknown
// signal names, long event streams, and actions that used to leave the status telling lies
// (an ended release still "paused" or waiting for "approve").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ActionOutcome } from '../../workflows/messages';
import { unprintedEvents } from '../../client/render';
import { testSpec } from '../support/fake-world';
import { ended, liveWorld, status, timeSkippingHarness, until } from '../support/time-skipping';

const { withRelease } = timeSkippingHarness('operator-hardening', { threaded: true });

describe('operator input hardening', () => {
  it('a 1 MB reason is rejected with an event; status keeps working and stays small', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      const huge = 'x'.repeat(1024 * 1024);
      await handle.signal('pause', { reason: huge, by: 'mallory' });
      await handle.signal('approve', { note: 'n'.repeat(1001), by: huge });
      const s = await until(
        handle,
        'two rejections',
        (st) => st.events.filter((e) => e.type === 'rejected').length === 2,
      );
      const rejected = s.events.filter((e) => e.type === 'rejected');
      assert.match(rejected[0].message, /cannot pause: "reason" is 1048576 characters; at most 1000/);
      assert.equal(rejected[0].by, 'mallory');
      assert.match(rejected[1].message, /"by" is 1048576 characters; at most 1000/);
      assert.equal(rejected[1].by, 'signal (no sender given)', 'an oversized sender is not recorded');
      assert.equal(s.paused, false);
      assert.ok(JSON.stringify(s).length < 20_000, `status is ${JSON.stringify(s).length} characters`);
      // The CLI's update form is refused before it reaches history.
      await assert.rejects(
        handle.executeUpdate<ActionOutcome, [object]>('pauseRelease', { args: [{ reason: 'r'.repeat(1001) }] }),
        (err: WorkflowUpdateFailedError) =>
          /"reason" is 1001 characters; at most 1000/.test(String(err.cause?.message)),
      );
      assert.equal((await ended(handle)).outcome, 'completed');
      assert.ok((await status(handle)).events.length > 0, 'status works after the release ended');
    });
  });

  it('unknown signal names are recorded as rejected events; watch keeps printing past 200 events', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.signal('pasue', { reason: 'typo' });
      const first = await until(handle, 'rejected', (st) => st.events.some((e) => e.type === 'rejected'));
      const typo = first.events.find((e) => e.type === 'rejected')!;
      assert.match(typo.message, /unknown signal "pasue": the signals are pause, resume, abort, approve, promote/);
      const printed = first.eventCount!;
      for (let i = 0; i < 250; i++) await handle.signal(`unknown-${i}`);
      const s = await until(handle, '250 more events', (st) => (st.eventCount ?? 0) >= printed + 250);
      assert.equal(s.events.length, 200, 'the status keeps the latest 200');
      const fresh = unprintedEvents(s, printed);
      assert.equal(fresh.events.length, 200, 'everything still held is new to a watcher that printed before');
      assert.equal(fresh.events[fresh.events.length - 1].message.includes('unknown-249'), true);
      assert.equal(unprintedEvents(s, fresh.printed).events.length, 0);
      await handle.signal('promote');
      assert.equal((await ended(handle)).outcome, 'completed');
    });
  });

  it('abort at an approval gate: the ended release no longer says an approval is pending', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec({ approval: { beforeTraffic: true } }), async (handle) => {
      await until(handle, 'gate', (s) => s.pendingApproval === 'beforeTraffic');
      await handle.signal('abort', { reason: 'wrong build', by: 'alice' });
      assert.equal((await ended(handle)).outcome, 'rolled-back');
      const s = await status(handle);
      assert.equal(s.pendingApproval, undefined);
      assert.equal(s.phase, 'rolled-back');
    });
  });

  it('abort while paused: the ended release is not paused', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.signal('pause', { reason: 'look', by: 'alice' });
      await until(handle, 'paused', (s) => s.paused);
      await handle.signal('abort', { reason: 'bad metrics', by: 'alice' });
      assert.equal((await ended(handle)).outcome, 'rolled-back');
      const s = await status(handle);
      assert.equal(s.paused, false);
      assert.equal(s.pauseReason, undefined);
    });
  });

  it('promote while paused says it waits for resume, and it does', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec({ traffic: { steps: [10, 50, 100], interval: '1h' } }), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.executeUpdate<ActionOutcome, [object]>('pauseRelease', { args: [{ by: 'alice' }] });
      const answer = await handle.executeUpdate<ActionOutcome, [object]>('promoteRelease', { args: [{ by: 'alice' }] });
      assert.match(answer.message, /goes to 100% as soon as the release is resumed/);
      const s = await status(handle);
      assert.deepEqual(s.weights, { blue: 90, green: 10 }, 'still paused, nothing shifted');
      await handle.executeUpdate<ActionOutcome, [object]>('resumeRelease', { args: [{ by: 'alice' }] });
      await until(handle, 'promoted', (st) => st.weights.green === 100);
      assert.equal((await ended(handle)).outcome, 'completed');
    });
  });
});
