// Analysis verdicts on the time-skipping server: failureLimit, the three onInconclusive choices,
// a failure in the last round of a hold, and what status shows. The fake world decides every
// round; hours of holds pass in seconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseSpecInput } from '../../workflows/spec';
import { emptyResult, failingRound, healthyRound, testSpec } from '../support/fake-world';
import { ended, liveWorld, status, timeSkippingHarness, until } from '../support/time-skipping';
const { env, withRelease } = timeSkippingHarness('analysis');

/** A spec with one metric of the team's own next to the probe (the fake world answers for it). */
function withMetric(analysis: Record<string, unknown>): ReturnType<typeof testSpec> {
  return testSpec({
    traffic: {
      steps: [10, 50, 100],
      interval: '5m',
      analysis: {
        every: '1m',
        metrics: [
          { name: 'error-ratio', web: { url: 'http://metrics.test/q?color={{color}}', jsonPath: '$.v' }, max: 0.01 },
        ],
        ...analysis,
      },
    },
  } as Partial<ReleaseSpecInput>);
}

describe('analysis verdicts', () => {
  it('failureLimit 2 tolerates two failed rounds and fails on the third, naming the metric and its value', async () => {
    const world = liveWorld();
    world.analysis = (round) => (round >= 2 ? failingRound : healthyRound);
    await withRelease(
      world,
      testSpec({ traffic: { steps: [10, 50, 100], interval: '10m', analysis: { every: '1m', failureLimit: 2 } } }),
      async (handle) => {
        const result = await ended(handle);
        assert.equal(result.outcome, 'rolled-back');
        assert.match(
          result.reason,
          /^analysis breach during step 1: probe\.error-rate failed: 0\.5 > max 0\.01 \(10\/20 requests failed, last: HTTP 500\) \(3 failed measurements, failureLimit 2\)$/,
        );
        assert.deepEqual(world.records, { blue: 100, green: 0 });
        assert.equal(world.analysisRounds, 4, 'one passing round, then three failed ones');
        const s = await status(handle);
        const failed = s.events.filter((e) => e.type === 'analysis-failed');
        assert.equal(failed.length, 3);
        assert.match(failed[0].message, /probe\.error-rate = 0\.5 \(≤ 0\.01\): 0\.5 > max 0\.01/);
        // Rounds are `every` apart in workflow time (give or take the milliseconds a report takes).
        const gaps = failed.slice(1).map((e, i) => Date.parse(e.at) - Date.parse(failed[i].at));
        assert.ok(
          gaps.every((g) => g >= 59_000),
          `gaps ${gaps}`,
        );
        const rate = s.analysis!.metrics.find((m) => m.name === 'probe.error-rate')!;
        assert.deepEqual(
          { value: rate.value, verdict: rate.verdict, failures: rate.failures, inconclusive: rate.inconclusive },
          { value: 0.5, verdict: 'failed', failures: 3, inconclusive: 0 },
        );
        // A window never outlasts its hold (10 minutes here, less than the 15-minute maximum).
        assert.equal(world.watchRequests[0].windowMs, 10 * 60_000);
        // Template variables come from the release's state.
        assert.deepEqual(world.watchRequests[0].vars, {
          service: 'shop',
          version: '2.0.0',
          color: 'green',
          liveColor: 'blue',
          record: 'shop.example.com',
          step: '1',
          percent: '10',
          every: '60s',
        });
      },
    );
  });

  it('onInconclusive pause: pauses with the weights held and the reason; abort rolls back', async () => {
    const world = liveWorld();
    world.analysis = () => [...healthyRound, emptyResult()];
    await withRelease(world, withMetric({ onInconclusive: 'pause' }), async (handle) => {
      const paused = await until(handle, 'paused by analysis', (s) => s.paused);
      assert.match(
        paused.pauseReason!,
        /^error-ratio inconclusive: empty result; resume accepts it, abort rolls back$/,
      );
      assert.deepEqual(paused.weights, { blue: 90, green: 10 });
      await env().sleep('1h'); // far past the 5m step: weights stay, analysis goes on
      const held = await status(handle);
      assert.equal(held.paused, true);
      assert.deepEqual(world.shifts, [{ blue: 90, green: 10 }]);
      assert.equal(held.events.find((e) => e.type === 'pause')?.by, 'analysis');
      const table = held.analysis!.metrics.find((m) => m.name === 'error-ratio')!;
      assert.equal(table.verdict, 'inconclusive');
      assert.equal(table.value, null);
      assert.ok(table.inconclusive > 1, `inconclusive ${table.inconclusive}: rounds go on while paused`);
      await handle.signal('abort', { reason: 'metrics pipeline is down' });
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.match(result.reason, /metrics pipeline is down/);
      assert.deepEqual(world.records, { blue: 100, green: 0 });
      assert.deepEqual([...world.running], [['blue', '1.0.0']]);
    });
  });

  it('onInconclusive pause: resume accepts, resets the counters and the release continues', async () => {
    const world = liveWorld();
    let metricsBack = false;
    world.analysis = () => [
      ...healthyRound,
      metricsBack
        ? { ...emptyResult(), value: 0.001, verdict: 'passed' as const, message: '0.001 within ≤ 0.01' }
        : emptyResult(),
    ];
    await withRelease(world, withMetric({ onInconclusive: 'pause', inconclusiveLimit: 1 }), async (handle) => {
      await until(handle, 'the first inconclusive round', (st) => st.analysis !== undefined);
      await env().sleep('1m'); // the second round is one `every` later
      const paused = await until(handle, 'paused by analysis', (s) => s.paused);
      assert.match(paused.pauseReason!, /\(2 inconclusive measurements, inconclusiveLimit 1\)/);
      assert.deepEqual(paused.weights, { blue: 90, green: 10 });
      metricsBack = true;
      await handle.signal('resume', { by: 'alice' });
      const result = await ended(handle);
      assert.equal(result.outcome, 'completed');
      const s = await status(handle);
      assert.ok(s.events.some((e) => e.type === 'analysis' && /counters reset/.test(e.message)));
      const ratio = s.analysis!.metrics.find((m) => m.name === 'error-ratio')!;
      assert.deepEqual([ratio.verdict, ratio.inconclusive], ['passed', 0]);
      assert.deepEqual(world.records, { blue: 0, green: 100 });
    });
  });

  it('onInconclusive rollback rolls back with the metric named', async () => {
    const world = liveWorld();
    world.analysis = (_round, weights) => [...healthyRound, ...((weights.green ?? 0) >= 50 ? [emptyResult()] : [])];
    await withRelease(world, withMetric({ onInconclusive: 'rollback' }), async (handle) => {
      const result = await ended(handle);
      assert.equal(result.outcome, 'rolled-back');
      assert.equal(result.reason, 'analysis breach during step 2: error-ratio inconclusive: empty result');
      assert.deepEqual(world.records, { blue: 100, green: 0 });
    });
  });

  it('onInconclusive ignore records every inconclusive measurement and goes on', async () => {
    const world = liveWorld();
    world.analysis = () => [...healthyRound, emptyResult()];
    await withRelease(world, withMetric({ onInconclusive: 'ignore' }), async (handle) => {
      const result = await ended(handle);
      assert.equal(result.outcome, 'completed');
      const s = await status(handle);
      const recorded = s.events.filter((e) => e.type === 'analysis-inconclusive');
      assert.equal(recorded.length, world.analysisRounds, 'one event per inconclusive measurement');
      // Crossing inconclusiveLimit is told once (notify `inconclusive`), not at every round.
      assert.equal(s.events.filter((e) => e.type === 'inconclusive').length, 1);
      assert.match(recorded[0].message, /^error-ratio = — \(≤ 0\.01\): empty result/);
      assert.equal(s.analysis!.metrics.find((m) => m.name === 'error-ratio')!.inconclusive, world.analysisRounds);
    });
  });

  it('a failure in the last round of the warm period still fails the release: the old color is not decommissioned', async () => {
    const world = liveWorld();
    // One report per round, so the round at 4m55s is still running when the 5m warm period ends.
    world.roundsPerReport = 1;
    const lastRound = 6; // rounds at 0, 59, 118, 177, 236 and 295 s of the 300 s warm period
    world.roundDelayMs = (round) => (round === lastRound ? 7000 : 0);
    world.analysis = (round) => (round === lastRound ? failingRound : healthyRound);
    await withRelease(
      world,
      testSpec({
        traffic: { steps: [100], interval: '1m', analysis: { every: '59s' } },
        decommission: { delay: '5m' },
      }),
      async (handle) => {
        const result = await ended(handle);
        assert.equal(result.outcome, 'rolled-back', result.reason);
        assert.match(result.reason, /^analysis breach during warm period: probe\.error-rate failed/);
        assert.equal(world.analysisRounds, lastRound);
        assert.deepEqual(world.shifts, [
          { blue: 0, green: 100 },
          { blue: 100, green: 0 },
        ]);
        assert.deepEqual(world.decommissions, ['green'], 'the new color is torn down, the old one kept');
        assert.deepEqual([...world.running], [['blue', '1.0.0']]);
      },
    );
  });
});
