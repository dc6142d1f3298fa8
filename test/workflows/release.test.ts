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
    // green had 10 % when the restore failed: it must keep running until the traffic is back on blue.
    assert.deepEqual(world.decommissions, [], 'no color is torn down while it may carry traffic');
    assert.deepEqual([...world.running].sort(), [
      ['blue', '1.0.0'],
      ['green', '2.0.0'],
    ]);
    assert.deepEqual(world.records, { blue: 90, green: 10 });
    assert.match(
      run.failure!.needsHuman![1],
      /rollback stopped: Route 53 was last known at blue 90% \/ green 10% .*green \(new, 2\.0\.0\) is still running .*blue \(old\) is still running.*`bluegreen repair shop\.example\.com`: it sets blue to 100% and then decommissions green/,
    );
    const stopped = run.status.events.find((e) => e.type === 'rollback-stopped');
    assert.match(stopped?.message ?? '', /not run: decommission green/);
  });

  it('a restore that keeps being throttled gives up after its retries and still leaves the new color up', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    world.analysis = (_r, w) => ((w.green ?? 0) >= 10 ? failingRound : healthyRound);
    world.shiftError = { type: 'Throttling', message: 'Rate exceeded', afterShifts: 1, retryable: true };
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'failed');
    assert.match(run.failure!.needsHuman![0], /restore blue to 100% failed: .*Rate exceeded/);
    assert.match(run.failure!.needsHuman![1], /^rollback stopped: Route 53 was last known at blue 90% \/ green 10%/);
    assert.deepEqual(world.decommissions, []);
    assert.equal(world.running.get('green'), '2.0.0');
  });

  it('a first release whose records cannot be removed keeps its color: the records may send it everything', async () => {
    const world = new FakeWorld();
    // The shift to 100 % fails as far as the workflow knows (a change that lands but never
    // reports in sync looks the same), and so does removing the records.
    world.shiftError = { type: 'InvalidChangeBatch', message: 'bad target', afterShifts: 0, landed: true };
    world.removeError = 'not allowed to delete records';
    const run = await runRelease(world, testSpec());
    assert.equal(run.failure?.outcome, 'failed');
    assert.match(run.failure!.needsHuman![0], /remove the records of this first release failed: .*not allowed/);
    assert.match(run.failure!.needsHuman![1], /first release\) is still running .*it removes the records/);
    assert.deepEqual(world.decommissions, []);
    assert.deepEqual([...world.running], [['blue', '2.0.0']]);
  });

  it('a restore that fails before any shift was sent does not block the teardown: the new color never had traffic', async () => {
    const world = new FakeWorld();
    world.records = { blue: 100, green: 0 };
    world.running.set('blue', '1.0.0');
    // The beforeTraffic-time gate says no after the traffic undo is registered, before the first shift.
    world.gate = () => ({ passed: false, message: 'gate said no' });
    world.shiftError = { type: 'AccessDenied', message: 'not allowed to change records', afterShifts: 0 };
    const run = await runRelease(world, testSpec({ hooks: { beforeStep: [{ url: 'http://gate.test/' }] } } as never));
    assert.equal(run.failure?.outcome, 'failed');
    assert.equal(run.failure!.needsHuman!.length, 1, run.failure!.needsHuman!.join('\n'));
    assert.deepEqual(world.decommissions, ['green']);
    assert.deepEqual([...world.running], [['blue', '1.0.0']]);
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
