// A worker lost during a release's hold, on real servers (Route 53 is moto behind the fault
// proxy, colors are real processes, the CLI runs as an operator runs it): it is noticed within
// about 20 s, and the analysis moves to another worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../support/processes';
import { ID, shopRelease } from '../support/shop-release';
import type { Stack } from '../support/stack';

let stack: Stack;
const { weights, startRelease } = shopRelease({ proxy: true, onStack: (s) => (stack = s) });

describe('rollback and status when Route 53 fails', () => {
  it('a worker killed during a hold is noticed within about 20 s: the analysis moves to another worker', async () => {
    const { live } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '1s' } } },
      (_s, w, n) => w[n] === 10,
    );
    const handle = stack.client.workflow.getHandle(ID);
    const watching = async () =>
      (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'watchAnalysis');
    await waitFor(
      'the hold to start judging',
      async () => ((await watching())?.lastHeartbeatTime ? true : undefined),
      30_000,
    );
    const killedAt = Date.now();
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    stack.worker = await stack.spawnWorker();
    await waitFor(
      'the analysis to run on the new worker',
      async () => ((await watching())?.attempt ?? 1) >= 2 || undefined,
      60_000,
    );
    const noticedMs = Date.now() - killedAt;
    console.log(`a lost worker was noticed after ${(noticedMs / 1000).toFixed(1)} s`);
    // 20 s heartbeat timeout, heartbeats at most 10 s apart: 10-20 s, plus room for a loaded machine.
    assert.ok(noticedMs < 30_000, `noticed after ${noticedMs} ms`);
    assert.equal((await stack.cli('abort', ID, '--reason', 'test cleanup')).code, 0);
    assert.equal((await stack.cli('watch', ID)).code, 3);
    assert.equal((await weights())[live], 100);
  });
});
