// Analysis during a hold: while a step holds or the old color is kept warm, every metric is
// measured each `every` and judged. Failed and inconclusive measurements are counted per metric:
// one more failure than `failureLimit` rolls the release back; one more inconclusive than
// `inconclusiveLimit` applies `onInconclusive` (pause, rollback, ignore).
//
// History stays bounded (docs/architecture.md): the rounds run inside one `watchAnalysis`
// activity per window, which returns only when a round is not passed or the window is over
// (at most REPORT_EVERY_MS, never past the hold's end). Passing rounds cost no history at all. When
// the run's history grows past its budget, the hold ends with 'continue' and the release continues
// as new from a checkpoint (workflows/checkpoint.ts).
import { CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import type { Activities, WatchReport } from '../contract/activities';
import { formatDuration, parseDuration } from './duration';
import { describeError } from './errors';
import { HISTORY_BUDGET } from './history-budget';
import type { MetricStatus } from './messages';
import { prometheusDuration, type Measurement, type TemplateVars } from './metrics';
import { formatMetricValue } from './metrics-format';
import { RollbackReason, type OperatorControl } from './operator';
import type { AnalysisSpec, Color, ResolvedSpec } from './spec';
import type { ReleaseTracker } from './tracker';
import { trafficTarget } from './target';
import { shareSourceOf, type ShareSource } from './observed-share';

/** A window reports at least this often, so status and the Web UI show recent values. */
export const REPORT_EVERY_MS = 15 * 60_000;
export { HISTORY_BUDGET } from './history-budget';

export interface HoldResult {
  /** `continue`: the run's history is full; continue as new with `remainingMs` of the hold left. */
  outcome: 'elapsed' | 'promoted' | 'continue';
  remainingMs: number;
}

/** What a continued run must remember about analysis beyond the status table. */
export interface AnalysisState {
  pausedByAnalysis: boolean;
}

interface Clock {
  remaining: number;
  /** When the hold ends if nothing pauses it (workflow time); undefined while paused. */
  endsAt?: number;
  /** The hold's time is up: no new windows unless the release is paused. */
  timeUp: boolean;
  over: boolean;
}

export class AnalysisLoop {
  private readonly everyMs: number;
  private readonly analysis: AnalysisSpec;
  /** Latest measurement and counters per metric, in the order they were first seen. */
  private readonly metrics = new Map<string, MetricStatus>();
  private breach: string | null = null;
  private checkpointDue = false;
  private window: { endsAt: number; cancel: () => void } | undefined;
  pausedByAnalysis: boolean;
  private readonly shareSource: ShareSource | null;

  constructor(
    private readonly watch: Activities['watchAnalysis'],
    private readonly spec: ResolvedSpec,
    private readonly colors: { newColor: Color; liveColor: Color | null; endpoint: string; specDir?: string },
    private readonly tracker: ReleaseTracker,
    private readonly operator: OperatorControl,
    restored?: AnalysisState,
  ) {
    this.analysis = spec.traffic.analysis;
    this.everyMs = parseDuration(this.analysis.every);
    this.shareSource = shareSourceOf(spec);
    this.pausedByAnalysis = restored?.pausedByAnalysis ?? false;
    for (const m of tracker.status.analysis?.metrics ?? []) this.metrics.set(m.name, m);
    operator.onResume = () => this.resumed();
  }

  state(): AnalysisState {
    return { pausedByAnalysis: this.pausedByAnalysis };
  }

  /**
   * Holds for `ms` of unpaused time while analysis runs. Returns early on a promote (when allowed)
   * or when the run should continue as new; throws RollbackReason on a breach — including one
   * found by the round that was running when the time ran out. Abort cancels the surrounding
   * scope, so it surfaces as a CancelledFailure.
   */
  async hold(
    stage: string,
    ms: number,
    nextAction: string,
    at: { step: number; percent: number },
    allowPromote: boolean,
  ): Promise<HoldResult> {
    if (ms <= 0) return { outcome: 'elapsed', remainingMs: 0 };
    const { operator, tracker } = this;
    // The first window must already know when the hold ends, or it would outlast the hold.
    const clock: Clock = {
      remaining: ms,
      endsAt: operator.paused ? undefined : Date.now() + ms,
      timeUp: false,
      over: false,
    };
    this.breach = null;
    this.checkpointDue = false;
    const promoted = () => allowPromote && operator.promoteRequested;
    // A signal or update that grew the history past its budget interrupts the hold just as a report does.
    const checkpointDue = () => this.checkpointDue || operator.checkpointDue;
    const interrupted = () => this.breach !== null || checkpointDue() || promoted();
    const watching = this.watchWindows(clock, at);
    try {
      for (;;) {
        if (this.breach !== null) throw new RollbackReason(`analysis breach during ${stage}: ${this.breach}`);
        if (checkpointDue()) return { outcome: 'continue', remainingMs: clock.remaining };
        if (promoted()) return { outcome: 'promoted', remainingMs: clock.remaining };
        if (operator.paused) {
          clock.endsAt = undefined;
          tracker.next(
            clock.remaining > 0
              ? `paused with ${formatDuration(clock.remaining)} left: ${nextAction} after resume`
              : `paused: ${nextAction} after resume`,
          );
          await condition(() => !operator.paused || interrupted());
          continue;
        }
        if (clock.remaining <= 0) {
          // Time is up. The round in flight still counts: wait for its report, unless its window
          // reaches well past now (the hold was paused meanwhile), which is cut short instead.
          clock.timeUp = true;
          if (this.window && this.window.endsAt > Date.now() + this.everyMs) this.window.cancel();
          await condition(() => this.window === undefined || interrupted() || operator.paused);
          if (this.window === undefined && !interrupted() && !operator.paused)
            return { outcome: 'elapsed', remainingMs: 0 };
          continue;
        }
        const started = Date.now();
        clock.endsAt = started + clock.remaining;
        tracker.next(nextAction, clock.endsAt);
        await condition(() => operator.paused || interrupted(), clock.remaining);
        clock.remaining = Math.max(0, clock.remaining - (Date.now() - started));
      }
    } finally {
      clock.over = true;
      this.window?.cancel();
      await watching;
    }
  }

  /** Starts window after window until the hold is over; each report is recorded and judged. */
  private async watchWindows(clock: Clock, at: { step: number; percent: number }): Promise<void> {
    let nextRoundAt = Date.now();
    for (;;) {
      const stop = () => clock.over || (clock.timeUp && !this.operator.paused);
      // While paused (or paused after the time ran out) the hold has no end to align to.
      const bounded = () => clock.endsAt !== undefined && !clock.timeUp && !this.operator.paused;
      // The next round would start (almost) when the hold ends: the previous one was its last.
      const noRoundLeft = () => bounded() && clock.endsAt! - nextRoundAt < Math.min(1000, this.everyMs / 2);
      if (noRoundLeft()) {
        await condition(() => stop() || !noRoundLeft());
        if (stop()) return;
        continue;
      }
      const wait = nextRoundAt - Date.now();
      if (wait > 0) await condition(() => stop() || noRoundLeft(), wait);
      if (stop()) return;
      if (noRoundLeft()) continue;
      const started = Date.now();
      const untilEnd = bounded() ? clock.endsAt! - started : REPORT_EVERY_MS;
      const windowMs = Math.min(REPORT_EVERY_MS, untilEnd);
      const scope = new CancellationScope();
      this.window = { endsAt: started + windowMs, cancel: () => scope.cancel() };
      let report: WatchReport | undefined;
      try {
        report = await scope.run(() =>
          this.watch({
            analysis: this.analysis,
            endpoint: this.colors.endpoint,
            vars: this.vars(at),
            // Only specs with a command metric need it: other requests stay as they were.
            ...(this.colors.specDir !== undefined && this.analysis.metrics.some((m) => m.command)
              ? { specDir: this.colors.specDir }
              : {}),
            everyMs: this.everyMs,
            windowMs,
            // Only releases with a share source send one: other requests stay as they were.
            ...(this.shareSource ? { observe: this.shareSource } : {}),
          }),
        );
      } catch (err) {
        if (!isCancellation(err)) this.breach ??= `analysis could not run: ${describeError(err)}`;
      } finally {
        this.window = undefined;
      }
      if (!report) {
        if (this.breach !== null || clock.over) return;
        nextRoundAt = Date.now() + this.everyMs;
        continue;
      }
      this.record(report);
      nextRoundAt = started + report.rounds * this.everyMs;
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > HISTORY_BUDGET) this.checkpointDue = true;
      if (this.breach !== null) return;
    }
  }

  /** Counts and records one round; decides what an exceeded limit means. */
  private record(report: WatchReport): void {
    const a = this.analysis;
    if (report.observedShare) this.tracker.observedShare(report.observedShare);
    for (const m of report.measurements) {
      const before = this.metrics.get(m.name);
      const failures = (before?.failures ?? 0) + (m.verdict === 'failed' ? 1 : 0);
      const inconclusive = (before?.inconclusive ?? 0) + (m.verdict === 'inconclusive' ? 1 : 0);
      this.metrics.set(m.name, { ...m, at: report.at, failures, inconclusive });
      if (m.verdict === 'failed') {
        this.tracker.event(
          'analysis-failed',
          `${describe(m)} (failed ${failures} time(s); failureLimit ${a.failureLimit})`,
        );
        if (failures > a.failureLimit)
          this.breach ??= `${m.name} failed: ${m.message}${a.failureLimit ? ` (${failures} failed measurements, failureLimit ${a.failureLimit})` : ''}`;
      } else if (m.verdict === 'inconclusive') {
        this.tracker.event(
          'analysis-inconclusive',
          `${describe(m)} (inconclusive ${inconclusive} time(s); inconclusiveLimit ${a.inconclusiveLimit}, onInconclusive ${a.onInconclusive})`,
        );
        if (inconclusive > a.inconclusiveLimit) this.inconclusiveBeyondLimit(m, inconclusive);
      }
    }
    this.tracker.analysis([...this.metrics.values()]);
  }

  private inconclusiveBeyondLimit(m: Measurement, count: number): void {
    const why = `${m.name} inconclusive: ${m.message}${this.analysis.inconclusiveLimit ? ` (${count} inconclusive measurements, inconclusiveLimit ${this.analysis.inconclusiveLimit})` : ''}`;
    // Told once per crossing (notify `inconclusive`), not at every round that stays inconclusive.
    if (count === this.analysis.inconclusiveLimit + 1)
      this.tracker.event('inconclusive', `${why}; onInconclusive: ${this.analysis.onInconclusive}`);
    switch (this.analysis.onInconclusive) {
      case 'rollback':
        this.breach ??= why;
        return;
      case 'pause':
        if (this.pausedByAnalysis) return;
        this.pausedByAnalysis = true;
        this.operator.pauseFor(`${why}; resume accepts it, abort rolls back`, 'analysis');
        return;
      case 'ignore':
        return;
    }
  }

  /** `resume` after an inconclusive pause accepts what was measured, and `resume` of a frozen
   * release (onFailure: freeze) checks the step again from a clean slate: the counters start again. */
  private resumed(): void {
    const frozen = this.tracker.status.phase === 'frozen';
    if (!this.pausedByAnalysis && !frozen) return;
    this.pausedByAnalysis = false;
    for (const [name, m] of this.metrics) this.metrics.set(name, { ...m, failures: 0, inconclusive: 0 });
    this.tracker.analysis([...this.metrics.values()]);
    this.tracker.event(
      'analysis',
      frozen
        ? 'resume of a frozen release: counters reset, the step is judged again'
        : 'resume accepted the inconclusive measurements; counters reset',
    );
  }

  private vars(at: { step: number; percent: number }): TemplateVars {
    return analysisVars(this.spec, this.colors, at);
  }
}

/** The template variables of metrics (and of traffic.observe) while the new color holds at `at`. */
export function analysisVars(
  spec: ResolvedSpec,
  colors: { newColor: Color; liveColor: Color | null },
  at: { step: number; percent: number },
): TemplateVars {
  return {
    service: spec.service,
    version: spec.version,
    color: colors.newColor,
    liveColor: colors.liveColor ?? '',
    record: trafficTarget(spec).name,
    step: String(at.step),
    percent: String(at.percent),
    every: prometheusDuration(parseDuration(spec.traffic.analysis.every)),
  };
}

function describe(m: Measurement): string {
  return `${m.name} = ${formatMetricValue(m.value)} (${m.range}): ${m.message}`;
}
