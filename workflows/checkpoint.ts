// What a release carries into its next run when a long hold continues as new: enough to go on
// exactly where it stopped, without re-reading the world (traffic is split mid-release).
import type { AnalysisState } from './analysis';
import type { ReleaseStatus } from './messages';
import type { OperatorState } from './operator';
import type { Color, ResolvedSpec } from './spec';

export interface Checkpoint {
  /** The spec with its version resolved (versionFrom is read once, by the first run). */
  spec: ResolvedSpec;
  liveColor: Color | null;
  newColor: Color;
  /** The new color's endpoint, as provisioning returned it. */
  endpoint: string;
  /** The hold that was running: a step's (by index) or the warm period, and how much was left. */
  hold: { step: number | 'warm'; remainingMs: number };
  /** The status as the last run left it: events, weights, analysis table and counters. */
  status: ReleaseStatus;
  operator: OperatorState;
  analysis: AnalysisState;
  /** Runs so far in this release (1 for the first). */
  run: number;
}
