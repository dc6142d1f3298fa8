// A fleet of releases on real servers: the Route 53 request budget holds for one worker and for
// two (counted by a proxy in front of moto), a release makes few calls, and losing one of two
// workers mid-release does not lose the release.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import type { ReleaseSpec } from '../../workflows/spec';
import { fleetSpec, resultOf, seedRecords, startFleet, startSharedApp, weightsOf } from '../support/fleet';
import { waitFor, type Started } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

const BUDGET = 20;
let stack: Stack;
let app: Awaited<ReturnType<typeof startSharedApp>>;

before(async () => {
  [stack, app] = await Promise.all([
    startStack({
      proxy: true,
      noWorker: true,
      env: { BLUEGREEN_ROUTE53_BUDGET: String(BUDGET) },
      // One partition for every queue, as docs/production.md asks for the Route 53 queue: each
      // partition would otherwise get its own token bucket and burst.
      dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
    }),
    startSharedApp(),
  ]);
});
after(async () => {
  await stack?.stop();
  await app?.close();
});

const fleet = (version: string, n = 30): ReleaseSpec[] =>
  Array.from({ length: n }, (_, i) => fleetSpec(i, version, app.endpoint));

/** 30 releases of 30 records at once, blue → green; asserts outcomes, weights and the budget. */
async function releaseFleet(version: string): Promise<string> {
  const specs = fleet(version);
  await seedRecords(stack, specs);
  stack.proxy!.reset();
  const started = Date.now();
  const handles = await startFleet(stack, specs);
  const results = await Promise.all(handles.map(resultOf));
  for (const [i, r] of results.entries()) assert.equal(r.outcome, 'completed', `svc-${i}: ${r.reason}`);
  for (const spec of specs) assert.deepEqual(await weightsOf(stack, spec), { blue: 0, green: 100 });
  const peak = stack.proxy!.maxInWindow(1000);
  const calls = stack.proxy!.total();
  assert.ok(peak <= BUDGET + 1, `a 1-second window held ${peak} Route 53 requests; the budget is ${BUDGET}/s`);
  // Per release: zone id (at most once per worker), read, 2 × (change + GetChange).
  assert.ok(calls <= specs.length * 6, `${calls} Route 53 calls for ${specs.length} releases`);
  return `${specs.length} releases in ${((Date.now() - started) / 1000).toFixed(1)}s, ${calls} Route 53 calls, peak ${peak} in 1s`;
}

async function stopAll(workers: Started[]): Promise<void> {
  await Promise.all(workers.map((w) => w.stop()));
}

describe('a fleet of releases', () => {
  it('budget, one worker: 30 releases of 30 records complete within 20 requests/s; a lone 2-step release makes at most 6 calls', async (t) => {
    const worker = await stack.spawnWorker();
    try {
      t.diagnostic(await releaseFleet('2.0.0'));

      // The record's second release (green is live now), zone by name, 2 steps: counted alone.
      const spec = fleetSpec(0, '3.0.0', app.endpoint, { steps: [50, 100] });
      stack.proxy!.reset();
      const [handle] = await startFleet(stack, [spec]);
      assert.equal((await resultOf(handle)).outcome, 'completed');
      assert.deepEqual(await weightsOf(stack, spec), { blue: 100, green: 0 });
      const hits = stack.proxy!.hits;
      assert.ok(
        stack.proxy!.total() <= 6,
        `a 2-step release made ${stack.proxy!.total()} calls: ${JSON.stringify(hits)}`,
      );
      assert.equal(hits.ListHostedZonesByName, 0, 'the zone id comes from the worker cache');
      // Recorded before per-zone batching (budgeted-command-release.json); batching records its own
      // history in fleet-batching.test.ts.
    } finally {
      await stopAll([worker]);
    }
  });

  it('budget, two workers: the same fleet stays within the budget across both', async (t) => {
    const workers = await Promise.all([
      stack.spawnWorker({ BLUEGREEN_HOST_ID: 'host-a' }),
      stack.spawnWorker({ BLUEGREEN_HOST_ID: 'host-b' }),
    ]);
    try {
      t.diagnostic(await releaseFleet('4.0.0'));
      // Route 53 requests ran as batches on the shared, rate-limited queue (either worker may take them).
      assert.match(workers.map((w) => w.output()).join('\n'), /route53SubmitBatch succeeded/);
    } finally {
      await stopAll(workers);
    }
  });

  it('several workers, command provider: killing one of two mid-release, the release completes on the other', async () => {
    const workers = await Promise.all([
      stack.spawnWorker({ BLUEGREEN_HOST_ID: 'host-a' }),
      stack.spawnWorker({ BLUEGREEN_HOST_ID: 'host-b' }),
    ]);
    try {
      const spec = fleetSpec(200, '1.0.0', app.endpoint, { steps: [20, 60, 100], interval: '2s' });
      await seedRecords(stack, [spec]);
      const [handle] = await startFleet(stack, [spec]);
      await waitFor(
        'the release to shift',
        async () => ((await handle.query<ReleaseStatus>('status')).phase === 'shifting' ? true : undefined),
        30_000,
      );
      // No goodbye: the process group dies at once, as a host would.
      process.kill(-workers[0].child.pid!, 'SIGKILL');
      const result = await resultOf(handle);
      assert.equal(result.outcome, 'completed', result.reason);
      assert.deepEqual(await weightsOf(stack, spec), { blue: 0, green: 100 });
    } finally {
      await stopAll(workers);
    }
  });
});
