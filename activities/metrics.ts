// bluegreen's own Prometheus counters. The worker serves them next to the Temporal SDK's runtime
// metrics (worker/observability.ts). Activities count what they do; workflows report outcomes
// and phases through a sink (workflows/observe.ts), which the SDK never calls during replay, so
// nothing is counted twice when a workflow is replayed on another worker.
import { Counter, Registry } from 'prom-client';
import type { Verdict } from '../contract/metrics';

export const registry = new Registry();

const route53Calls = new Counter({
  name: 'bluegreen_route53_calls_total',
  help: 'Route 53 API requests made by this worker, by action and outcome (ok, throttled, error).',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

const route53Throttles = new Counter({
  name: 'bluegreen_route53_throttles_total',
  help: 'Route 53 requests answered with throttling (Throttling, PriorRequestNotComplete), retried with backoff.',
  labelNames: ['action'] as const,
  registers: [registry],
});

const releases = new Counter({
  name: 'bluegreen_releases_total',
  help: 'Releases that ended on this worker, by outcome (completed, rolled-back, failed).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

const phases = new Counter({
  name: 'bluegreen_release_phases_total',
  help: 'Phase changes of releases run by this worker, by phase.',
  labelNames: ['phase'] as const,
  registers: [registry],
});

const verdicts = new Counter({
  name: 'bluegreen_analysis_verdicts_total',
  help: 'Analysis measurements judged by this worker, by metric and verdict (passed, failed, inconclusive).',
  labelNames: ['metric', 'verdict'] as const,
  registers: [registry],
});

export function countRoute53Call(action: string, outcome: 'ok' | 'throttled' | 'error'): void {
  route53Calls.inc({ action, outcome });
  if (outcome === 'throttled') route53Throttles.inc({ action });
}

export function countReleaseOutcome(outcome: string): void {
  releases.inc({ outcome });
}

export function countPhase(phase: string): void {
  phases.inc({ phase });
}

/** The hook for analysis: call once per judged measurement. */
export function countVerdict(metric: string, verdict: Verdict): void {
  verdicts.inc({ metric, verdict });
}
