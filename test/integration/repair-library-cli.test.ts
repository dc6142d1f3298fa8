// The client library's repair and watch on real servers, where they meet Temporal's own
// failures: watch() gives up on an error no retry can cure, repair() refuses to plan without
// what the run knew when the worker cannot replay it, and a custom task queue carries the
// status and repair of a terminated release.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../../client';
import { startIncompatibleWorker } from '../support/incompatible/worker';
import { freePort, waitFor } from '../support/processes';
import { ID, RECORD, shopRelease } from '../support/shop-release';
import type { Stack } from '../support/stack';

let stack: Stack;
const { weights, running, terminate, startRelease } = shopRelease({ onStack: (s) => (stack = s) });

describe('repair on real servers', () => {
  it('watch() surfaces an error that is not a timeout instead of retrying it forever', async () => {
    // A namespace that does not exist answers the same on every read: nothing to wait for.
    const client = await connect({ address: stack.temporal.address, namespace: 'no-such-namespace' });
    try {
      const retried: string[] = [];
      let giveUp = false;
      const timer = setTimeout(() => (giveUp = true), 6000);
      const onRetry = (err: Error) => {
        retried.push(err.message.split('\n')[0]);
        if (giveUp) throw new Error('still retrying');
      };
      const outcome = await (async () => {
        for await (const seen of client.getHandle(ID).watch({ intervalMs: 200, onRetry })) void seen;
      })().then(
        () => undefined,
        (err: Error) => err,
      );
      clearTimeout(timer);
      assert.ok(outcome, 'watch() ended without an error');
      assert.notEqual(outcome.message, 'still retrying', `watch() retried for 6 s: ${retried.join(' | ')}`);
      assert.match(outcome.message, /no-such-namespace/);
      assert.deepEqual(retried, []);
    } finally {
      await client.close();
    }
  });

  it('repair() surfaces a status query that fails on the worker (nondeterminism) instead of planning without it', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease({ approval: { beforeTraffic: true } }, (s) => s.phase === 'awaiting-approval');
    assert.equal((await running())[next], v, 'the new color is provisioned, no traffic yet');
    await stack.stopWorker();
    // Queries go to the stopped worker's sticky queue until Temporal drops it (as it does for a
    // worker that is gone); drop it now, so the next worker on the queue answers them.
    await stack.client.workflowService.resetStickyTaskQueue({
      namespace: stack.namespace,
      execution: { workflowId: ID },
    });
    await terminate();
    const taskQueue = stack.env.BLUEGREEN_TASK_QUEUE!;
    const incompatible = await startIncompatibleWorker(stack.temporal.address, taskQueue, stack.namespace);
    const client = await connect({ address: stack.temporal.address, namespace: stack.namespace, taskQueue });
    try {
      // Route 53 is settled (the live color at 100 %): planned without what the run knew, the
      // repair would be "nothing to do" and leave the provisioned color running.
      await assert.rejects(client.repair(RECORD), (err: Error) => {
        assert.match(err.message, /cannot read what run [\w-]+ of bluegreen-shop\.example\.com knew/);
        assert.match(err.message, /nondetermin/i);
        return true;
      });
      assert.equal((await stack.client.workflow.getHandle(ID).describe()).type, 'release', 'no repair started');
    } finally {
      await client.close();
      await incompatible.stop();
      await stack.startWorker();
    }
    // With workflow code that replays the run, repair reads what it knew and rolls it back.
    const r = await stack.cli('repair', RECORD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /roll back/);
    assert.equal((await running())[next], undefined, 'the provisioned color is gone');
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
  });

  it("a custom task queue (the library's taskQueue): status of a terminated release reads Route 53 through it", async () => {
    // Only a worker on the custom queue runs: whatever goes to the default queue is never answered.
    // A record of its own: colors of shop.example.com are pinned to the default queue's hosts.
    const queue = 'bluegreen-custom';
    await stack.stopWorker();
    const worker = await stack.spawnWorker({ BLUEGREEN_TASK_QUEUE: queue });
    const client = await connect({ address: stack.temporal.address, namespace: stack.namespace, taskQueue: queue });
    const record = 'queued.example.com';
    const ports = { blue: await freePort(), green: await freePort() };
    const base = (await stack.appSpec('1.0.0')) as { environment: object; dns: object };
    const spec = (v: string, traffic: object) =>
      stack.writeSpec(`queued-${v}.yaml`, {
        ...base,
        service: 'queued',
        version: v,
        environment: { ...base.environment, ports },
        dns: {
          ...base.dns,
          recordName: record,
          targets: { blue: 'b.queued.example.com', green: 'g.queued.example.com' },
        },
        traffic,
      });
    try {
      const first = await client.start(spec('1.0.0', { steps: [100], interval: '1s' }));
      assert.equal((await first.result()).outcome, 'completed');
      await client.start(spec('2.0.0', { steps: [10, 100], interval: '1h' }));
      await waitFor(
        'the first step in Route 53',
        async () => (((await weights(record)).green ?? 0) > 0 ? true : undefined),
        60_000,
      );
      await terminate('bluegreen-queued.example.com');

      const s = await client.getHandle('bluegreen-queued.example.com').status();
      assert.equal(s.ended?.how, 'terminated');
      assert.deepEqual(s.route53Now?.weights, { blue: 90, green: 10 }, s.route53Now?.error);
      assert.match(s.result?.needsHuman?.[0] ?? '', /it would roll back/);

      const repair = await client.repair(record);
      assert.equal((await repair.release.result()).outcome, 'completed');
      assert.deepEqual(await weights(record), { blue: 100, green: 0 });
      assert.deepEqual(await running('queued', ports), { blue: '1.0.0', green: undefined });
    } finally {
      await client.close();
      await worker.stop();
      await stack.startWorker();
    }
  });
});
