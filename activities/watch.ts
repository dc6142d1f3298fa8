// One analysis window: rounds of every metric, `everyMs` apart, inside one activity. A passing
// round costs the workflow nothing; the activity returns (one history entry for many rounds) when
// a round is not passed — the workflow must count and record it — or when the window is over.
// The workflow keeps windows to at most a quarter of an hour so status stays current, and never
// past the end of the hold, so the last round of a hold is judged like any other.
// Heartbeats: each round's report, and between rounds (however long `every` is) the keep-alive
// around this activity (activities/index.ts) repeats it every 5 s, well inside the 20 s heartbeat
// timeout that lets a lost worker be noticed quickly during holds (workflows/activity-options.ts).
import type { AnalysisRequest, Measurement } from '../contract/metrics';
import type { ObservedShare } from '../contract/observed-share';
import type { WatchRequest, WatchReport } from '../contract/activities';
export type { WatchRequest, WatchReport };

export interface WatchContext {
  round: (req: AnalysisRequest) => Promise<Measurement[]>;
  /** Resolves after `ms`, or early (rejecting) when the activity is cancelled. */
  sleep: (ms: number) => Promise<void>;
  heartbeat: (details: unknown) => void;
  cancelled: () => boolean;
  /** Reads the observed share; null until there is something to say (a counter needs two reads). */
  observeShare?: () => Promise<ObservedShare | null>;
}

export async function watchAnalysis(req: WatchRequest, ctx: WatchContext): Promise<WatchReport> {
  const started = Date.now();
  const windowEnds = started + req.windowMs;
  let rounds = 0;
  let observedShare: ObservedShare | undefined;
  for (;;) {
    const at = new Date().toISOString();
    // The share comes first so that this round's metrics can use it as {{observedShare}}.
    if (ctx.observeShare) observedShare = (await ctx.observeShare().catch(() => null)) ?? observedShare; // unreadable: keep the last
    const color = req.vars.color as 'blue' | 'green';
    const vars = { ...req.vars, observedShare: observedShare ? String(observedShare[color]) : '' };
    const measurements = await ctx.round({ ...req, vars });
    rounds++;
    const report: WatchReport = { rounds, at, measurements, ...(observedShare ? { observedShare } : {}) };
    // The latest round rides on the heartbeat: the Web UI shows it under pending activities.
    ctx.heartbeat(report);
    if (measurements.some((m) => m.verdict !== 'passed') || ctx.cancelled()) return report;
    const nextRound = started + rounds * req.everyMs;
    try {
      await ctx.sleep(Math.min(nextRound, windowEnds) - Date.now());
    } catch {
      return report; // cancelled: the hold is over; what was measured still counts
    }
    if (nextRound >= windowEnds) return report;
  }
}
