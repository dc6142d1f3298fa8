// One analysis round: every metric of the spec measured once and judged. All metrics are read at
// the same time; the probe comes first in the output when it is on. Each provider of
// traffic.analysis.metrics is one file in this folder and one entry in `providers` below.
import { judgeReading, type AnalysisRequest, type Measurement, type MetricReading } from '../../contract/metrics';
import type { MetricProviderName, MetricSpec } from '../../contract/spec';
import { cloudWatchProvider } from './cloudwatch';
import { commandProvider } from './command';
import { cloudWatchAlarmsProvider } from './cloudwatch-alarms';
import { prometheusProvider } from './prometheus';
import { readProbe } from './probe';
import { createMetricContext, type MetricContext, type MetricProvider } from './provider';
import { webProvider } from './web';

const providers: { [P in MetricProviderName]: MetricProvider<NonNullable<MetricSpec[P]>> } = {
  prometheus: prometheusProvider,
  cloudwatch: cloudWatchProvider,
  cloudwatchAlarms: cloudWatchAlarmsProvider,
  web: webProvider,
  command: commandProvider,
};

/** The implementation of a provider (contract tests call it directly). */
export function metricProvider<P extends MetricProviderName>(name: P): MetricProvider<NonNullable<MetricSpec[P]>> {
  return providers[name];
}

/** The provider a metric names (the schema guarantees exactly one). */
export function providerOf(metric: MetricSpec): MetricProviderName {
  const name = (Object.keys(providers) as MetricProviderName[]).find((p) => metric[p] !== undefined);
  if (!name) throw new Error(`metric ${metric.name} names no provider`);
  return name;
}

/** Reads one metric; never throws: anything unexpected is an inconclusive reading, secrets redacted. */
export async function readMetric(metric: MetricSpec, ctx: MetricContext): Promise<MetricReading> {
  try {
    const p = providerOf(metric);
    const provider = providers[p] as MetricProvider<unknown>;
    const reading = await provider.read(metric.name, metric[p], ctx);
    return {
      ...reading,
      problem: reading.problem === undefined ? undefined : ctx.redact(reading.problem),
      detail: reading.detail === undefined ? undefined : ctx.redact(reading.detail),
    };
  } catch (err) {
    return { name: metric.name, value: null, problem: ctx.redact((err as Error).message ?? String(err)) };
  }
}

export async function analyzeRound(req: AnalysisRequest, signal?: AbortSignal): Promise<Measurement[]> {
  const ctx = { ...createMetricContext(req.vars), signal, endpoint: req.endpoint, specDir: req.specDir };
  const probe = req.analysis.probe
    ? readProbe(req.endpoint, req.analysis).then((rs) => rs.map(({ reading, bounds }) => judgeReading(reading, bounds)))
    : Promise.resolve([]);
  const metrics = req.analysis.metrics.map(async (metric) =>
    judgeReading(await readMetric(metric, ctx), { min: metric.min, max: metric.max }),
  );
  return [...(await probe), ...(await Promise.all(metrics))];
}
