// What every traffic router must do, whatever it talks to. Each router's test file runs this
// suite against its real part (moto's Route 53 and ELBv2, a real HAProxy): a router is done when
// it passes. The `truth` reader goes around the router to the part itself, so a router that only
// remembers what it wrote cannot pass.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import type { ObservedWeights, TrafficRouter, WeightChange } from '../../../activities/routers';

export interface RouterUnderTest {
  /** A router on a target nobody has released to yet. Each call may make a new target. */
  fresh: () => Promise<{ router: TrafficRouter; truth: () => Promise<ObservedWeights> }>;
  /** What readWeights says of a fresh target: {} for Route 53 (no records), 100/0 for an ALB… */
  initial: ObservedWeights;
  /** A router whose target does not exist (unknown zone, listener or backend). */
  missing: () => TrafficRouter;
  /**
   * The target exists before any release and a release creates nothing on it (an ALB listener):
   * removeInitial has nothing to undo, says so (null) and leaves the weights alone.
   */
  createsNothing?: boolean;
  /** How long a change may take to become effective on this part (ms). */
  effectiveWithinMs?: number;
}

async function applied(router: TrafficRouter, change: WeightChange, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await router.isEffective(change))) {
    assert.ok(Date.now() < deadline, `${router.target}: change ${change.id} not effective within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function routerContract(u: RouterUnderTest): void {
  const within = u.effectiveWithinMs ?? 5000;

  it('names its target in words', async () => {
    const { router } = await u.fresh();
    assert.match(router.target, /\S+ \S+/);
  });

  it('reads a fresh target as it is', async () => {
    const { router, truth } = await u.fresh();
    assert.deepEqual(await router.readWeights(), u.initial);
    assert.deepEqual(await truth(), u.initial);
  });

  it('sets both weights as one change, effective on the part itself', async () => {
    const { router, truth } = await u.fresh();
    for (const weights of [
      { blue: 100, green: 0 },
      { blue: 90, green: 10 },
      { blue: 25, green: 75 },
      { blue: 0, green: 100 },
    ]) {
      await applied(router, await router.setWeights(weights), within);
      assert.deepEqual(await router.readWeights(), weights);
      assert.deepEqual(await truth(), weights);
    }
  });

  it('is idempotent: the same weights twice are one state, not two shifts', async () => {
    const { router, truth } = await u.fresh();
    const weights = { blue: 50, green: 50 };
    await applied(router, await router.setWeights(weights), within);
    await applied(router, await router.setWeights(weights), within);
    assert.deepEqual(await truth(), weights);
  });

  it('removeInitial leaves the target as it was found, and a second call has nothing to do', async () => {
    const { router, truth } = await u.fresh();
    await applied(router, await router.setWeights({ blue: 0, green: 100 }), within);
    if (u.createsNothing) {
      assert.equal(await router.removeInitial(), null);
      assert.deepEqual(await truth(), { blue: 0, green: 100 });
      return;
    }
    const change = await router.removeInitial();
    if (change) await applied(router, change, within);
    assert.deepEqual(await truth(), u.initial);
    assert.deepEqual(await router.readWeights(), u.initial);
    const again = await router.removeInitial();
    if (again) await applied(router, again, within);
    assert.deepEqual(await truth(), u.initial);
  });

  it('a target that does not exist fails with a permanent error, not one to retry forever', async () => {
    const router = u.missing();
    await assert.rejects(router.setWeights({ blue: 100, green: 0 }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
      assert.equal(err.nonRetryable, true, err.message);
      return true;
    });
  });
}
