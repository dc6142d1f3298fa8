// What one measurement of one metric is, shared by the metric providers (activities, which
// read values) and the analysis loop (workflow, which judges them and keeps the counters).
// Pure and dependency-free: safe in workflow code.

export const verdicts = ['passed', 'failed', 'inconclusive'] as const;
export type Verdict = (typeof verdicts)[number];

/** Template variables for queries, URLs, bodies and dimensions: `{{service}}`, `{{color}}`, ... */
export interface TemplateVars {
  service: string;
  version: string;
  /** The color being judged (the new one during a release). */
  color: string;
  /** The color that served before this release ('' on a first release). */
  liveColor: string;
  record: string;
  /** 1-based step index; 0 during the warm period's rounds is never used: it keeps the last step. */
  step: string;
  /** Percent of traffic on the judged color. */
  percent: string;
  /** `traffic.analysis.every` as a Prometheus duration, e.g. "30s", "1m". */
  every: string;
  /** The judged color's observed traffic share (0–1) at this round; '' when nothing is observed. Set by the activity. */
  observedShare?: string;
}

/**
 * What a provider read for one metric. `value: null` means nothing usable was read (empty result,
 * NaN, several series where one number is expected, the provider unreachable or answering an
 * error after its retries): that is an inconclusive measurement, and `problem` says why.
 * A provider may also decide the verdict itself (`cloudwatchAlarms`: ALARM fails,
 * INSUFFICIENT_DATA is inconclusive) by setting `verdict`.
 */
export interface MetricReading {
  name: string;
  value: number | null;
  problem?: string;
  verdict?: Verdict;
  /** Extra words for people, e.g. "12/20 requests failed, last: HTTP 500". */
  detail?: string;
}

/** A judged reading: what status, events, `bluegreen analyze` and the Web UI show. */
export interface Measurement {
  name: string;
  value: number | null;
  verdict: Verdict;
  /** "0.031 > max 0.01", "empty result", "alarm shop-5xx is in ALARM". */
  message: string;
  /** The accepted range, for display: "≤ 0.01", "0.9 – 1", "any". */
  range: string;
}

export interface Bounds {
  min?: number;
  max?: number;
}

export function describeRange({ min, max }: Bounds): string {
  if (min !== undefined && max !== undefined) return `${min} – ${max}`;
  if (max !== undefined) return `≤ ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  return 'any';
}

/** Judges one reading against its bounds. Deterministic: the workflow and the CLI share it. */
export function judgeReading(reading: MetricReading, bounds: Bounds): Measurement {
  const range = describeRange(bounds);
  const base = { name: reading.name, value: reading.value, range };
  const detail = reading.detail ? ` (${reading.detail})` : '';
  if (reading.value === null || Number.isNaN(reading.value)) {
    return { ...base, value: null, verdict: 'inconclusive', message: `${reading.problem ?? 'no value'}${detail}` };
  }
  if (reading.verdict) {
    return { ...base, verdict: reading.verdict, message: `${reading.problem ?? String(reading.value)}${detail}` };
  }
  const v = reading.value;
  if (bounds.max !== undefined && v > bounds.max) {
    return { ...base, verdict: 'failed', message: `${v} > max ${bounds.max}${detail}` };
  }
  if (bounds.min !== undefined && v < bounds.min) {
    return { ...base, verdict: 'failed', message: `${v} < min ${bounds.min}${detail}` };
  }
  return { ...base, verdict: 'passed', message: `${v} within ${range}${detail}` };
}

/** What one analysis round needs: the spec's analysis block, the judged color's endpoint (for
 * the built-in probe) and the template variables of this moment of the release. */
export interface AnalysisRequest {
  analysis: import('./spec').AnalysisSpec;
  endpoint: string;
  vars: TemplateVars;
  /** The spec's folder, where `command` metrics run; absent in requests from before it was sent. */
  specDir?: string;
}

/** A spec duration ("30s", "1.5m", "250ms") as a Prometheus duration ("30s", "90s", "250ms"). */
export function prometheusDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}
