// Scheduling on the time-skipping server: a closed window holds a release for days and it
// completes once the window opens; versionFrom equal to the live version is a no-op; a delayed
// start runs at its time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowFailedError } from '@temporalio/client';
import type { ReleaseResult } from '../../workflows/messages';
import { nextWindowOpening } from '../../workflows/window';
import { testSpec } from '../support/fake-world';
import { liveWorld, status, timeSkippingHarness } from '../support/time-skipping';

const { env, withRelease } = timeSkippingHarness('scheduling');

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

describe('scheduling', () => {
  it('a closed window holds the release (no weight changes) and it completes once the window opens', async () => {
    const world = liveWorld();
    // Open only on the day after tomorrow (UTC): closed now, whatever day the test runs.
    const serverNow = (await env().currentTimeMs()) as number;
    const day = weekdays[(new Date(serverNow).getUTCDay() + 2) % 7];
    const window = { days: [day], start: '09:00', end: '17:00', timezone: 'UTC' };
    const opening = nextWindowOpening(serverNow, window)!;
    await withRelease(world, testSpec({ window }), async (handle) => {
      let s = await status(handle);
      for (let i = 0; i < 100 && s.phase !== 'waiting-for-window'; i++)
        s = await new Promise((r) => setTimeout(r, 50)).then(() => status(handle));
      assert.equal(s.phase, 'waiting-for-window');
      assert.equal(s.next?.at, new Date(opening).toISOString());
      assert.match(s.events.at(-1)!.message, /window .* is closed; it opens at/);
      assert.deepEqual(world.shifts, [], 'no weight change while the window is closed');
      assert.equal(world.provisions.length, 1, 'provision and verify do not wait for the window');

      const result = (await handle.result()) as ReleaseResult;
      assert.equal(result.outcome, 'completed');
      const final = await status(handle);
      const shifts = final.events.filter((e) => e.type === 'shifted').map((e) => Date.parse(e.at));
      assert.ok(
        shifts[0] >= opening,
        `first shift at ${new Date(shifts[0]).toISOString()}, window opens ${new Date(opening).toISOString()}`,
      );
      assert.ok(
        shifts.every((t) => new Date(t).getUTCHours() >= 9 && new Date(t).getUTCHours() < 17),
        'every shift inside the window',
      );
      assert.deepEqual(world.records, { blue: 0, green: 100 });
    });
  });

  it('a step that would land after the window closes waits for the next opening', async () => {
    const world = liveWorld();
    // Open 20 minutes a day; steps are 30 minutes apart, so step 2 always needs the next day.
    const window = { days: [...weekdays], start: '00:00', end: '00:20', timezone: 'UTC' };
    await withRelease(world, testSpec({ window, traffic: { steps: [10, 100], interval: '30m' } }), async (handle) => {
      const result = (await handle.result()) as ReleaseResult;
      assert.equal(result.outcome, 'completed');
      const shifted = (await status(handle)).events.filter((e) => e.type === 'shifted').map((e) => Date.parse(e.at));
      assert.equal(shifted.length, 2);
      assert.ok(
        shifted.every((t) => new Date(t).getUTCHours() === 0 && new Date(t).getUTCMinutes() < 20),
        'both shifts inside the window',
      );
      assert.ok(shifted[1] - shifted[0] >= 23 * 3600_000, 'the second step waited for the next day');
    });
  });

  it('versionFrom equal to the live version ends at once as a no-op', async () => {
    const world = liveWorld();
    world.resolvedVersion = '1.0.0';
    world.lastCompletedVersion = '1.0.0';
    const spec = testSpec({ version: undefined, versionFrom: { command: ['cat', 'VERSION'] } });
    await withRelease(world, spec, async (handle) => {
      const result = (await handle.result()) as ReleaseResult;
      assert.equal(result.outcome, 'completed');
      assert.match(result.reason, /no-op: 1.0.0 \(from versionFrom\) is already live on blue/);
      assert.deepEqual(world.provisions, []);
      assert.deepEqual(world.shifts, []);
      assert.equal((await status(handle)).phase, 'completed');
    });
  });

  it('versionFrom with a new version releases that version', async () => {
    const world = liveWorld();
    world.resolvedVersion = '1.1.0';
    world.lastCompletedVersion = '1.0.0';
    await withRelease(
      world,
      testSpec({ version: undefined, versionFrom: { url: 'https://releases.example.com/shop/latest' } }),
      async (handle) => {
        const result = (await handle.result()) as ReleaseResult;
        assert.equal(result.outcome, 'completed');
        assert.deepEqual(world.provisions, ['green@1.1.0']);
        assert.equal((await status(handle)).version, '1.1.0');
      },
    );
  });

  it('a delayed start runs at its time', async () => {
    const world = liveWorld();
    const requested = (await env().currentTimeMs()) as number;
    await withRelease(
      world,
      testSpec(),
      async (handle) => {
        const result = (await handle.result()) as ReleaseResult;
        assert.equal(result.outcome, 'completed');
        const first = Date.parse((await status(handle)).events[0].at);
        assert.ok(first - requested >= 6 * 3600_000, `began ${(first - requested) / 60_000} minutes after the request`);
      },
      6 * 3600_000,
    );
  });

  it('an abort while waiting for the window rolls back', async () => {
    const world = liveWorld();
    const serverNow = (await env().currentTimeMs()) as number;
    const day = weekdays[(new Date(serverNow).getUTCDay() + 3) % 7];
    await withRelease(
      world,
      testSpec({ window: { days: [day], start: '09:00', end: '10:00', timezone: 'UTC' } }),
      async (handle) => {
        for (let i = 0; i < 100 && (await status(handle)).phase !== 'waiting-for-window'; i++)
          await new Promise((r) => setTimeout(r, 50));
        await handle.signal('abort', { reason: 'change freeze', by: 'ops' });
        await assert.rejects(handle.result(), (err: WorkflowFailedError) =>
          /aborted by ops: change freeze/.test(String(err.cause?.message)),
        );
        assert.equal(world.running.get('green'), undefined);
      },
    );
  });
});
