// Long holds on the time-skipping server: a 30-day warm period and a release paused for days,
// with analysis every 30 s. History stays bounded: passing rounds cost nothing, and the release
// continues as new from a checkpoint before a run's history grows large. Operator actions and
// the status query keep working across the runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updatesByAction, type ActionOutcome } from '../../workflows/messages';
import { testSpec } from '../support/fake-world';
import { eventsPerRun } from '../support/history';
import { ended, liveWorld, status, timeSkippingHarness, until } from '../support/time-skipping';

const { env, withRelease } = timeSkippingHarness('long-hold');

describe('long holds', () => {
  it('a 30-day warm period with analysis every 30s completes, every run under 10,000 events', async () => {
    const world = liveWorld();
    const spec = testSpec({
      traffic: { steps: [100], interval: '1m', analysis: { every: '30s' } },
      decommission: { delay: '30d' },
    });
    await withRelease(world, spec, async (handle) => {
      const result = await ended(handle);
      assert.equal(result.outcome, 'completed', result.reason);
      assert.deepEqual(world.decommissions, ['blue']);
      const runs = await eventsPerRun(env().client, handle.workflowId);
      const total = runs.reduce((a, b) => a + b, 0);
      assert.ok(runs.length > 1, `runs: ${runs}`);
      assert.ok(Math.max(...runs) < 10_000, `events per run: ${runs}`);
      const perHour = total / (30 * 24);
      assert.ok(perHour <= 100, `${perHour.toFixed(1)} events per hour of hold`);
      // Every round of 30 days ran: 86,400 of them.
      assert.ok(world.analysisRounds >= 86_000, `rounds: ${world.analysisRounds}`);
      // The last run's status still has the whole story, from the plan to the end.
      const s = await status(handle);
      assert.deepEqual(
        s.events.slice(0, 2).map((e) => e.type),
        ['started', 'plan'],
      );
      assert.equal(s.events.filter((e) => e.type === 'continue-as-new').length, runs.length - 1);
      const baking = Date.parse(s.events.find((e) => e.type === 'baking')!.at);
      const decommissioning = Date.parse(s.events.find((e) => e.type === 'decommissioning')!.at);
      assert.ok(decommissioning - baking >= 30 * 86_400_000, 'the warm period lasted 30 days');
      console.log(
        `30-day warm period: ${runs.length} runs, events per run ${runs.join(', ')}; ${perHour.toFixed(1)}/h`,
      );
    });
  });

  it('a release paused for 10 days stays paused across runs; resume (an update) reaches the newest run', async () => {
    const world = liveWorld();
    const spec = testSpec({ traffic: { steps: [10, 100], interval: '1h', analysis: { every: '30s' } } });
    await withRelease(world, spec, async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.signal('pause', { reason: 'holiday freeze', by: 'alice' });
      await until(handle, 'paused', (s) => s.paused);
      await env().sleep('10d');
      const held = await status(handle);
      assert.equal(held.paused, true);
      assert.equal(held.pauseReason, 'holiday freeze');
      assert.deepEqual(held.weights, { blue: 90, green: 10 });
      assert.deepEqual(world.shifts, [{ blue: 90, green: 10 }]);
      const continued = held.events.filter((e) => e.type === 'continue-as-new');
      assert.ok(continued.length >= 1, 'the paused release continued as new');
      assert.equal(held.events.find((e) => e.type === 'pause')?.by, 'alice', 'events from the first run are kept');
      const answer = (await handle.executeUpdate(updatesByAction.resume as never, {
        args: [{ by: 'bob' }] as never,
      })) as ActionOutcome;
      assert.deepEqual(answer, { accepted: true, message: 'resumed' });
      const result = await ended(handle);
      assert.equal(result.outcome, 'completed');
      assert.deepEqual(world.records, { blue: 0, green: 100 });
      const final = await status(handle);
      // The step's hour was not spent while paused: 10 days paused, then the rest of the hour.
      const shifted = final.events.filter((e) => e.type === 'shifted').map((e) => Date.parse(e.at));
      assert.ok(shifted[1] - shifted[0] >= 10 * 86_400_000 + 59 * 60_000, 'the hold resumed where it stopped');
      const runs = await eventsPerRun(env().client, handle.workflowId);
      assert.ok(Math.max(...runs) < 10_000, `events per run: ${runs}`);
    });
  });
});
