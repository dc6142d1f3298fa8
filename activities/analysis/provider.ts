// A metric provider reads one number for the color being judged; the shared judge
// (contract/metrics.ts) turns it into a verdict. Providers never throw for a bad answer or an
// unreachable server: that is a reading with `value: null` and a `problem`, i.e. inconclusive.
import type { MetricReading, TemplateVars } from '../../contract/metrics';
import { parseDuration } from '../../contract/duration';
import { redactor, referencedSecrets, resolveEnvReferences, type Redact } from '../secrets';

export interface MetricContext {
  vars: TemplateVars & ReadTimeVars;
  /** Resolves `${env:NAME}` references inside the activity; never returns to the workflow. */
  resolveEnv: (value: string) => string;
  /** Resolves `${env:NAME}` in header values; `field` names them in errors ("metrics[vendor].web.headers"). */
  resolveHeaders: (headers: Record<string, string> | undefined, field: string) => Record<string, string>;
  /** Replaces every secret resolved so far with "***": apply to anything a reading says. */
  redact: (text: string) => string;
  signal?: AbortSignal;
  /** The judged color's base URL: `{{endpoint}}` for providers that run commands. */
  endpoint?: string;
  /** The spec's folder: where a command provider's relative `cwd` starts. */
  specDir?: string;
}

export interface MetricProvider<Config> {
  /** Reads the metric once. `name` is the spec's metric name. */
  read(name: string, config: Config, context: MetricContext): Promise<MetricReading>;
}

/**
 * Variables only the activity knows, at the moment of the read: APIs such as Datadog's ask for a
 * time range. `{{now}}` and `{{since}}` (now minus `every`) in Unix seconds, `{{nowMs}}` and
 * `{{sinceMs}}` in milliseconds.
 */
export interface ReadTimeVars {
  now: string;
  since: string;
  nowMs: string;
  sinceMs: string;
}

export function readTimeVars(every: string, nowMs = Date.now()): ReadTimeVars {
  let everyMs = 0;
  try {
    everyMs = parseDuration(every);
  } catch {
    /* an unexpected `every`: the range is empty rather than the read failing */
  }
  const sinceMs = nowMs - everyMs;
  return {
    now: String(Math.floor(nowMs / 1000)),
    since: String(Math.floor(sinceMs / 1000)),
    nowMs: String(nowMs),
    sinceMs: String(sinceMs),
  };
}

/** Replaces `{{service}}`, `{{color}}`, ... with this moment's values; unknown names stay as they are. */
export function fillTemplate(text: string, vars: TemplateVars | (TemplateVars & ReadTimeVars)): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    key in vars ? (vars as unknown as Record<string, string>)[key] : whole,
  );
}

/**
 * A context whose secrets are remembered as they are resolved, so that nothing a provider says
 * (an error body that echoes a header, an exception message) carries one back to the workflow.
 */
export function createMetricContext(vars: TemplateVars, env: NodeJS.ProcessEnv = process.env): MetricContext {
  const secrets = new Set<string>();
  let redact: Redact = (text) => text;
  const remember = (values: Record<string, string> | undefined) => {
    for (const secret of referencedSecrets(values, env)) secrets.add(secret);
    redact = redactor(secrets);
  };
  return {
    vars: { ...vars, ...readTimeVars(vars.every) },
    resolveEnv(value) {
      remember({ value });
      return resolveEnvReferences({ value }, env, 'header').value;
    },
    resolveHeaders(headers, field) {
      remember(headers);
      return resolveEnvReferences(headers, env, field);
    },
    redact: (text) => redact(text),
  };
}

/** Default time limit of one provider read, retries included, when the spec gives none. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * One HTTP exchange, retried on network errors, 429 and 5xx with a short backoff, all within
 * `timeoutMs`. Returns the last answer (any status) or throws the last network error.
 */
export async function httpWithRetries(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  let pause = 200;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    const limit = AbortSignal.timeout(Math.max(1, left));
    let answer: HttpAnswer | undefined;
    let failure: Error | undefined;
    try {
      const res = await fetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, limit]) : limit,
        redirect: 'follow',
      });
      answer = { status: res.status, text: await res.text() };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      failure = new Error(
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${timeoutMs}ms (${attempt} attempt${attempt > 1 ? 's' : ''})`
          : `unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message} (${attempt} attempt${attempt > 1 ? 's' : ''})`,
      );
    }
    const retryable = failure !== undefined || answer!.status === 429 || answer!.status >= 500;
    if (!retryable || Date.now() + pause >= deadline || signal?.aborted) {
      if (answer) return answer;
      throw failure!;
    }
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 2000);
  }
}

/** The first line of an error body, short enough for a status line. */
export function excerpt(text: string, max = 200): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
