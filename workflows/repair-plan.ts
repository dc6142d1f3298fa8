// Pure, deterministic repair decisions: given what the last release of a record knew (its
// `status` when it ended) and what Route 53 says now, what puts the record back into a known
// state. Shared by the repair workflow and by `bluegreen status`, which previews the decision.
import { finalPhases, phases, type Phase, type ReleaseStatus } from './messages';
import { weightsFor, type Weights } from './plan';
import type { Color, ReleaseSpec } from './spec';

export interface LastRelease {
  runId: string;
  /** Temporal's execution status of the run: TERMINATED, TIMED_OUT, COMPLETED, FAILED, ... */
  closedAs: string;
  closedAt?: string;
  /** The run's `status` query answer; absent when it could not be read. */
  status?: ReleaseStatus;
}

export interface RepairInput {
  /** The spec the last release ran with (from its start input). */
  spec: ReleaseSpec;
  specDir: string;
  requestedBy?: string;
  last: LastRelease;
}

export type RepairStep =
  | { kind: 'shift'; weights: Weights; what: string }
  | { kind: 'remove-records'; what: string }
  /** `undo` picks the compensation's patience (a rollback); otherwise the release's own decommission. */
  | { kind: 'decommission'; color: Color; undo: boolean; what: string };

export interface RepairPlan {
  /** What the last release knew and what Route 53 says, in words. */
  found: string;
  /** What the repair does, in words. */
  summary: string;
  steps: RepairStep[];
  /** The consistent state afterwards: which color serves, and its weights (null: no records). */
  target: { liveColor: Color | null; weights: Weights | null };
  /** Set when no safe decision exists: what a person has to decide. */
  needsHuman?: string;
}

type Observed = Partial<Weights>;

export function describeWeights(w: Observed | null): string {
  if (!w || (w.blue === undefined && w.green === undefined)) return 'no weighted records';
  return `blue ${w.blue ?? '(none)'}% / green ${w.green ?? '(none)'}%`;
}

/** Whether Route 53 holds exactly `expected` (null: neither color has a record). */
export function sameWeights(observed: Observed, expected: Weights | null): boolean {
  if (expected === null) return observed.blue === undefined && observed.green === undefined;
  return (observed.blue ?? 0) === expected.blue && (observed.green ?? 0) === expected.green;
}

/** The state a finished release leaves: one color at 100 %, or no records at all. */
function settledColor(observed: Observed): Color | null | undefined {
  if (sameWeights(observed, null)) return null;
  if (sameWeights(observed, weightsFor('blue', 100))) return 'blue';
  if (sameWeights(observed, weightsFor('green', 100))) return 'green';
  return undefined;
}

/** The phase the release was working in when it ended (the final phases say how it ended, not where). */
export function workingPhase(s: ReleaseStatus): Phase {
  const known = new Set<string>(phases);
  for (let i = s.events.length - 1; i >= 0; i--) {
    const type = s.events[i].type;
    if (known.has(type) && !finalPhases.includes(type as Phase)) return type as Phase;
  }
  return s.phase;
}

function closedWords(closedAs: string): string {
  return closedAs.toLowerCase().replace(/_/g, ' ');
}

/**
 * The rule: facts decide where traffic is, the release's knowledge decides which color is old and
 * which is new. A release that was rolling back is rolled back. Otherwise, once Route 53 has the
 * new color at 100 % the release is finished (the old color is decommissioned); before that it is
 * rolled back (old color to 100 %, new color decommissioned; a first release's records removed).
 */
/** `router` names the router in the sentences ("Route 53 has …", "HAProxy has …"). */
export function planRepair(last: LastRelease, observed: Observed, router = 'Route 53'): RepairPlan {
  const seen = describeWeights(observed);
  const s = last.status;
  const run = `run ${last.runId.slice(0, 8)}`;
  const nothing = (found: string, summary: string, liveColor: Color | null): RepairPlan => ({
    found,
    summary,
    steps: [],
    target: { liveColor, weights: liveColor ? weightsFor(liveColor, 100) : null },
  });
  const human = (found: string, needsHuman: string): RepairPlan => ({
    found,
    summary: 'needs a human',
    steps: [],
    target: { liveColor: null, weights: null },
    needsHuman,
  });

  if (!s) {
    const settled = settledColor(observed);
    const found = `what ${run} knew could not be read; ${router} has ${seen}`;
    if (settled !== undefined) return nothing(found, `nothing to do: ${router} is in a settled state`, settled);
    return human(
      found,
      `${router} is split (${seen}) and the last release cannot say which color is new: decide which color serves, set its weight to 100 by hand, and decommission the other`,
    );
  }

  const result = s.result;
  if (result && (result.outcome === 'completed' || result.outcome === 'rolled-back')) {
    const expected = result.liveColor ? weightsFor(result.liveColor, 100) : null;
    const found = `the last release (${s.version}) ended ${result.outcome}, leaving ${describeWeights(expected)}; ${router} has ${seen}`;
    if (sameWeights(observed, expected))
      return nothing(found, 'nothing to do: the record is as the last release left it', result.liveColor);
    return human(
      found,
      `the weights were changed after the last release ended (${router} has ${seen}, it left ${describeWeights(expected)}): set them back by hand, or start a new release (it treats the heavier color as live)`,
    );
  }

  // Unfinished: terminated, timed out, or failed because an undo failed.
  const how = result ? `failed (${result.reason})` : closedWords(last.closedAs);
  if (!s.events.some((e) => e.type === 'plan')) {
    // Ended before it chose colors: it provisioned nothing and changed no weights.
    const found = `${run} was ${how} before it chose colors, so it changed nothing; ${router} has ${seen}`;
    const settled = settledColor(observed);
    if (settled !== undefined)
      return nothing(found, 'nothing to do: the release never started changing things', settled);
    return human(
      found,
      `${router} is split (${seen}) by something other than the last release: decide which color serves and set the weights by hand`,
    );
  }

  const oldColor = s.liveColor;
  const newColor = s.newColor;
  const phase = workingPhase(s);
  const knew = `${oldColor ? `${oldColor} live, releasing ${s.version} on ${newColor}` : `first release of ${s.version} on ${newColor}`}; it last set ${describeWeights(s.weights)}`;
  const found = `${run} was ${how} during ${phase} (${knew}); ${router} now has ${seen}`;
  const newFull = sameWeights(observed, weightsFor(newColor, 100));
  const knewFull =
    s.weights[newColor] === 100 ||
    phase === 'baking' ||
    phase === 'decommissioning' ||
    s.pendingApproval === 'beforeDecommission';

  // Frozen (onFailure: freeze): a check had failed and the spec says a person decides, not a rule.
  // Repair only completes the decision once Route 53 shows it: one color at 100 %.
  if (phase === 'frozen' && !newFull && !(oldColor !== null && sameWeights(observed, weightsFor(oldColor, 100))))
    return human(
      found,
      `the release was frozen after a failed check (onFailure: freeze), so no rule may pick a side: set ${newColor} to 100 (repair then finishes the release) or ${oldColor ?? 'no records'}${oldColor ? ' to 100 (it rolls back)' : ''} by hand, then run repair again`,
    );

  if (phase !== 'rolling-back' && newFull) {
    if (oldColor === null)
      return nothing(found, `nothing to do: the first release had reached 100 % on ${newColor}`, newColor);
    return {
      found,
      summary: `finish the release: ${newColor} keeps 100 %, decommission the old color ${oldColor}`,
      steps: [{ kind: 'decommission', color: oldColor, undo: false, what: `decommission ${oldColor} (the old color)` }],
      target: { liveColor: newColor, weights: weightsFor(newColor, 100) },
    };
  }
  if (phase !== 'rolling-back' && phase !== 'frozen' && knewFull)
    return human(
      found,
      `the release had moved all traffic to ${newColor}, but ${router} now has ${seen}: someone changed the weights since. Set ${newColor} to 100 (then \`repair\` finishes the release) or ${oldColor ?? 'the other color'} to 100 (then it rolls back), by hand`,
    );

  // Roll back: the new color never had all the traffic, or the release was already undoing.
  const steps: RepairStep[] = [];
  if (oldColor === null) {
    if (!sameWeights(observed, null))
      steps.push({ kind: 'remove-records', what: 'remove the weighted records the first release created' });
  } else if (!sameWeights(observed, weightsFor(oldColor, 100))) {
    steps.push({ kind: 'shift', weights: weightsFor(oldColor, 100), what: `restore ${oldColor} to 100%` });
  }
  steps.push({ kind: 'decommission', color: newColor, undo: true, what: `decommission ${newColor} (the new color)` });
  return {
    found,
    summary: oldColor
      ? `roll back: ${oldColor} to 100 %, decommission the new color ${newColor}`
      : `undo the first release: remove its records, decommission ${newColor}`,
    steps,
    target: { liveColor: oldColor, weights: oldColor ? weightsFor(oldColor, 100) : null },
  };
}

/** For a terminated release's `status`: what `repair` would do, as one phrase. */
export function previewRepair(last: LastRelease, observed: Observed, router = 'Route 53'): string {
  const plan = planRepair(last, observed, router);
  return plan.needsHuman ? `it would stop and ask a human: ${plan.needsHuman}` : `it would ${plan.summary}`;
}
