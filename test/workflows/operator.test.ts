// Operator control on the time-skipping server: pause, resume, abort, approve, promote as
// signals (what the Web UI sends) and as updates (what the CLI sends), in the phases that
// matter, plus approval gates timing out both ways.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { updatesByAction, type ActionOutcome } from '../../workflows/messages';
import { failingRound, healthyRound, testSpec } from '../support/fake-world';
import { ended, liveWorld, status, timeSkippingHarness, until } from '../support/time-skipping';
import { sendAction } from '../../client/releases';

const { env, withRelease } = timeSkippingHarness('operator');

const update = (
  handle: WorkflowHandle,
  action: keyof typeof updatesByAction,
  payload: object = {},
): Promise<ActionOutcome> =>
  handle.executeUpdate(updatesByAction[action] as never, { args: [{ by: 'tester', ...payload }] as never });

describe('operator control', () => {
  it('pause freezes weights across a step boundary; paused time does not count; resume completes', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10 && s.phase === 'shifting');
      await handle.signal('pause', { reason: 'checking dashboards', by: 'alice' });
      await until(handle, 'paused', (s) => s.paused);
      await env().sleep('20m'); // four step intervals pass while paused
      const held = await status(handle);
      assert.deepEqual(held.weights, { blue: 90, green: 10 }, 'weights frozen while paused');
      assert.equal(held.step.index, 1);
      assert.match(held.next!.action, /paused with .* left/);
      await handle.signal('resume', {});
      const result = await ended(handle);
      assert.equal(result.outcome, 'completed');
      const final = await status(handle);
      const shifted = final.events.filter((e) => e.type === 'shifted').map((e) => Date.parse(e.at));
      const gap = (shifted[1] - shifted[0]) / 60_000;
      assert.ok(gap >= 25 && gap < 27, `step 1 lasted ${gap} minutes: 20 paused + the 5 minute interval`);
      const pause = final.events.find((e) => e.type === 'pause')!;
      assert.equal(pause.by, 'alice');
      assert.match(pause.message, /checking dashboards/);
    });
  });

  it('analysis still protects a paused release', async () => {
    const world = liveWorld();
    let breakNow = false;
    world.analysis = () => (breakNow ? failingRound : healthyRound);
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await update(handle, 'pause');
      breakNow = true;
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.match(result.reason, /analysis breach/);
      assert.deepEqual(world.records, { blue: 100, green: 0 });
    });
  });

  it('abort mid-shift rolls back to the old color and records who and why', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      const answer = await update(handle, 'abort', { reason: 'error budget burning' });
      assert.equal(answer.accepted, true);
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.equal(result.reason, 'aborted by tester: error budget burning');
      assert.deepEqual(world.records, { blue: 100, green: 0 });
      assert.deepEqual([...world.running], [['blue', '1.0.0']]);
      // After the end, the CLI's action is refused with how the release ended.
      const late = await sendAction({ client: env().client }, handle.workflowId, 'abort', { reason: 'again' });
      assert.deepEqual(late, { accepted: false, message: 'cannot abort: release has ended (failed)' });
    });
  });

  it('abort works during the warm period, while the old color still runs', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await env().sleep('11m');
      await until(handle, 'baking', (s) => s.phase === 'baking');
      await handle.signal('abort', { reason: 'late regression' });
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.deepEqual(world.records, { blue: 100, green: 0 });
    });
  });

  it('promote jumps to 100% at once, then warms and decommissions as usual', async () => {
    const world = liveWorld();
    await withRelease(
      world,
      testSpec({ traffic: { steps: [10, 25, 50, 75, 100], interval: '1h' } }),
      async (handle) => {
        await until(handle, 'step 1', (s) => s.weights.green === 10);
        assert.equal((await update(handle, 'promote')).accepted, true);
        await until(handle, 'promoted', (s) => s.weights.green === 100);
        const result = await ended(handle);
        assert.equal(result.outcome, 'completed');
        assert.deepEqual(world.shifts, [
          { blue: 90, green: 10 },
          { blue: 0, green: 100 },
        ]);
        assert.deepEqual(world.decommissions, ['blue']);
      },
    );
  });

  it('refusals say why: resume when not paused, approve with no gate, abort without a reason', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      const refused = async (action: keyof typeof updatesByAction, payload: object, pattern: RegExp) =>
        assert.rejects(update(handle, action, payload), (err: WorkflowUpdateFailedError) =>
          pattern.test(String((err.cause as Error)?.message)),
        );
      await refused('resume', {}, /cannot resume: release is not paused/);
      await refused('approve', {}, /cannot approve: no approval is pending/);
      await refused('abort', {}, /cannot abort: a reason is required/);
      await update(handle, 'pause');
      await refused('pause', {}, /already paused/);
      await update(handle, 'resume');
      await handle.signal('promote');
      assert.equal((await ended(handle)).outcome, 'completed');
    });
  });

  it('a malformed payload from the Web UI becomes an event, never a stuck workflow', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.signal('abort', 'just do it' as never);
      await handle.signal('pause', { reason: 42 } as never);
      await handle.signal('abort', { by: 'ui' } as never);
      const s = await until(
        handle,
        'three rejections',
        (st) => st.events.filter((e) => e.type === 'rejected').length === 3,
      );
      const messages = s.events.filter((e) => e.type === 'rejected').map((e) => e.message);
      assert.match(messages[0], /payload must be a JSON object/);
      assert.match(messages[1], /"reason" must be a string/);
      assert.match(messages[2], /a reason is required/);
      assert.equal((await ended(handle)).outcome, 'completed');
    });
  });

  it('approval gate before traffic: approve releases it', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec({ approval: { beforeTraffic: true } }), async (handle) => {
      const waiting = await until(handle, 'gate', (s) => s.phase === 'awaiting-approval');
      assert.equal(waiting.pendingApproval, 'beforeTraffic');
      assert.deepEqual(world.shifts, [], 'no traffic before approval');
      const answer = await update(handle, 'approve', { note: 'looks good' });
      assert.match(answer.message, /approved beforeTraffic: looks good/);
      assert.equal((await ended(handle)).outcome, 'completed');
      assert.equal(world.shifts.length, 3);
    });
  });

  it('approval timeout rolls back by default, waiting durably on a timer', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec({ approval: { beforeTraffic: true, timeout: '24h' } }), async (handle) => {
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.match(result.reason, /approval beforeTraffic timed out after 1d/);
      assert.deepEqual(world.shifts, []);
      assert.equal(world.running.get('green'), undefined);
    });
  });

  it('approval timeout with onTimeout: proceed carries on', async () => {
    const world = liveWorld();
    await withRelease(
      world,
      testSpec({ approval: { beforeDecommission: true, timeout: '2h', onTimeout: 'proceed' } }),
      async (handle) => {
        const result = await ended(handle);
        assert.equal(result.outcome, 'completed');
        const s = await status(handle);
        assert.ok(s.events.some((e) => e.type === 'approval-timeout' && /proceeding/.test(e.message)));
        assert.deepEqual(world.decommissions, ['blue']);
      },
    );
  });

  it('the metadata query lists all five signals with descriptions, for the Web UI', async () => {
    const world = liveWorld();
    await withRelease(world, testSpec(), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      const meta = (await handle.query('__temporal_workflow_metadata')) as {
        definition: {
          signalDefinitions: { name: string; description: string }[];
          queryDefinitions: { name: string }[];
          updateDefinitions: { name: string }[];
        };
      };
      const signals = Object.fromEntries(meta.definition.signalDefinitions.map((d) => [d.name, d.description]));
      for (const name of ['pause', 'resume', 'abort', 'approve', 'promote'])
        assert.ok(signals[name]?.length > 20, `signal ${name} lacks a description`);
      assert.ok(meta.definition.queryDefinitions.some((q) => q.name === 'status'));
      assert.equal(meta.definition.updateDefinitions.length, 5);
      await handle.signal('promote');
      await ended(handle);
    });
  });
});
