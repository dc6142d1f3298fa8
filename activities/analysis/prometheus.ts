// Prometheus through its HTTP API: one instant query (/api/v1/query) that must come back as one
// number, either a scalar or an instant vector with exactly one series.
import { parseDuration } from '../../contract/duration';
import type { MetricReading } from '../../contract/metrics';
import type { MetricSpec } from '../../contract/spec';
import { DEFAULT_QUERY_TIMEOUT_MS, excerpt, fillTemplate, httpWithRetries, type MetricProvider } from './provider';

export type PrometheusConfig = NonNullable<MetricSpec['prometheus']>;

interface QueryAnswer {
  status?: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: {
    resultType?: 'vector' | 'scalar' | 'matrix' | 'string';
    result?: unknown;
  };
}

type Sample = [number, string];

function labelsOf(metric: Record<string, string> | undefined): string {
  const entries = Object.entries(metric ?? {});
  return `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`;
}

/** Turns Prometheus' string sample into a reading; NaN and ±Inf are no usable number. */
function fromSample(name: string, sample: Sample): MetricReading {
  const value = Number(sample[1]);
  if (!Number.isFinite(value)) {
    return { name, value: null, problem: `query returned ${sample[1]} (a division by zero with no traffic?)` };
  }
  return { name, value };
}

export const prometheusProvider: MetricProvider<PrometheusConfig> = {
  async read(name, config, ctx) {
    const query = fillTemplate(config.query, ctx.vars);
    const url = `${config.address.replace(/\/+$/, '')}/api/v1/query?${new URLSearchParams({ query })}`;
    const headers = { accept: 'application/json', ...ctx.resolveHeaders(config.headers, `${name}.prometheus.headers`) };
    const timeoutMs = config.timeout ? parseDuration(config.timeout) : DEFAULT_QUERY_TIMEOUT_MS;
    // Unreachable is a reading too (inconclusive), in the words httpWithRetries chose.
    const answer = await httpWithRetries(url, { headers }, timeoutMs, ctx.signal).catch((err: Error) => ({
      unreachable: err.message,
    }));
    if ('unreachable' in answer) return { name, value: null, problem: answer.unreachable };
    let body: QueryAnswer;
    try {
      body = JSON.parse(answer.text) as QueryAnswer;
    } catch {
      return {
        name,
        value: null,
        problem: `Prometheus answered HTTP ${answer.status} without JSON: ${excerpt(answer.text)}`,
      };
    }
    if (body.status !== 'success') {
      return {
        name,
        value: null,
        problem: `Prometheus answered HTTP ${answer.status}: ${body.errorType ?? 'error'}: ${body.error ?? excerpt(answer.text)}`,
      };
    }
    const { resultType, result } = body.data ?? {};
    if (resultType === 'scalar') return fromSample(name, result as Sample);
    if (resultType !== 'vector') {
      return {
        name,
        value: null,
        problem: `query returned a ${resultType ?? 'missing'} result; write an instant query that gives one number`,
      };
    }
    const series = (result ?? []) as { metric?: Record<string, string>; value: Sample }[];
    if (series.length === 0) return { name, value: null, problem: 'empty result: the query matched no series' };
    if (series.length > 1) {
      const shown = series
        .slice(0, 3)
        .map((s) => labelsOf(s.metric))
        .join(', ');
      return {
        name,
        value: null,
        problem: `${series.length} series where one number is expected (${shown}${series.length > 3 ? ', …' : ''}); aggregate with sum() or similar`,
      };
    }
    return fromSample(name, series[0].value);
  },
};
