// Operator control: pause, resume, abort, approve, promote. Each action arrives either as a
// signal (Web UI, `temporal workflow signal`) or as an update (the CLI, which wants an answer);
// both go through the same rules. A malformed payload becomes an event, never a stuck workflow.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { condition, setDefaultSignalHandler, setHandler } from '@temporalio/workflow';
import { formatDuration } from './duration';
import { historyFull } from './history-budget';
import {
  actionDescriptions,
  finalPhases,
  operatorActions,
  signalsByAction,
  updatesByAction,
  type ActionOutcome,
  type OperatorAction,
  type Phase,
} from './messages';
import type { ReleaseTracker } from './tracker';
import type { Weights } from './plan';

export type Gate = 'beforeTraffic' | 'beforeDecommission';
export type HoldOutcome = 'elapsed' | 'promoted' | 'breach';
export interface OperatorState {
  paused: boolean;
  promoteRequested: boolean;
  approved: Gate[];
  /** The run continued as new while frozen (checkpoints from before 'continue-as-new-anywhere' lack it). */
  frozen?: Frozen;
  /** The run continued as new while an approval was pending: which, and how long it had left. */
  approval?: { gate: Gate; leftMs: number; previousPhase: Phase };
}

interface Frozen {
  reason: string;
  /** The phase to go back to when the release is unfrozen. */
  previousPhase: Phase;
}

/** Raised inside the release to roll it back for a reason the operator should read. */
export class RollbackReason extends Error {
  override name = 'RollbackReason';
}

const ABORTABLE_UNTIL: Phase[] = ['decommissioning', 'completed', 'rolling-back', 'rolled-back', 'failed'];
const PROMOTABLE: Phase[] = ['provisioning', 'verifying', 'shifting', 'waiting-for-window', 'frozen'];

/** Longest reason, note or sender an operator action accepts (characters). */
export const MAX_PAYLOAD_FIELD = 1000;
/** Longest payload an operator action accepts as a whole (JSON characters): an update validator
 * refuses a longer one before it reaches history. */
export const MAX_PAYLOAD = 4 * MAX_PAYLOAD_FIELD;

interface Payload {
  reason?: unknown;
  by?: unknown;
  note?: unknown;
}

export class OperatorControl {
  paused = false;
  promoteRequested = false;
  /** The weights of a shift sent to the router and not yet confirmed: a pause cannot stop it. */
  shiftInFlight: Weights | undefined;
  abortReason: string | undefined;
  private readonly approved = new Set<Gate>();
  /** Set by the release: cancels the abortable part of the release. */
  onAbort: () => void = () => undefined;
  /** Set by the analysis loop: a resume after an inconclusive pause resets its counters. */
  onResume: () => void = () => undefined;
  /**
   * Whether a signal or update that grows the history past its budget makes the release continue
   * as new wherever it waits (patch 'continue-as-new-anywhere'; runs started before never do).
   */
  checkpointAnywhere = false;
  /**
   * Set by the release once it knows what a checkpoint holds: ends the run and continues the
   * release as new from where it waits. Every wait of the operator's calls it when due.
   */
  continueAsNew: (() => Promise<never>) | undefined;
  private historyFull = false;
  private frozen: Frozen | undefined;
  private approval: OperatorState['approval'];

  constructor(private readonly tracker: ReleaseTracker) {}

  register(): void {
    this.handle('pause', signalsByAction.pause, updatesByAction.pause);
    this.handle('resume', signalsByAction.resume, updatesByAction.resume);
    this.handle('abort', signalsByAction.abort, updatesByAction.abort);
    this.handle('approve', signalsByAction.approve, updatesByAction.approve);
    this.handle('promote', signalsByAction.promote, updatesByAction.promote);
    // A signal nobody handles (a typo in the Web UI, an old client) would vanish without a trace.
    setDefaultSignalHandler((name: string) => {
      const shown = name.length > 100 ? `${name.slice(0, 100)}... (${name.length} characters)` : name;
      this.tracker.event(
        'rejected',
        `unknown signal "${shown}": the signals are ${operatorActions.join(', ')}`,
        'signal (no sender given)',
      );
      this.weighHistory();
    });
  }

  /**
   * After every signal and update: the server stores each signal's payload in history, accepted
   * or not, so a flood of large ones (the Web UI can send any) would grow it to the server's limit
   * and get the run terminated with no rollback. Past the budget the release continues as new at
   * the next place it waits (at once when it is waiting).
   */
  private weighHistory(): void {
    if (this.checkpointAnywhere && !this.historyFull && historyFull()) this.historyFull = true;
  }

  /** A checkpoint is due and the release can take one: every wait gives way to continueAsNew. */
  get checkpointDue(): boolean {
    return this.historyFull && this.continueAsNew !== undefined;
  }

  /** Ends the run at a wait, continuing the release as new (only ever called when checkpointDue). */
  private async checkpoint(): Promise<never> {
    return this.continueAsNew!();
  }

  /** One action as a signal and as an update, typed by its definitions; both go through receive(). */
  private handle<Args extends [unknown?]>(
    action: OperatorAction,
    signal: SignalDefinition<Args>,
    update: UpdateDefinition<ActionOutcome, Args>,
  ): void {
    setHandler(
      signal,
      (...args: Args) => {
        this.receive(action, args[0], 'signal');
        this.weighHistory();
      },
      {
        description: actionDescriptions[action],
      },
    );
    setHandler(
      update,
      (...args: Args) => {
        const outcome = this.receive(action, args[0], 'update');
        this.weighHistory();
        return outcome;
      },
      {
        validator: (...args: Args) => {
          const refusal = this.refusal(action, args[0]);
          if (refusal) throw new Error(refusal);
        },
        description: `${actionDescriptions[action]} (CLI form: answers whether it took effect.)`,
      },
    );
  }

  private get phase(): Phase {
    return this.tracker.status.phase;
  }

  /** Why an action cannot take effect now, or null when it can. */
  refusal(action: OperatorAction, raw: unknown): string | null {
    if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
      const shown = JSON.stringify(raw) ?? String(raw);
      return `cannot ${action}: the payload must be a JSON object, got ${shown.length > 100 ? `${shown.slice(0, 100)}...` : shown}`;
    }
    const p = (raw ?? {}) as Payload;
    for (const key of ['reason', 'by', 'note'] as const) {
      const value = p[key];
      if (value !== undefined && typeof value !== 'string') return `cannot ${action}: "${key}" must be a string`;
      // Everything accepted ends up in the status, the Web UI details and every later query.
      if (typeof value === 'string' && value.length > MAX_PAYLOAD_FIELD)
        return `cannot ${action}: "${key}" is ${value.length} characters; at most ${MAX_PAYLOAD_FIELD}`;
    }
    if (this.checkpointAnywhere) {
      // Other keys are ignored, but an accepted update's payload is stored in history whole.
      const size = raw === undefined || raw === null ? 0 : JSON.stringify(raw).length;
      if (size > MAX_PAYLOAD) return `cannot ${action}: the payload is ${size} characters; at most ${MAX_PAYLOAD}`;
    }
    if (finalPhases.includes(this.phase)) return `cannot ${action}: release has ended (${this.phase})`;
    if (this.phase === 'repairing') return `cannot ${action}: this is a repair run; it ends by itself`;
    switch (action) {
      case 'pause':
        if (this.paused) return 'cannot pause: release is already paused';
        if (this.phase === 'rolling-back' || this.phase === 'decommissioning')
          return `cannot pause: release is ${this.phase}`;
        return null;
      case 'resume':
        return this.paused ? null : 'cannot resume: release is not paused';
      case 'abort':
        if (!p.reason || !String(p.reason).trim())
          return 'cannot abort: a reason is required, e.g. {"reason": "error budget burning"}';
        if (ABORTABLE_UNTIL.includes(this.phase))
          return `cannot abort: release is ${this.phase}${this.phase === 'decommissioning' ? ' (the old color is being torn down; release again to go back)' : ''}`;
        return null;
      case 'approve':
        return this.tracker.status.pendingApproval ? null : 'cannot approve: no approval is pending';
      case 'promote':
        if (this.promoteRequested) return 'cannot promote: promotion already requested';
        if (!PROMOTABLE.includes(this.phase)) return `cannot promote: release is ${this.phase}`;
        return null;
    }
  }

  private receive(action: OperatorAction, raw: unknown, via: 'signal' | 'update'): ActionOutcome {
    const refusal = this.refusal(action, raw);
    const p = (raw && typeof raw === 'object' ? raw : {}) as Payload;
    const givenBy = typeof p.by === 'string' && p.by && p.by.length <= MAX_PAYLOAD_FIELD ? p.by : undefined;
    const by = givenBy ?? (via === 'signal' ? 'signal (no sender given)' : undefined);
    if (refusal) {
      this.tracker.event('rejected', refusal, by);
      return { accepted: false, message: refusal };
    }
    const reason = typeof p.reason === 'string' ? p.reason : undefined;
    let message: string;
    switch (action) {
      case 'pause':
        this.paused = true;
        this.tracker.status.paused = true;
        this.tracker.status.pauseReason = reason;
        message = `paused${reason ? `: ${reason}` : ''}; ${this.pausedWeights()}`;
        break;
      case 'resume':
        this.paused = false;
        this.tracker.status.paused = false;
        this.tracker.status.pauseReason = undefined;
        message = 'resumed';
        this.onResume();
        break;
      case 'abort':
        // Abort overrides a pause: the rollback runs now, and the ended release is not "paused".
        this.paused = false;
        this.tracker.status.paused = false;
        this.tracker.status.pauseReason = undefined;
        this.abortReason = `aborted by ${by ?? 'operator'}: ${reason}`;
        message = `abort requested: ${reason}; rolling back`;
        this.onAbort();
        break;
      case 'approve':
        this.approved.add(this.tracker.status.pendingApproval!);
        message = `approved ${this.tracker.status.pendingApproval}${typeof p.note === 'string' && p.note ? `: ${p.note}` : ''}`;
        break;
      case 'promote':
        this.promoteRequested = true;
        // A frozen release is unfrozen by promote itself; a paused one waits for resume.
        message =
          this.paused && this.phase !== 'frozen'
            ? 'promote requested: the new color goes to 100% as soon as the release is resumed'
            : 'promote requested: the new color goes to 100% now';
        break;
    }
    this.tracker.event(action, message, by);
    return { accepted: true, message };
  }

  /** Pauses on the release's own account (an inconclusive analysis), as a `pause` would. */
  pauseFor(reason: string, by: string): void {
    if (!this.paused) {
      this.paused = true;
      this.tracker.status.paused = true;
      this.tracker.status.pauseReason = reason;
    }
    this.tracker.event('pause', `paused: ${reason}; ${this.pausedWeights()}`, by);
  }

  /** Where the weights stay while paused; a shift already sent lands first. */
  private pausedWeights(): string {
    const w = this.tracker.status.weights;
    const f = this.shiftInFlight;
    if (f && (f.blue !== w.blue || f.green !== w.green))
      return `the shift already sent (blue ${f.blue}% / green ${f.green}%) completes, then the weights stay there until resume`;
    return `weights stay at blue ${w.blue}% / green ${w.green}%`;
  }

  /** What a run continued as new must remember (the rest is in the status it carries). */
  snapshot(): OperatorState {
    const state: OperatorState = {
      paused: this.paused,
      promoteRequested: this.promoteRequested,
      approved: [...this.approved],
    };
    if (this.frozen) state.frozen = this.frozen;
    if (this.approval) state.approval = this.approval;
    return state;
  }

  restore(state: OperatorState | undefined): void {
    if (!state) return;
    this.paused = state.paused;
    this.promoteRequested = state.promoteRequested;
    for (const gate of state.approved) this.approved.add(gate);
    this.frozen = state.frozen;
    this.approval = state.approval;
  }

  /** Whether the release is frozen where a previous run left it (a checkpoint taken while frozen). */
  get frozenAtCheckpoint(): boolean {
    return this.frozen !== undefined;
  }

  /** Resolves once the release is not paused: pause freezes weights, so every shift waits here. */
  async unpaused(): Promise<void> {
    if (!this.paused) return;
    this.tracker.next('paused: waiting for resume');
    await condition(() => !this.paused || this.checkpointDue);
    if (this.paused) await this.checkpoint();
  }

  /**
   * Waits `ms` of unpaused time. Used only by the analysis loop of releases started before
   * workflows/analysis.ts (analysis-legacy.ts), whose recorded timers must replay unchanged. Returns early on a promote (when allowed) or when `breached`
   * turns true. Abort cancels the surrounding scope, so it surfaces as a CancelledFailure.
   */
  async hold(ms: number, nextAction: string, breached: () => boolean, allowPromote: boolean): Promise<HoldOutcome> {
    let remaining = ms;
    const interrupt = () => breached() || (allowPromote && this.promoteRequested);
    while (remaining > 0) {
      if (breached()) return 'breach';
      if (allowPromote && this.promoteRequested) return 'promoted';
      if (this.paused) {
        this.tracker.next(`paused with ${formatDuration(remaining)} left: ${nextAction} after resume`);
        await condition(() => !this.paused || breached());
        continue;
      }
      const started = Date.now();
      this.tracker.next(nextAction, started + remaining);
      await condition(() => this.paused || interrupt(), remaining);
      remaining -= Date.now() - started;
    }
    return breached() ? 'breach' : 'elapsed';
  }

  /**
   * Holds the release where it is after a failed check (`onFailure: freeze`): paused, phase
   * `frozen`, weights untouched. Returns on `resume` or `promote`; `abort` cancels the release.
   */
  async freeze(reason: string): Promise<void> {
    this.frozen = { reason, previousPhase: this.phase };
    const { blue, green } = this.tracker.status.weights;
    this.paused = true;
    this.tracker.status.paused = true;
    this.tracker.status.pauseReason = `frozen: ${reason}`;
    this.tracker.phase(
      'frozen',
      `frozen at blue ${blue}% / green ${green}% instead of rolling back (onFailure: freeze): ${reason}`,
    );
    await this.stayFrozen();
  }

  /** The wait of a frozen release; a run continued from a checkpoint taken while frozen starts here. */
  async stayFrozen(): Promise<void> {
    this.tracker.next('frozen: resume checks this step again, promote goes to 100%, abort rolls back');
    await condition(() => !this.paused || this.promoteRequested || this.checkpointDue);
    if (this.paused && !this.promoteRequested) await this.checkpoint();
    const { previousPhase } = this.frozen!;
    this.frozen = undefined;
    this.paused = false;
    this.tracker.status.paused = false;
    this.tracker.status.pauseReason = undefined;
    this.tracker.phase(previousPhase, this.promoteRequested ? 'unfrozen by promote' : 'unfrozen by resume');
  }

  /** A durable approval gate: a timer and a condition, no polling. */
  async awaitApproval(gate: Gate, timeoutMs: number, onTimeout: 'rollback' | 'proceed'): Promise<void> {
    // A run continued from a checkpoint taken during this wait goes on with the time it had left.
    const continued = this.approval?.gate === gate ? this.approval : undefined;
    this.approval = undefined;
    const previousPhase = continued?.previousPhase ?? this.phase;
    const waitMs = continued ? Math.max(1, continued.leftMs) : timeoutMs;
    if (!continued) {
      this.tracker.status.pendingApproval = gate;
      this.tracker.phase(
        'awaiting-approval',
        `waiting for approve (${gate}); times out in ${formatDuration(timeoutMs)} and then will ${onTimeout}`,
      );
    }
    const deadline = Date.now() + waitMs;
    this.tracker.next(`${onTimeout} if nobody approves`, deadline);
    let approved: boolean;
    let checkpointing = false;
    try {
      approved = await condition(() => this.approved.has(gate) || this.checkpointDue, waitMs);
      if (approved && !this.approved.has(gate)) {
        checkpointing = true;
        this.approval = { gate, leftMs: deadline - Date.now(), previousPhase };
        await this.checkpoint();
      }
    } finally {
      // Also on abort (a cancelled wait): an ended release must not still say "approve ...".
      if (!checkpointing) this.tracker.status.pendingApproval = undefined;
    }
    if (!approved) {
      if (onTimeout === 'rollback')
        throw new RollbackReason(`approval ${gate} timed out after ${formatDuration(timeoutMs)}`);
      this.tracker.event(
        'approval-timeout',
        `approval ${gate} timed out after ${formatDuration(timeoutMs)}; proceeding (approval.onTimeout: proceed)`,
      );
    }
    this.tracker.phase(previousPhase, `approval gate ${gate} passed`);
  }
}
