// `bluegreen repair` on real servers when its worker is killed in the middle of it: the
// decommission it died in runs again on the next worker, and the repair converges (weights in
// Route 53, processes up or gone, the activity's attempts in history).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../support/processes';
import { ID, RECORD, shopRelease } from '../support/shop-release';
import type { Stack } from '../support/stack';

let stack: Stack;
let version = 0;
const { weights, environment, running, status, terminate, startRelease } = shopRelease({
  // The test's first release puts the slowly draining live color in place.
  live: false,
  onStack: (s) => (stack = s),
  nextVersion: () => ++version,
});

describe('repair on real servers', () => {
  it('a worker killed during repair: the repair still converges once a worker is back', async () => {
    // The live color drains for 20s after SIGTERM, so the repair's decommission is caught mid-way.
    const env = (await environment()) as object;
    const draining = (vars: Record<string, string>) => ({ environment: { ...env, env: vars, stopGracePeriod: '40s' } });
    const setUp = await stack.cli(
      'start',
      stack.writeSpec(
        `v${++version}.yaml`,
        await stack.appSpec(`${version}.0.0`, { overrides: draining({ STOP_DELAY_MS: '20000' }) }),
      ),
      '--watch',
    );
    assert.equal(setUp.code, 0, setUp.stdout + setUp.stderr);
    const {
      live,
      next,
      version: v,
    } = await startRelease(
      { ...draining({}), traffic: { steps: [50, 100], interval: '1s' }, decommission: { delay: '1h' } },
      (s) => s.phase === 'baking',
    );
    await terminate();

    const repairing = stack.cli('repair', RECORD);
    await waitFor(
      'the repair decommissioning the old color',
      async () => {
        const d = await stack.client.workflow.getHandle(ID).describe();
        return d.type === 'repair' &&
          (d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'decommissionColor')
          ? true
          : undefined;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    await new Promise((r) => stack.worker!.child.once('exit', r));
    stack.worker = undefined;
    assert.ok((await running())[live], 'the old color is still draining while no worker runs');
    await stack.startWorker();

    const r = await repairing;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await weights(), { [live]: 0, [next]: 100 });
    assert.deepEqual(await running(), { [live]: undefined, [next]: v });
    assert.equal((await status()).result?.outcome, 'completed');
    // The decommission the worker died in was run again by the new worker (attempt 2).
    const history = await stack.client.workflow.getHandle(ID).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
    assert.ok(Math.max(...attempts) >= 2, `activity attempts: ${attempts.join(', ')}`);
  });
});
