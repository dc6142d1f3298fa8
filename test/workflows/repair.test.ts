// The repair workflow on the time-skipping server: a real release is terminated at a chosen
// point in the fake world, its status is read from the closed run (as `bluegreen repair` does),
// and the repair must leave the world consistent, say what it found and did, and be idempotent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from '@temporalio/worker';
import type { ReleaseResult, ReleaseStatus } from '../../workflows/messages';
import type { LastRelease, RepairInput } from '../../workflows/repair-plan';
import type { ReleaseSpec } from '../../workflows/spec';
import { FakeWorld, testSpec } from '../support/fake-world';
import { workflowBundle } from '../support/temporal';
import { route53QueueFor } from '../../workflows/activity-options';
import { ROUTE53_UNDO_QUEUE_SUFFIX } from '../../workflows/routing/route53-batcher';
import {
  ended,
  IN_PROCESS_WORKFLOWS,
  liveWorld,
  notified,
  status,
  timeSkippingHarness,
  until,
} from '../support/time-skipping';

const { env } = timeSkippingHarness('repair');
let counter = 0;

interface Repaired {
  result: ReleaseResult;
  status: ReleaseStatus;
}

/** One worker on its own task queue for a release and the repairs after it. */
async function scenario<T>(
  world: FakeWorld,
  body: (ctx: {
    terminateWhen: (spec: ReleaseSpec, when: (s: ReleaseStatus) => boolean, promote?: boolean) => Promise<LastRelease>;
    repair: (spec: ReleaseSpec, last: LastRelease) => Promise<Repaired>;
  }) => Promise<T>,
): Promise<T> {
  const taskQueue = `repair-${++counter}`;
  const workflowId = `${taskQueue}-wf`;
  const worker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities(),
    ...IN_PROCESS_WORKFLOWS,
  });
  // Route 53 requests run on their own (rate-limited) queue: see workflows/activity-options.ts.
  world.temporalAddress = env().address;
  const route53 = await Worker.create({
    connection: env().nativeConnection,
    taskQueue: route53QueueFor(taskQueue),
    activities: world.activities(),
  });
  const route53Undo = await Worker.create({
    connection: env().nativeConnection,
    taskQueue: `${taskQueue}${ROUTE53_UNDO_QUEUE_SUFFIX}`,
    activities: world.activities(),
  });
  // The test's zone batcher goes with the test's server (a server per test).
  return worker.runUntil(() =>
    route53Undo.runUntil(() =>
      route53.runUntil(() =>
        body({
          async terminateWhen(spec, when, promote) {
            const handle = await env().client.workflow.start('release', {
              taskQueue,
              workflowId,
              args: [{ spec, specDir: '/tmp' }],
            });
            // Time only skips while someone awaits a result: promote to reach the warm period at once.
            if (promote) {
              await until(handle, 'first step', (s) => s.phase === 'shifting');
              await handle.signal('promote', {});
            }
            await until(handle, 'the moment to terminate', when);
            await handle.terminate('operator clicked Terminate');
            // A closed run still answers its status query: the worker replays it.
            const knew = await status(handle);
            return { runId: handle.firstExecutionRunId, closedAs: 'TERMINATED', status: knew };
          },
          async repair(spec, last) {
            const input: RepairInput = { spec, specDir: '/tmp', last };
            const handle = await env().client.workflow.start('repair', { taskQueue, workflowId, args: [input] });
            const result = await ended(handle);
            // The repair's notifier delivers after its run closed.
            await notified(handle);
            return { result, status: await status(handle) };
          },
        }),
      ),
    ),
  );
}

const types = (s: ReleaseStatus) => s.events.map((e) => e.type);

describe('repair workflow', () => {
  it('terminated mid-shift: old color back to 100 %, new color gone; a second repair does nothing', async () => {
    const world = liveWorld();
    const spec = testSpec();
    await scenario(world, async ({ terminateWhen, repair }) => {
      const last = await terminateWhen(spec, (s) => s.weights.green === 10);
      assert.deepEqual(world.records, { blue: 90, green: 10 }, 'the terminated release left traffic split');
      assert.equal(world.running.get('green'), '2.0.0');

      const first = await repair(spec, last);
      assert.equal(first.result.outcome, 'completed');
      assert.match(first.result.reason, /^repaired: roll back: blue to 100 %, decommission the new color green/);
      assert.deepEqual(world.records, { blue: 100, green: 0 });
      assert.deepEqual([...world.running], [['blue', '1.0.0']]);
      assert.deepEqual(world.decommissions, ['green']);
      assert.deepEqual(types(first.status).slice(0, 6), [
        'repairing',
        'found',
        'plan',
        'checked',
        'shifted',
        'decommissioned',
      ]);
      assert.match(
        first.status.events[1].message,
        /terminated during shifting .*Route 53 now has blue 90% \/ green 10%/,
      );
      assert.deepEqual(first.status.repairOf, { runId: last.runId, closedAs: 'TERMINATED' });
      assert.equal(first.status.phase, 'completed');

      const shifts = world.shifts.length;
      const second = await repair(spec, last);
      assert.equal(second.result.outcome, 'completed');
      assert.match(second.result.reason, /^nothing to do/);
      assert.equal(world.shifts.length, shifts, 'no weight change the second time');
      assert.ok(!types(second.status).includes('shifted'));
    });
  });

  it("tells the release's sinks: started and completed, as kind repair", async () => {
    const world = liveWorld();
    const spec = testSpec({
      notify: [{ webhook: { url: 'http://hooks.example/bg' }, on: ['started', 'shifted', 'completed'] }],
    });
    await scenario(world, async ({ terminateWhen, repair }) => {
      const last = await terminateWhen(spec, (s) => s.weights.green === 10);
      const fromRelease = world.notifications.length;
      const r = await repair(spec, last);
      assert.equal(r.result.outcome, 'completed');
      const told = world.notifications.slice(fromRelease).map((n) => n.payload);
      assert.deepEqual(
        told.map((p) => [p.kind, p.event]),
        [
          ['repair', 'started'],
          ['repair', 'shifted'],
          ['repair', 'completed'],
        ],
      );
      assert.match(told[0].message, /^repairing shop\.example\.com after run .* ended terminated/);
      assert.deepEqual(told[2].weights, { blue: 100, green: 0 });
      assert.ok(world.notifications.slice(0, fromRelease).every((n) => n.payload.kind === 'release'));
    });
  });

  it('terminated in the warm period: finishes the release (old color decommissioned, new stays at 100 %)', async () => {
    const world = liveWorld();
    const spec = testSpec();
    await scenario(world, async ({ terminateWhen, repair }) => {
      const last = await terminateWhen(spec, (s) => s.phase === 'baking', true);
      assert.deepEqual(world.records, { blue: 0, green: 100 });
      const r = await repair(spec, last);
      assert.equal(r.result.outcome, 'completed');
      assert.equal(r.result.liveColor, 'green');
      assert.deepEqual(world.records, { blue: 0, green: 100 });
      assert.deepEqual([...world.running], [['green', '2.0.0']]);
      assert.deepEqual(world.decommissions, ['blue']);
    });
  });

  it('terminated first release: its process is removed and Route 53 stays empty', async () => {
    const world = new FakeWorld();
    const spec = testSpec({ approval: { beforeTraffic: true } });
    await scenario(world, async ({ terminateWhen, repair }) => {
      const last = await terminateWhen(spec, (s) => s.phase === 'awaiting-approval');
      assert.equal(world.running.get('blue'), '2.0.0');
      const r = await repair(spec, last);
      assert.equal(r.result.outcome, 'completed');
      assert.deepEqual(world.records, {});
      assert.equal(world.running.size, 0);
    });
  });

  it('an undo that fails stops the repair before the new color is torn down, and names what to fix', async () => {
    const world = liveWorld();
    const spec = testSpec();
    await scenario(world, async ({ terminateWhen, repair }) => {
      const last = await terminateWhen(spec, (s) => s.weights.green === 10);
      world.shiftError = { type: 'AccessDenied', message: 'not authorized to change records', afterShifts: 0 };
      const r = await repair(spec, last);
      assert.equal(r.result.outcome, 'failed');
      assert.match(r.result.needsHuman![0], /restore blue to 100% failed: not authorized to change records/);
      assert.equal(world.running.get('green'), '2.0.0', 'green still takes traffic, so it must keep running');
      assert.ok(types(r.status).includes('repair-failed'));
    });
  });

  it('the color that would serve is down (a wiped host): nothing changes, a human is asked', async () => {
    const world = liveWorld();
    const spec = testSpec();
    await scenario(world, async ({ terminateWhen, repair }) => {
      const last = await terminateWhen(spec, (s) => s.weights.green === 10);
      world.running.delete('blue');
      const shifts = world.shifts.length;
      const r = await repair(spec, last);
      assert.equal(r.result.outcome, 'failed');
      assert.match(
        r.result.needsHuman![0],
        /^blue, which would serve after the repair, is not healthy \(it is not running\); nothing was changed/,
      );
      assert.equal(world.shifts.length, shifts);
      assert.deepEqual(world.records, { blue: 90, green: 10 });
      assert.equal(world.running.get('green'), '2.0.0');
    });
  });

  it('operator actions sent to a repair are refused with a reason', async () => {
    const world = liveWorld();
    const spec = testSpec();
    await scenario(world, async ({ terminateWhen }) => {
      const last = await terminateWhen(spec, (s) => s.weights.green === 10);
      world.onShift = () => undefined;
      const input: RepairInput = { spec, specDir: '/tmp', last };
      const handle = await env().client.workflow.start('repair', {
        taskQueue: `repair-${counter}`,
        workflowId: `repair-${counter}-wf`,
        args: [input],
      });
      const outcome = await handle.executeUpdate('abortRelease', { args: [{ reason: 'x' }] }).catch((e: Error) => e);
      await ended(handle);
      assert.ok(outcome instanceof Error);
      assert.match(
        String((outcome as Error & { cause?: Error }).cause?.message ?? outcome.message),
        /cannot abort: (this is a repair run|release has ended)/,
      );
    });
  });
});
