// What a release carries into its next run when it continues as new: enough to go on exactly
// where it stopped, without re-reading the world (traffic may be split mid-release). A run
// continues as new inside a long hold, or wherever it waits once signals or updates have grown its
// history past the budget (workflows/history-budget.ts).
import type { AnalysisState } from './analysis';
import type { ReleaseStatus } from './messages';
import type { OperatorState } from './operator';
import type { Color, ResolvedSpec } from './spec';

export type WaitPoint = { before: 'traffic' } | { before: 'step'; step: number } | { before: 'decommission' };

/** Where a run stops: inside a hold or at a wait point. */
export type ResumePoint = Pick<Checkpoint, 'hold' | 'waiting'>;

export interface Checkpoint {
  /** The spec with its version resolved (versionFrom is read once, by the first run). */
  spec: ResolvedSpec;
  liveColor: Color | null;
  newColor: Color;
  /** The new color's endpoint, as provisioning returned it. */
  endpoint: string;
  /** The hold that was running: a step's (by index) or the warm period, and how much was left.
   * Absent when the run stopped at `waiting` instead; checkpoints from before that always have it. */
  hold?: { step: number | 'warm'; remainingMs: number };
  /** Where the run waited outside a hold: for the approval before traffic, before a step's shift
   * (paused, outside the change window, or frozen at its gates), or for the approval before the
   * decommission. What it waited for is in `operator` (pause, freeze, pending approval). */
  waiting?: WaitPoint;
  /** Whether traffic had moved to the new color; absent in checkpoints taken inside a hold (it had). */
  trafficMoved?: boolean;
  /** The status as the last run left it: events, weights, analysis table and counters. */
  status: ReleaseStatus;
  operator: OperatorState;
  analysis: AnalysisState;
  /** Runs so far in this release (1 for the first). */
  run: number;
}
