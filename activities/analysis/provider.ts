// A metric provider reads one number for the color being judged; the shared judge
// (workflows/metrics.ts) turns it into a verdict. Providers never throw for a bad answer or an
// unreachable server: that is a reading with `value: null` and a `problem`, i.e. inconclusive.
import type { MetricReading, TemplateVars } from '../../workflows/metrics';

export interface MetricContext {
  vars: TemplateVars;
  /** Resolves `${env:NAME}` references inside the activity; never returns to the workflow. */
  resolveEnv: (value: string) => string;
  signal?: AbortSignal;
}

export interface MetricProvider<Config> {
  /** Reads the metric once. `name` is the spec's metric name. */
  read(name: string, config: Config, context: MetricContext): Promise<MetricReading>;
}

/** Replaces `{{service}}`, `{{color}}`, ... with this moment's values; unknown names stay as they are. */
export function fillTemplate(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    key in vars ? vars[key as keyof TemplateVars] : whole,
  );
}
