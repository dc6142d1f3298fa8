// Per-zone batching of Route 53 requests on real servers (moto behind the counting fault proxy):
// releases in one zone share a change batch and its GetChange, a bad record fails only its own
// release, an abort's restore overtakes a batch being formed, and a worker killed while a batch
// forms loses no release's change.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { fleetSpec, resultOf, seedRecords, startFleet, startSharedApp, weightsOf } from '../support/fleet';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
let app: Awaited<ReturnType<typeof startSharedApp>>;

before(async () => {
  [stack, app] = await Promise.all([
    startStack({
      proxy: true,
      noWorker: true,
      dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
    }),
    startSharedApp(),
  ]);
});
after(async () => {
  await stack?.stop();
  await app?.close();
});

/** A wide window makes releases that reach a step within seconds of each other share its batch. */
const WIDE_WINDOW = { BLUEGREEN_ROUTE53_BATCH_MS: '3000', BLUEGREEN_ROUTE53_BUDGET: '5' };

describe('batched Route 53 requests', () => {
  it('two releases in one zone share one read, one change batch and one GetChange', async () => {
    const worker = await stack.spawnWorker(WIDE_WINDOW);
    try {
      const specs = [400, 401].map((i) => fleetSpec(i, '2.0.0', app.endpoint, { steps: [100] }));
      await seedRecords(stack, specs);
      stack.proxy!.reset();
      const handles = await startFleet(stack, specs);
      for (const r of await Promise.all(handles.map(resultOf))) assert.equal(r.outcome, 'completed', r.reason);
      for (const spec of specs) assert.deepEqual(await weightsOf(stack, spec), { blue: 0, green: 100 });
      const hits = stack.proxy!.hits;
      assert.equal(hits.ChangeResourceRecordSets, 1, `changes: ${JSON.stringify(hits)}`);
      assert.equal(hits.GetChange, 1, `polls: ${JSON.stringify(hits)}`);
      assert.equal(hits.ListResourceRecordSets, 1, `reads: ${JSON.stringify(hits)}`);
      await recordHistory(stack, 'batched-command-release', handles[0].workflowId);
    } finally {
      await worker.stop();
    }
  });

  it('a batch with one bad record is split: only that release fails, with Route 53 message', async () => {
    const worker = await stack.spawnWorker(WIDE_WINDOW);
    try {
      const specs = [410, 411, 412].map((i) => fleetSpec(i, '2.0.0', app.endpoint, { steps: [100] }));
      await seedRecords(stack, specs);
      stack.proxy!.reset();
      // The shared batch and then the bad record alone are rejected; its restore goes through.
      stack.proxy!.rejectRecord('svc-411.example.com', 2);
      const results = await Promise.all((await startFleet(stack, specs)).map(resultOf));
      assert.equal(results[0].outcome, 'completed', results[0].reason);
      assert.equal(results[2].outcome, 'completed', results[2].reason);
      assert.equal(results[1].outcome, 'rolled-back', results[1].reason);
      assert.match(results[1].reason, /InvalidChangeBatch.*svc-411\.example\.com\. is not permitted/);
      assert.deepEqual(await weightsOf(stack, specs[0]), { blue: 0, green: 100 });
      assert.deepEqual(await weightsOf(stack, specs[1]), { blue: 100, green: 0 });
      assert.deepEqual(await weightsOf(stack, specs[2]), { blue: 0, green: 100 });
      assert.equal(stack.proxy!.injected.ChangeResourceRecordSets, 2);
    } finally {
      await worker.stop();
    }
  });

  it("an abort's restore overtakes a batch being formed and a busy queue: old color back long before the batch goes out", async () => {
    // A 5 s window: the fleet's second step waits in a forming batch while the abort arrives.
    const worker = await stack.spawnWorker({ BLUEGREEN_ROUTE53_BATCH_MS: '5000', BLUEGREEN_ROUTE53_BUDGET: '2' });
    try {
      const specs = Array.from({ length: 12 }, (_, i) =>
        fleetSpec(420 + i, '2.0.0', app.endpoint, { steps: [50, 100], interval: '1s' }),
      );
      await seedRecords(stack, specs);
      const handles = await startFleet(stack, specs);
      const target = handles[0];
      // Aborted in its hold (an abort waits for a shift in flight), while the others' next step
      // gathers in the batcher's window.
      await waitFor(
        'the first step to be in sync',
        async () => ((await target.query<ReleaseStatus>('status')).weights.green === 50 ? true : undefined),
        60_000,
      );
      const asked = Date.now();
      await target.signal('abort', { reason: 'fleet test abort' });
      while ((await weightsOf(stack, specs[0])).blue !== 100 && Date.now() - asked < 30_000)
        await new Promise((r) => setTimeout(r, 25));
      const tookMs = Date.now() - asked;
      if (process.env.DEBUG_FLEET)
        console.error(
          worker
            .output()
            .split('\n')
            .filter((l) => /route53|abort|compensat|restore/i.test(l))
            .slice(-40)
            .join('\n'),
          `asked at ${new Date(asked).toISOString()}`,
        );
      console.log(`abort among 11 releases with a batch forming: old color back in ${tookMs} ms`);
      // Overtaking means well inside the forming batch's 5 s window, which an ordinary change
      // would wait out. The 2 s target is the benchmark's, on a quiet machine (npm run bench --
      // fleet --abort); in a full test run beside other files this took 2.0–2.3 s at times.
      assert.ok(tookMs < 3500, `the restore took ${tookMs} ms`);
      assert.equal((await resultOf(target)).outcome, 'rolled-back');
      // The restore was signalled to the running batcher by the release (patch undo-signals-batcher).
      await recordHistory(stack, 'batched-abort-undo-signal', target.workflowId);
      const others = await Promise.all(handles.slice(1).map(resultOf));
      for (const r of others) assert.equal(r.outcome, 'completed', r.reason);
    } finally {
      await worker.stop();
    }
  });

  it('kill -9 of the worker while a batch forms: every release still ends correct', async () => {
    // A window far longer than the six releases take to reach their shift on a busy machine: the
    // batch is still forming when the worker dies (the batcher keeps this window after it).
    const first = await stack.spawnWorker({ BLUEGREEN_ROUTE53_BATCH_MS: '15000' });
    let second: Awaited<ReturnType<Stack['spawnWorker']>> | undefined;
    try {
      const specs = Array.from({ length: 6 }, (_, i) => fleetSpec(440 + i, '2.0.0', app.endpoint, { steps: [100] }));
      await seedRecords(stack, specs);
      stack.proxy!.reset();
      const handles = await startFleet(stack, specs);
      await waitFor(
        'a release waiting on its shift',
        async () => ((await handles[0].query<ReleaseStatus>('status')).phase === 'shifting' ? true : undefined),
        60_000,
      );
      assert.equal(stack.proxy!.hits.ChangeResourceRecordSets, 0, 'the batch had not gone out yet');
      process.kill(-first.child.pid!, 'SIGKILL');
      second = await stack.spawnWorker({ BLUEGREEN_ROUTE53_BATCH_MS: '500' });
      for (const r of await Promise.all(handles.map(resultOf))) assert.equal(r.outcome, 'completed', r.reason);
      for (const spec of specs) assert.deepEqual(await weightsOf(stack, spec), { blue: 0, green: 100 });
    } finally {
      await Promise.all([first.stop(), second?.stop()]);
    }
  });
});
