// One analysis round: every metric of the spec measured once and judged. The probe comes first
// when it is on; each provider of traffic.analysis.metrics is one file in this folder.
import { judgeReading, type AnalysisRequest, type Measurement } from '../../workflows/metrics';
import { readProbe } from './probe';

export async function analyzeRound(req: AnalysisRequest): Promise<Measurement[]> {
  const out: Measurement[] = [];
  if (req.analysis.probe) {
    for (const { reading, bounds } of await readProbe(req.endpoint, req.analysis))
      out.push(judgeReading(reading, bounds));
  }
  for (const metric of req.analysis.metrics) {
    // Providers arrive in their own files; until then a configured metric cannot be read.
    out.push(
      judgeReading(
        { name: metric.name, value: null, problem: 'this metric provider is not implemented yet' },
        { min: metric.min, max: metric.max },
      ),
    );
  }
  return out;
}
