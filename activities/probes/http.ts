// HTTP probes of one color: a health check before it gets traffic, and analysis rounds while
// it does. The probes measure; the workflow judges (thresholds stay visible in the plan).
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../contract/duration';
import type { AnalysisSpec, HttpCheckSpec } from '../../contract/spec';
import type { AnalysisMeasurement } from '../../contract/activities';
import type { HealthResult } from '../../contract/activities';
export type { HealthResult };

async function probe(url: string, timeoutMs: number): Promise<{ status?: number; error?: string; ms: number }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs}ms` : (e.cause?.code ?? e.message);
    return { error: reason, ms: performance.now() - started };
  }
}

export async function checkHealth(
  endpoint: string,
  check: HttpCheckSpec,
  progress: (m: string) => void,
): Promise<HealthResult> {
  const url = endpoint.replace(/\/$/, '') + check.path;
  const timeoutMs = parseDuration(check.timeout);
  const intervalMs = parseDuration(check.interval);
  let last = '';
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    const r = await probe(url, timeoutMs);
    if (r.status === check.expectStatus) return { healthy: true, attempts: attempt, last: `HTTP ${r.status}` };
    last = r.status !== undefined ? `HTTP ${r.status}, expected ${check.expectStatus}` : r.error!;
    progress(`GET ${url}: attempt ${attempt}/${check.attempts}: ${last}`);
    if (attempt < check.attempts) await sleep(intervalMs);
  }
  return { healthy: false, attempts: check.attempts, last };
}

function percentile(sortedValues: number[], p: number): number {
  if (sortedValues.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedValues.length) - 1;
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, rank))];
}

/** One analysis round: `requests` GETs, a few at a time, each bounded by the latency budget. */
export async function measure(endpoint: string, analysis: AnalysisSpec): Promise<AnalysisMeasurement> {
  const url = endpoint.replace(/\/$/, '') + analysis.path;
  // A request slower than 4x the budget is as bad as a failure for the verdict; do not wait longer.
  const timeoutMs = Math.max(1000, analysis.maxLatencyMs * 4);
  const latencies: number[] = [];
  let errors = 0;
  let lastError = '';
  let next = 0;
  const worker = async () => {
    while (next < analysis.requests) {
      next++;
      const r = await probe(url, timeoutMs);
      latencies.push(r.ms);
      const ok = r.status !== undefined && r.status < 400;
      if (!ok) {
        errors++;
        lastError = r.status !== undefined ? `HTTP ${r.status}` : r.error!;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(5, analysis.requests) }, worker));
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    errorRate: errors / latencies.length,
    p95Ms: Math.round(percentile(latencies, 95)),
    lastError: lastError || undefined,
  };
}
