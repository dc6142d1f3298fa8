// Everything the outside world can say to a release, and what it can ask. Shared by the
// workflow and the client so the names cannot drift.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ObservedShare } from './observed-share';
import type { Color } from './spec';
import type { Measurement } from './metrics';
import type { Weights } from './plan';
import type { StatusTarget } from './target';

export const phases = [
  'scheduled',
  'provisioning',
  'verifying',
  'awaiting-approval',
  'waiting-for-window',
  'shifting',
  'baking',
  'frozen',
  'decommissioning',
  'repairing',
  'completed',
  'rolling-back',
  'rolled-back',
  'failed',
] as const;
export type Phase = (typeof phases)[number];
export const finalPhases: readonly Phase[] = ['completed', 'rolled-back', 'failed'];

export interface ReleaseEvent {
  at: string;
  type: string;
  message: string;
  by?: string;
}

export type Outcome = 'completed' | 'rolled-back' | 'failed';

export interface ReleaseResult {
  outcome: Outcome;
  reason: string;
  /** What a person must fix by hand, when compensation itself failed. */
  needsHuman?: string[];
  liveColor: Color | null;
  weights: Weights;
}

export interface ReleaseStatus {
  id: string;
  service: string;
  version: string;
  /** The traffic target's name (for Route 53 the record name); kept for older clients. */
  recordName: string;
  /** What the release moves traffic on; absent in releases started before routers. */
  target?: StatusTarget;
  phase: Phase;
  liveColor: Color | null;
  newColor: Color;
  weights: Weights;
  step: { index: number; total: number };
  paused: boolean;
  pauseReason?: string;
  pendingApproval?: 'beforeTraffic' | 'beforeDecommission';
  /** What the release does next, and when (ISO time) if it is waiting. */
  next?: { action: string; at?: string };
  /** Every metric's latest measurement and its counters since the release started (or since a
   * `resume` accepted an inconclusive pause). */
  analysis?: { metrics: MetricStatus[] };
  /** What share of real requests each color got lately (docs/routers.md); null: nothing observed
   * yet, or the release has no source (Route 53 without traffic.observe). */
  observedShare?: ObservedShare | null;
  /** The Route 53 health check id each color's record carries (dns.healthCheck, docs/safety-nets.md). */
  healthChecks?: Partial<Record<Color, string>>;
  /** The latest events (at most 200). */
  events: ReleaseEvent[];
  /** How many events were ever recorded, including those no longer in `events`. */
  eventCount?: number;
  result?: ReleaseResult;
  /** Set by a `repair` run: which run of the record it repairs and how that run ended. */
  repairOf?: { runId: string; closedAs: string };
  /** Where the deliveries and afterRelease gates of this release run: its notifier workflows (one
   * per run, oldest first; see docs/notifications.md). `status` adds their events (notification-failed,
   * and the afterRelease gates' gate / gate-failed) to `events`, and how many are still pending. */
  notifier?: { workflowIds: string[]; pending?: number; unavailable?: string };
  /** Added by the client for a run that ended without running its own code (terminated, timed out). */
  ended?: EndedRun;
  /** Added by the client next to `ended`, and while a call is retrying: the weights in Route 53
   * now, read through a worker (`weights` above is what the release last set). */
  route53Now?: { at: string; weights?: Partial<Weights>; error?: string };
  /** Added by the client for a running release: external calls Temporal is retrying right now. */
  retrying?: RetryingCall[];
  /** Set on a target of a wave release: which wave release, wave and target it is. */
  wave?: { release: string; wave: string; target: string };
  /** Only on a wave release (docs/waves.md): its waves and every target's release; the client
   * adds each target's weights and new color from the target's own status. */
  waves?: import('./wave-messages').WaveStatus[];
}

/** A call of the release past its first attempt (from the workflow's pending activities). */
export interface RetryingCall {
  /** The activity type, e.g. route53ChangeWeights. */
  activity: string;
  /** What the call does, in words. */
  call: string;
  attempt: number;
  /** Absent: retried until its timeout rather than a number of attempts. */
  maxAttempts?: number;
  /** The last attempt's failure, as one sentence. */
  lastError: string;
  /** When the call was first scheduled (ISO time). */
  since: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  /** Set when the call is the zone's Route 53 batcher's, made for this release among others: its workflow id. */
  batcher?: string;
}

export interface EndedRun {
  /** terminated, timed out, ... (Temporal's execution status, in words). */
  how: string;
  at?: string;
  by?: string;
  reason?: string;
  /** The command that puts the record back into a known state. */
  repair: string;
}

/** One line of the analysis table: the latest measurement of a metric and how often it failed
 * or was inconclusive (the counters `failureLimit` and `inconclusiveLimit` apply to). */
export interface MetricStatus extends Measurement {
  /** When the measurement was taken (ISO time). */
  at: string;
  failures: number;
  inconclusive: number;
}

export const statusQuery = defineQuery<ReleaseStatus>('status');

// Operator actions. Signals are what the Temporal Web UI (and `temporal workflow signal`) send;
// the CLI uses the update of the same action so it learns at once whether the action took effect.
export interface PausePayload {
  reason?: string;
  by?: string;
}
export interface AbortPayload {
  reason: string;
  by?: string;
}
export interface ApprovePayload {
  by?: string;
  note?: string;
}
export interface PlainPayload {
  by?: string;
}

export const operatorActions = ['pause', 'resume', 'abort', 'approve', 'promote'] as const;
export type OperatorAction = (typeof operatorActions)[number];

export const actionDescriptions: Record<OperatorAction, string> = {
  pause:
    'Freeze traffic weights where they are; the step timer stops. Analysis keeps protecting the release. Payload: {"reason": "..."} (optional).',
  resume: 'Continue a paused release; the step wait resumes where it stopped. No payload.',
  abort:
    'Roll back now: old color to 100%, new color torn down. Refused once the old color is decommissioned. Payload: {"reason": "..."} (required).',
  approve: 'Satisfy the pending approval gate. Payload: {"by": "...", "note": "..."} (optional).',
  promote: 'Skip the remaining steps: new color to 100% now, then the normal warm period and decommission. No payload.',
};

export const pauseSignal = defineSignal<[PausePayload?]>('pause');
export const resumeSignal = defineSignal<[PlainPayload?]>('resume');
export const abortSignal = defineSignal<[AbortPayload]>('abort');
export const approveSignal = defineSignal<[ApprovePayload?]>('approve');
export const promoteSignal = defineSignal<[PlainPayload?]>('promote');

/** Answer of an operator update: what happened, in words fit for the terminal. */
export interface ActionOutcome {
  accepted: boolean;
  message: string;
}

export const pauseUpdate = defineUpdate<ActionOutcome, [PausePayload?]>('pauseRelease');
export const resumeUpdate = defineUpdate<ActionOutcome, [PlainPayload?]>('resumeRelease');
export const abortUpdate = defineUpdate<ActionOutcome, [AbortPayload]>('abortRelease');
export const approveUpdate = defineUpdate<ActionOutcome, [ApprovePayload?]>('approveRelease');
export const promoteUpdate = defineUpdate<ActionOutcome, [PlainPayload?]>('promoteRelease');

export const updatesByAction = {
  pause: pauseUpdate,
  resume: resumeUpdate,
  abort: abortUpdate,
  approve: approveUpdate,
  promote: promoteUpdate,
} as const;

export const signalsByAction = {
  pause: pauseSignal,
  resume: resumeSignal,
  abort: abortSignal,
  approve: approveSignal,
  promote: promoteSignal,
} as const;

export interface ReleaseInput {
  spec: import('./spec').ReleaseSpec;
  /** Absolute folder of the spec file; the local provider runs commands there. */
  specDir: string;
  requestedBy?: string;
  /** Set when a long hold continued as new: where the previous run stopped (workflows/checkpoint.ts). */
  checkpoint?: import('./checkpoint').Checkpoint;
  /** Set when the release is one target of a wave release: it then holds its old color warm after
   * the last step until the wave release finishes or aborts it (workflows/wave-release.ts). */
  wave?: import('./wave-messages').WaveMembership;
}

/** What a release's notifier workflow has done with what the release handed it. */
export interface DeliveriesStatus {
  /** Deliveries and afterRelease gates not yet made or given up on. */
  pending: number;
  delivered: number;
  /** notification-failed, gate and gate-failed events: `status` shows them among the release's. */
  events: ReleaseEvent[];
  /** The release has handed over everything and nothing is pending. */
  finished: boolean;
}

export const deliveriesQuery = defineQuery<DeliveriesStatus>('deliveries');
