// The repair decision, pure: what the last release knew plus what Route 53 says now decide
// whether to roll back, finish, clean up a first release, do nothing, or ask a human.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Phase, ReleaseStatus } from '../../workflows/messages';
import { planRepair, previewRepair, workingPhase, type LastRelease } from '../../workflows/repair-plan';

/** The status a release had when it ended: events up to `phase`, then the given fields. */
function knew(phase: Phase, extra: Partial<ReleaseStatus> = {}): ReleaseStatus {
  const order: Phase[] = ['provisioning', 'verifying', 'shifting', 'baking', 'decommissioning'];
  const reached = order.includes(phase) ? order.slice(0, order.indexOf(phase) + 1) : ['provisioning', phase];
  return {
    id: 'bluegreen-shop.example.com',
    service: 'shop',
    version: '2.0.0',
    recordName: 'shop.example.com',
    phase,
    liveColor: 'blue',
    newColor: 'green',
    weights: { blue: 90, green: 10 },
    step: { index: 1, total: 3 },
    paused: false,
    events: [
      { at: '2026-01-01T00:00:00Z', type: 'plan', message: 'blue is live' },
      ...reached.map((p) => ({ at: '2026-01-01T00:00:01Z', type: p, message: p })),
    ],
    ...extra,
  };
}

const terminated = (status?: ReleaseStatus): LastRelease => ({
  runId: 'run-1234567890',
  closedAs: 'TERMINATED',
  ...(status ? { status } : {}),
});

describe('repair decisions', () => {
  it('terminated mid-shift: restore the old color, decommission the new', () => {
    const plan = planRepair(terminated(knew('shifting')), { blue: 90, green: 10 });
    assert.equal(plan.needsHuman, undefined);
    assert.deepEqual(
      plan.steps.map((s) => s.kind),
      ['shift', 'decommission'],
    );
    assert.deepEqual(plan.steps[0], { kind: 'shift', weights: { blue: 100, green: 0 }, what: 'restore blue to 100%' });
    assert.deepEqual(plan.steps[1], {
      kind: 'decommission',
      color: 'green',
      undo: true,
      what: 'decommission green (the new color)',
    });
    assert.deepEqual(plan.target, { liveColor: 'blue', weights: { blue: 100, green: 0 } });
    assert.match(
      plan.found,
      /terminated during shifting \(blue live, releasing 2.0.0 on green; it last set blue 90% \/ green 10%\); Route 53 now has blue 90% \/ green 10%/,
    );
  });

  it('the old color already at 100 % (terminated while verifying): only the new color goes', () => {
    const plan = planRepair(terminated(knew('verifying', { weights: { blue: 100, green: 0 } })), {
      blue: 100,
      green: 0,
    });
    assert.deepEqual(
      plan.steps.map((s) => s.kind),
      ['decommission'],
    );
  });

  it('Route 53 has the new color at 100 % although the release never recorded it: finish', () => {
    // The shift to 100 % completed in Route 53; the run was terminated before it heard back.
    const plan = planRepair(terminated(knew('shifting', { weights: { blue: 50, green: 50 } })), {
      blue: 0,
      green: 100,
    });
    assert.deepEqual(plan.steps, [
      { kind: 'decommission', color: 'blue', undo: false, what: 'decommission blue (the old color)' },
    ]);
    assert.deepEqual(plan.target, { liveColor: 'green', weights: { blue: 0, green: 100 } });
  });

  it('terminated in the warm period: decommission the old color, leave the new at 100 %', () => {
    const plan = planRepair(terminated(knew('baking', { weights: { blue: 0, green: 100 } })), { blue: 0, green: 100 });
    assert.equal(plan.steps.length, 1);
    assert.equal(plan.steps[0].kind, 'decommission');
    assert.match(plan.summary, /finish the release: green keeps 100 %, decommission the old color blue/);
  });

  it('terminated while rolling back: finish the rollback even if the new color still has all traffic', () => {
    const plan = planRepair(terminated(knew('rolling-back', { weights: { blue: 0, green: 100 } })), {
      blue: 0,
      green: 100,
    });
    assert.deepEqual(
      plan.steps.map((s) => s.kind),
      ['shift', 'decommission'],
    );
    assert.equal(plan.target.liveColor, 'blue');
  });

  it('the release knew 100 % on the new color but Route 53 was changed since: a human decides', () => {
    const plan = planRepair(terminated(knew('baking', { weights: { blue: 0, green: 100 } })), { blue: 70, green: 30 });
    assert.equal(plan.steps.length, 0);
    assert.match(plan.needsHuman!, /someone changed the weights since/);
  });

  it('terminated while frozen (onFailure: freeze): a human picks the side; once Route 53 shows it, repair follows', () => {
    const frozen = terminated(knew('shifting', { weights: { blue: 50, green: 50 } }));
    frozen.status!.events.push({ at: '2026-01-01T00:00:05Z', type: 'frozen', message: 'analysis breach' });
    assert.match(planRepair(frozen, { blue: 50, green: 50 }).needsHuman!, /frozen after a failed check/);
    assert.deepEqual(
      planRepair(frozen, { blue: 100, green: 0 }).steps.map((s) => s.kind),
      ['decommission'],
    );
    assert.equal(planRepair(frozen, { blue: 100, green: 0 }).target.liveColor, 'blue');
    assert.equal(planRepair(frozen, { blue: 0, green: 100 }).target.liveColor, 'green');
  });

  it('a first release that never finished: remove its records and its process', () => {
    const status = knew('shifting', { liveColor: null, newColor: 'blue', weights: { blue: 0, green: 0 } });
    const plan = planRepair(terminated(status), { blue: 100, green: 0 });
    // Route 53 at 100 % on the new color of a first release means it did finish its only step.
    assert.equal(plan.steps.length, 0);
    const verifying = planRepair(
      terminated(knew('verifying', { liveColor: null, newColor: 'blue', weights: { blue: 0, green: 0 } })),
      {},
    );
    assert.deepEqual(
      verifying.steps.map((s) => s.kind),
      ['decommission'],
    );
    const rollingBack = planRepair(
      terminated(knew('rolling-back', { liveColor: null, newColor: 'blue', weights: { blue: 100, green: 0 } })),
      { blue: 100, green: 0 },
    );
    assert.deepEqual(
      rollingBack.steps.map((s) => s.kind),
      ['remove-records', 'decommission'],
    );
    assert.deepEqual(rollingBack.target, { liveColor: null, weights: null });
  });

  it('terminated before it chose colors: nothing changed, nothing to do', () => {
    const status = { ...knew('provisioning'), events: [] };
    const plan = planRepair(terminated(status), { blue: 100, green: 0 });
    assert.equal(plan.steps.length, 0);
    assert.equal(plan.needsHuman, undefined);
    assert.equal(plan.target.liveColor, 'blue');
  });

  it('a release that ended by itself, and Route 53 agrees: nothing to do; disagrees: a human decides', () => {
    const done = knew('completed', {
      result: { outcome: 'completed', reason: 'ok', liveColor: 'green', weights: { blue: 0, green: 100 } },
    });
    const last: LastRelease = { runId: 'r', closedAs: 'COMPLETED', status: done };
    assert.match(planRepair(last, { blue: 0, green: 100 }).summary, /^nothing to do/);
    assert.match(planRepair(last, { blue: 50, green: 50 }).needsHuman!, /changed after the last release ended/);
  });

  it('a release that failed because an undo failed is finished like a terminated one', () => {
    const failed = knew('rolling-back', {
      phase: 'failed',
      result: {
        outcome: 'failed',
        reason: 'analysis breach',
        needsHuman: ['restore blue failed'],
        liveColor: null,
        weights: { blue: 50, green: 50 },
      },
    });
    failed.events.push({ at: '2026-01-01T00:00:09Z', type: 'failed', message: 'needs a human' });
    assert.equal(workingPhase(failed), 'rolling-back');
    const plan = planRepair({ runId: 'r', closedAs: 'FAILED', status: failed }, { blue: 50, green: 50 });
    assert.deepEqual(
      plan.steps.map((s) => s.kind),
      ['shift', 'decommission'],
    );
  });

  it('without what the release knew: settled Route 53 is fine, a split needs a human', () => {
    assert.equal(planRepair(terminated(), { blue: 100, green: 0 }).needsHuman, undefined);
    assert.match(planRepair(terminated(), { blue: 60, green: 40 }).needsHuman!, /cannot say which color is new/);
  });

  it('status previews the decision in one phrase', () => {
    assert.equal(
      previewRepair(terminated(knew('shifting')), { blue: 90, green: 10 }),
      'it would roll back: blue to 100 %, decommission the new color green',
    );
  });
});
