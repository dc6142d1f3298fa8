// Notifications, webhook gates and freeze on the time-skipping server, with the fake world
// recording every delivery and gate call in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failingRound, healthyRound, testSpec, type FakeWorld } from '../support/fake-world';
import { ended, liveWorld, notified, status, timeSkippingHarness, until } from '../support/time-skipping';
import type { ReleaseSpecInput } from '../../workflows/spec';

const { env, withRelease } = timeSkippingHarness('integrations');

const hook = { webhook: { url: 'http://receiver.test/hook', secret: '${env:HOOK_SECRET}' } };
const events = (w: FakeWorld) => w.notifications.map((n) => n.payload.event);

function spec(extra: Partial<ReleaseSpecInput>) {
  return testSpec({ traffic: { steps: [10, 50, 100], interval: '5m', analysis: { every: '1m' } }, ...extra });
}

describe('notifications', () => {
  it('a completed release tells started, completed in order; shifted only to sinks that ask', async () => {
    const world = liveWorld();
    const s = spec({ notify: [hook, { slack: { webhookUrl: '${env:SLACK}' }, on: ['shifted', 'completed'] }] });
    await withRelease(world, s, async (handle) => {
      assert.equal((await ended(handle)).outcome, 'completed');
      await notified(handle);
    });
    const toHook = world.notifications.filter((n) => n.index === 0).map((n) => n.payload.event);
    const toSlack = world.notifications.filter((n) => n.index === 1).map((n) => n.payload.event);
    assert.deepEqual(toHook, ['started', 'completed']);
    assert.deepEqual(toSlack, ['shifted', 'shifted', 'shifted', 'completed']);
    const shifted = world.notifications
      .filter((n) => n.payload.event === 'shifted')
      .map((n) => n.payload.weights.green);
    assert.deepEqual(shifted, [10, 50, 100], 'each payload carries the weights at its moment');
    const ids = new Set(world.notifications.map((n) => n.deliveryId));
    assert.equal(ids.size, world.notifications.length, 'delivery ids are unique');
    const done = world.notifications.find((n) => n.payload.event === 'completed')!;
    assert.equal(done.payload.phase, 'completed');
    assert.ok(!JSON.stringify(world.notifications).includes('HOOK_SECRET_VALUE'));
  });

  it('a rolled-back release tells started, then rolled-back with the reason', async () => {
    const world = liveWorld();
    world.analysis = () => failingRound;
    await withRelease(world, spec({ notify: [hook] }), async (handle) => {
      assert.equal((await ended(handle)).outcome, 'rolled-back');
      await notified(handle);
    });
    assert.deepEqual(events(world), ['started', 'rolled-back']);
    const last = world.notifications.at(-1)!.payload;
    assert.match(last.message, /analysis breach/);
    assert.deepEqual(last.weights, { blue: 100, green: 0 });
  });

  it('paused and resumed are told in order', async () => {
    const world = liveWorld();
    await withRelease(world, spec({ notify: [hook] }), async (handle) => {
      await until(handle, 'step 1', (s) => s.weights.green === 10);
      await handle.signal('pause', { reason: 'dashboards', by: 'alice' });
      await until(handle, 'paused', (s) => s.paused);
      await handle.signal('resume', {});
      assert.equal((await ended(handle)).outcome, 'completed');
      await notified(handle);
    });
    assert.deepEqual(events(world), ['started', 'paused', 'resumed', 'completed']);
  });
});

describe('a sink never holds the release', () => {
  const refused = () => ({
    delivered: false as const,
    where: 'webhook http://127.0.0.1:9/hook',
    answer: 'refused the connection (nothing listens there)',
    permanent: false,
  });

  it('the run closes with its result while a dead sink is still retried; the failure is a sentence', async () => {
    const world = liveWorld();
    world.sink = refused;
    await withRelease(world, spec({ notify: [hook] }), async (handle) => {
      assert.equal((await ended(handle)).outcome, 'completed');
      const closed = await handle.describe();
      assert.equal(closed.status.name, 'COMPLETED');
      const [done] = await notified(handle);
      assert.ok(done.finished);
      assert.equal(done.pending, 0);
      const failed = done.events.filter((e) => e.type === 'notification-failed').map((e) => e.message);
      assert.equal(failed.length, 2, 'started and completed');
      assert.match(
        failed[1],
        /^completed was not delivered to notify\[0\]: the webhook http:\/\/127\.0\.0\.1:9\/hook refused the connection \(nothing listens there\), \d+ times over (1m \d+s|2m) \(retryFor 2m\)$/,
      );
      assert.ok(!failed.some((m) => /Not enough time|ScheduleToClose|Activity task/i.test(m)), 'no Temporal wording');
      // The notifier was handed over with the release's run closed long before it gave up.
      const [notifierId] = (await status(handle)).notifier!.workflowIds;
      assert.equal(notifierId, `${handle.workflowId}/notify/${closed.runId}`);
      const notifier = await handle.client.getHandle(notifierId).describe();
      assert.ok(notifier.closeTime!.getTime() - closed.closeTime!.getTime() >= 60_000, 'retried long after the close');
    });
    // In order per sink: every attempt of `started` came before the first of `completed`.
    const order = world.attempts.map((a) => a.payload.event);
    assert.ok(order.indexOf('completed') > order.lastIndexOf('started'));
    assert.ok(
      world.attempts.every((a) => a.timeoutMs === 10_000),
      'the default timeout, 10s',
    );
  });

  it("a sink's timeout reaches each attempt; a 4xx is given up at once, worded", async () => {
    const world = liveWorld();
    world.sink = (req) =>
      req.payload.event === 'started'
        ? { delivered: false, where: 'webhook http://h/x', answer: 'answered HTTP 403: nope', permanent: true }
        : { delivered: true, status: 200 };
    await withRelease(world, spec({ notify: [{ ...hook, timeout: '15s' }] }), async (handle) => {
      assert.equal((await ended(handle)).outcome, 'completed');
      const [done] = await notified(handle);
      assert.deepEqual(
        done.events.map((e) => e.message),
        [
          'started was not delivered to notify[0]: the webhook http://h/x answered HTTP 403: nope; not retried, as the same request would get the same answer',
        ],
      );
      assert.equal(done.delivered, 1);
    });
    assert.deepEqual(
      world.attempts.map((a) => [a.payload.event, a.timeoutMs]),
      [
        ['started', 15_000],
        ['completed', 15_000],
      ],
    );
  });
});

describe('gates', () => {
  it('beforeTraffic 403 rolls back with no weight ever changed', async () => {
    const world = liveWorld();
    world.gate = () => ({ passed: false, message: 'gate beforeTraffic (http://ci/gate) answered HTTP 403: no' });
    const s = spec({ hooks: { beforeTraffic: [{ url: 'http://ci/gate' }] } });
    await withRelease(world, s, async (handle) => {
      const r = await ended(handle);
      assert.equal(r.outcome, 'rolled-back');
      assert.match(r.reason, /beforeTraffic .* answered HTTP 403/);
    });
    assert.deepEqual(world.shifts, [], 'no weight changed');
    assert.ok(!world.running.has('green'), 'new color torn down');
  });

  it('beforeStep is asked once per step, with the weights unchanged at the moment of the call', async () => {
    const world = liveWorld();
    const s = spec({
      hooks: { beforeStep: [{ url: 'http://loadtest/ok' }], afterRelease: [{ url: 'http://ci/done' }] },
    });
    await withRelease(world, s, async (handle) => {
      assert.equal((await ended(handle)).outcome, 'completed');
      await notified(handle);
    });
    const steps = world.gateCalls.filter((c) => c.req.payload.gate === 'beforeStep');
    assert.deepEqual(
      steps.map((c) => [c.req.payload.percent, c.weights.green]),
      [
        [10, 0],
        [50, 10],
        [100, 50],
      ],
    );
    assert.equal(world.gateCalls.filter((c) => c.req.payload.gate === 'afterRelease').length, 1);
  });

  it('a failing afterRelease gate is only an event', async () => {
    const world = liveWorld();
    world.gate = (req) => ({ passed: req.payload.gate !== 'afterRelease', message: 'answered HTTP 500' });
    await withRelease(world, spec({ hooks: { afterRelease: [{ url: 'http://ci/done' }] } }), async (handle) => {
      assert.equal((await ended(handle)).outcome, 'completed');
      // Asked by the release's notifier after the run closed: its events are the gate's record.
      const [handedOver] = await notified(handle);
      assert.ok(handedOver.events.some((e) => e.type === 'gate-failed'));
      assert.equal((await handle.describe()).status.name, 'COMPLETED');
    });
  });
});

describe('freeze', () => {
  const breakAfterFirstShift = (world: FakeWorld) => {
    let broken = true;
    world.analysis = (_round, weights) => (broken && weights.green === 10 ? failingRound : healthyRound);
    return () => (broken = false);
  };

  it('a breach freezes: weights stay longer than a step; resume completes', async () => {
    const world = liveWorld();
    const heal = breakAfterFirstShift(world);
    await withRelease(world, spec({ onFailure: 'freeze', notify: [hook] }), async (handle) => {
      const frozen = await until(handle, 'frozen', (s) => s.phase === 'frozen');
      assert.equal(frozen.paused, true);
      assert.match(frozen.pauseReason!, /analysis breach/);
      await env().sleep('30m');
      assert.deepEqual((await status(handle)).weights, { blue: 90, green: 10 }, 'weights held while frozen');
      assert.equal(world.shifts.length, 1);
      assert.ok(frozen.analysis!.metrics.some((m) => m.failures > 0));
      heal();
      await handle.signal('resume', {});
      const resumed = await until(handle, 'counters reset', (st) =>
        st.events.some((e) => /counters reset/.test(e.message)),
      );
      assert.ok(
        resumed.analysis!.metrics.every((m) => m.failures === 0),
        'resume resets the analysis counters',
      );
      assert.equal((await ended(handle)).outcome, 'completed');
      await notified(handle);
    });
    assert.ok(events(world).includes('frozen'));
    assert.deepEqual(world.records, { blue: 0, green: 100 });
  });

  it('frozen, then abort rolls back', async () => {
    const world = liveWorld();
    breakAfterFirstShift(world);
    await withRelease(world, spec({ onFailure: 'freeze' }), async (handle) => {
      await until(handle, 'frozen', (s) => s.phase === 'frozen');
      await handle.signal('abort', { reason: 'not worth it' });
      assert.equal((await ended(handle)).outcome, 'rolled-back');
    });
    assert.deepEqual(world.records, { blue: 100, green: 0 });
  });

  it('frozen, then promote goes to 100%', async () => {
    const world = liveWorld();
    const heal = breakAfterFirstShift(world);
    await withRelease(world, spec({ onFailure: 'freeze' }), async (handle) => {
      await until(handle, 'frozen', (s) => s.phase === 'frozen');
      heal();
      await handle.signal('promote', {});
      assert.equal((await ended(handle)).outcome, 'completed');
    });
    assert.deepEqual(world.shifts.at(-1), { blue: 0, green: 100 });
    assert.equal(world.shifts.length, 2, '10% then straight to 100%');
  });

  it('a failure before any traffic moved still tears the new color down', async () => {
    const world = liveWorld();
    world.gate = () => ({ passed: false, message: 'answered HTTP 403' });
    await withRelease(
      world,
      spec({ onFailure: 'freeze', hooks: { beforeTraffic: [{ url: 'http://ci/gate' }] } }),
      async (handle) => {
        assert.equal((await ended(handle)).outcome, 'rolled-back');
      },
    );
    assert.deepEqual(world.shifts, []);
    assert.ok(!world.running.has('green'));
  });
});
