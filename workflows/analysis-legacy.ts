// The analysis loop of releases started before workflows/analysis.ts existed: one `analyzeColor`
// activity and one timer per round, judged by the probe's two thresholds. Kept, behind
// patched('analysis-watch') in release.ts, only so that releases recorded or still running with it
// replay unchanged; new releases never take this path. Delete with deprecatePatch once none remain.
import { condition, isCancellation } from '@temporalio/workflow';
import { parseDuration } from './duration';
import type { AnalysisState, HoldResult } from './analysis';
import { describeError } from './errors';
import { judgeReading } from './metrics';
import type { OperatorControl } from './operator';
import { RollbackReason } from './operator';
import type { AnalysisSpec, ResolvedSpec } from './spec';
import type { ReleaseTracker } from './tracker';
import type { Activities, AnalysisMeasurement } from '../contract/activities';
export type { AnalysisMeasurement };

/** null when the round passes; otherwise the breach, worded for the operator. */
export function judgeAnalysis(m: AnalysisMeasurement, analysis: AnalysisSpec): string | null {
  const problems: string[] = [];
  if (m.errorRate > analysis.maxErrorRate) {
    problems.push(
      `error rate ${(m.errorRate * 100).toFixed(1)}% > ${(analysis.maxErrorRate * 100).toFixed(1)}% (${m.errors}/${m.requests}${m.lastError ? `, last: ${m.lastError}` : ''})`,
    );
  }
  if (m.p95Ms > analysis.maxLatencyMs) problems.push(`p95 latency ${m.p95Ms}ms > ${analysis.maxLatencyMs}ms`);
  return problems.length ? problems.join('; ') : null;
}

type Probe = Pick<Activities, 'analyzeColor'>;

export function legacyAnalysisWatcher(
  probe: Probe,
  tracker: ReleaseTracker,
  operator: OperatorControl,
  s: ResolvedSpec,
  endpoint: string,
) {
  const everyMs = parseDuration(s.traffic.analysis.every);
  const judge = async (stage: string, ms: number, nextAction: string, allowPromote: boolean) => {
    if (ms <= 0) return 'elapsed' as const;
    let done = false;
    let breach: string | null = null;
    const rounds = (async () => {
      while (!done && breach === null) {
        try {
          const m = await probe.analyzeColor(endpoint, s.traffic.analysis);
          showInStatus(tracker, m, s.traffic.analysis);
          breach = judgeAnalysis(m, s.traffic.analysis);
        } catch (err) {
          if (isCancellation(err)) return;
          breach = `analysis could not run: ${describeError(err)}`;
        }
        if (breach === null) await condition(() => done, everyMs);
      }
    })();
    let outcome;
    try {
      outcome = await operator.hold(ms, nextAction, () => breach !== null, allowPromote);
    } finally {
      done = true;
      await rounds.catch(() => undefined);
    }
    // A breach found by the round that was still running when the hold ended counts too.
    if (outcome === 'breach' || breach !== null) throw new RollbackReason(`analysis breach during ${stage}: ${breach}`);
    return outcome;
  };
  // The same face as AnalysisLoop; these releases never continue as new.
  return {
    hold: async (
      stage: string,
      ms: number,
      nextAction: string,
      _at: unknown,
      allowPromote: boolean,
    ): Promise<HoldResult> => ({ outcome: await judge(stage, ms, nextAction, allowPromote), remainingMs: 0 }),
    state: (): AnalysisState => ({ pausedByAnalysis: false }),
  };
}

function showInStatus(tracker: ReleaseTracker, m: AnalysisMeasurement, a: AnalysisSpec): void {
  const at = new Date().toISOString();
  const counters = { at, failures: 0, inconclusive: 0 };
  const detail = `${m.errors}/${m.requests} requests failed${m.lastError ? `, last: ${m.lastError}` : ''}`;
  tracker.analysis([
    { ...judgeReading({ name: 'probe.error-rate', value: m.errorRate, detail }, { max: a.maxErrorRate }), ...counters },
    { ...judgeReading({ name: 'probe.p95-ms', value: m.p95Ms }, { max: a.maxLatencyMs }), ...counters },
  ]);
}
