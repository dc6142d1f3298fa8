// The release workflow on the time-skipping server: hours of steps and warm periods pass in
// seconds, while the fake world records every weight change and which colors run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseResult, ReleaseStatus } from '../../workflows/messages';
import type { ReleaseSpec } from '../../workflows/spec';
import { failingRound, FakeWorld, healthyRound, testSpec } from '../support/fake-world';
import { ended, status, timeSkippingHarness } from '../support/time-skipping';

const { withRelease } = timeSkippingHarness('release');

interface Run {
  result?: ReleaseResult;
  failure?: ReleaseResult;
  status: ReleaseStatus;
}

/** Runs one release against the fake world to its end; returns how it ended and its final status. */
async function runRelease(world: FakeWorld, spec: ReleaseSpec): Promise<Run> {
  return withRelease(world, spec, async (handle) => {
    const outcome = await ended(handle);
    const final = await status(handle);
    return outcome.outcome === 'completed' ? { result: outcome, status: final } : { failure: outcome, status: final };
  });
}

describe('release workflow', () => {
  it('first release: provisions blue and creates both records, blue 100 / green 0', async () => {
    const world = new FakeWorld();
    const run = await runRelease(world, testSpec());
    assert.equal(run.result?.outcome, 'completed');
    assert.deepEqual(world.records, { blue: 100, green: 0 });
    assert.deepEqual(world.shifts, [{ blue: 100, green: 0 }]);
    assert.deepEqual([...world.running], [['blue', '2.0.0']]);
    assert.equal(run.status.phase, 'completed');
    assert.equal(run.result?.liveColor, 'blue');
  });

  it('success: shifts 10 → 50 → 100 on the idle color, then decommissions the old one', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    const run = await runRelease(world, testSpec());
    assert.equal(run.result?.outcome, 'completed');
    assert.deepEqual(world.shifts, [
      { blue: 90, green: 10 },
      { blue: 50, green: 50 },
      { blue: 0, green: 100 },
    ]);
    assert.deepEqual([...world.running], [['green', '2.0.0']]);
    assert.deepEqual(world.decommissions, ['blue']);
    // Analysis judged the new color during every step and the warm period.
    assert.ok(world.analysisRounds >= 3, `analysis rounds: ${world.analysisRounds}`);
    const phases = run.status.events.map((e) => e.type);
    for (const p of ['provisioning', 'verifying', 'shifting', 'baking', 'decommissioning', 'completed'])
      assert.ok(phases.includes(p), `missing ${p} in ${phases}`);
  });

  it('colors alternate: the next release goes back to blue', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    await runRelease(world, testSpec({ version: '2.0.0' }));
    world.shifts = [];
    const run = await runRelease(world, testSpec({ version: '3.0.0' }));
    assert.equal(run.status.liveColor, 'green');
    assert.equal(run.status.newColor, 'blue');
    assert.deepEqual(world.shifts.at(-1), { blue: 100, green: 0 });
    assert.deepEqual([...world.running], [['blue', '3.0.0']]);
  });

  it('verify failure: rolls back before any traffic moves', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    world.healthy = false;
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'rolled-back');
    assert.match(run.failure!.reason, /health check of green failed/);
    assert.deepEqual(world.shifts, []);
    assert.deepEqual(world.records, { blue: 100, green: 0 });
    assert.deepEqual([...world.running], [['blue', '1.0.0']]);
    assert.equal(run.status.phase, 'rolled-back');
  });

  it('analysis breach mid-shift: restores the old color to 100 and tears the new one down', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    world.analysis = (_round, weights) => ((weights.green ?? 0) >= 50 ? failingRound : healthyRound);
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'rolled-back');
    assert.match(run.failure!.reason, /analysis breach during step 2: probe.error-rate failed: 0.5 > max 0.01/);
    assert.deepEqual(world.shifts, [
      { blue: 90, green: 10 },
      { blue: 50, green: 50 },
      { blue: 100, green: 0 },
    ]);
    assert.deepEqual(world.records, { blue: 100, green: 0 });
    assert.deepEqual([...world.running], [['blue', '1.0.0']]);
    assert.deepEqual(run.failure!.weights, { blue: 100, green: 0 });
    assert.equal(run.failure!.liveColor, 'blue');
  });

  it('provision failure leaves nothing behind', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    world.provisionError = 'port 2 is already in use';
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'rolled-back');
    assert.match(run.failure!.reason, /port 2 is already in use/);
    assert.deepEqual([...world.running], [['blue', '1.0.0']], 'the half-started green must be gone');
    assert.deepEqual(world.shifts, []);
  });

  it('a failed first release removes the records it created', async () => {
    const world = new FakeWorld();
    world.analysis = () => failingRound;
    world.shiftError = { type: 'InvalidChangeBatch', message: 'bad target', afterShifts: 0 };
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'rolled-back');
    assert.deepEqual(world.records, {});
    assert.equal(world.running.size, 0);
  });

  it('a failing compensation ends the release as failed and says what needs a human', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    world.analysis = (_r, w) => ((w.green ?? 0) >= 10 ? failingRound : healthyRound);
    // Every shift after the first fails permanently, including the restore.
    world.shiftError = { type: 'AccessDenied', message: 'not allowed to change records', afterShifts: 1 };
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'failed');
    assert.equal(run.failure?.liveColor, null);
    assert.match(run.failure!.needsHuman![0], /restore blue to 100% failed: .*not allowed to change records/);
    assert.equal(run.status.phase, 'failed');
    assert.deepEqual([...world.running], [['blue', '1.0.0']], 'the new color is still torn down');
  });

  it('a 2-hour plan finishes in seconds of real time', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    const started = Date.now();
    const run = await runRelease(
      world,
      testSpec({
        traffic: { steps: [25, 50, 75, 100], interval: '30m', analysis: { every: '5m' } },
        decommission: { delay: '30m' },
      }),
    );
    const realMs = Date.now() - started;
    assert.equal(run.result?.outcome, 'completed');
    const first = Date.parse(run.status.events[0].at);
    const last = Date.parse(run.status.events.at(-1)!.at);
    assert.ok(last - first >= 2 * 3600_000, `workflow time ${(last - first) / 60000} minutes`);
    assert.ok(realMs < 60_000, `took ${realMs}ms of real time`);
    // 2h of holds with a round every 5 minutes.
    assert.ok(world.analysisRounds >= 24, `rounds: ${world.analysisRounds}`);
  });
});
