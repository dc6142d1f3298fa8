// The built-in HTTP probe as metric readings: N synthetic requests give an error rate and a p95.
import { measure } from '../probes/http';
import type { Bounds, MetricReading } from '../../contract/metrics';
import type { AnalysisSpec } from '../../contract/spec';

export const PROBE_ERROR_RATE = 'probe.error-rate';
export const PROBE_P95 = 'probe.p95-ms';

export async function readProbe(
  endpoint: string,
  analysis: AnalysisSpec,
): Promise<{ reading: MetricReading; bounds: Bounds }[]> {
  const m = await measure(endpoint, analysis);
  const errors = `${m.errors}/${m.requests} requests failed${m.lastError ? `, last: ${m.lastError}` : ''}`;
  return [
    {
      reading: { name: PROBE_ERROR_RATE, value: m.errorRate, detail: errors },
      bounds: { max: analysis.maxErrorRate },
    },
    { reading: { name: PROBE_P95, value: m.p95Ms }, bounds: { max: analysis.maxLatencyMs } },
  ];
}
