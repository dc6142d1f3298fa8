// Any HTTP API that answers JSON (Datadog, New Relic, an in-house service): one request, and a
// small JSONPath subset picks the number out of the answer.
import { parseDuration } from '../../contract/duration';
import type { MetricSpec } from '../../contract/spec';
import { DEFAULT_QUERY_TIMEOUT_MS, excerpt, fillTemplate, httpWithRetries, type MetricProvider } from './provider';

export type WebConfig = NonNullable<MetricSpec['web']>;

/**
 * Parses the JSONPath subset bluegreen supports: `$`, `.name`, `['name']` / `["name"]` and
 * `[index]` (negative counts from the end), e.g. `$.series[0].pointlist[-1][1]`.
 * Throws with the position of the first thing it does not understand.
 */
export function parseJsonPath(path: string): (string | number)[] {
  if (!path.startsWith('$')) throw new Error(`a JSONPath starts with $, got "${path}"`);
  const keys: (string | number)[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest))) keys.push(m[1]);
    else if ((m = /^\[(-?\d+)\]/.exec(rest))) keys.push(Number(m[1]));
    else if ((m = /^\['((?:[^'\\]|\\.)*)'\]/.exec(rest)) || (m = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest)))
      keys.push(m[1].replace(/\\(.)/g, '$1'));
    else
      throw new Error(
        `unsupported JSONPath at "${rest}" in "${path}": use .name, ['name'] or [index] (wildcards and filters are not supported)`,
      );
    i += m[0].length;
  }
  return keys;
}

/** Follows the path; `undefined` when a step is missing. */
export function selectJsonPath(doc: unknown, keys: (string | number)[]): unknown {
  let here: unknown = doc;
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!Array.isArray(here)) return undefined;
      here = here[key < 0 ? here.length + key : key];
    } else {
      if (here === null || typeof here !== 'object' || Array.isArray(here)) return undefined;
      here = (here as Record<string, unknown>)[key];
    }
  }
  return here;
}

export const webProvider: MetricProvider<WebConfig> = {
  async read(name, config, ctx) {
    let keys: (string | number)[];
    try {
      keys = parseJsonPath(config.jsonPath);
    } catch (err) {
      return { name, value: null, problem: (err as Error).message };
    }
    const url = fillTemplate(config.url, ctx.vars);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(config.body !== undefined ? { 'content-type': 'application/json' } : {}),
    };
    // The spec's headers win, case-insensitively, over the defaults above.
    const given = ctx.resolveHeaders(config.headers, `${name}.web.headers`);
    for (const key of Object.keys(given)) delete headers[key.toLowerCase()];
    Object.assign(headers, given);
    const timeoutMs = config.timeout ? parseDuration(config.timeout) : DEFAULT_QUERY_TIMEOUT_MS;
    const body = config.body !== undefined ? fillTemplate(config.body, ctx.vars) : undefined;
    // Unreachable is a reading too (inconclusive), in the words httpWithRetries chose.
    const answer = await httpWithRetries(url, { method: config.method, headers, body }, timeoutMs, ctx.signal).catch(
      (err: Error) => ({ unreachable: err.message }),
    );
    if ('unreachable' in answer) return { name, value: null, problem: answer.unreachable };
    if (answer.status < 200 || answer.status >= 300) {
      return { name, value: null, problem: `${config.method} answered HTTP ${answer.status}: ${excerpt(answer.text)}` };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(answer.text);
    } catch {
      return { name, value: null, problem: `the answer is not JSON: ${excerpt(answer.text)}` };
    }
    const found = selectJsonPath(doc, keys);
    if (found === undefined || found === null) return { name, value: null, problem: `no value at ${config.jsonPath}` };
    const value = typeof found === 'string' && found.trim() !== '' ? Number(found) : found;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return {
        name,
        value: null,
        problem: `${config.jsonPath} is ${excerpt(JSON.stringify(found), 60)}, not a number`,
      };
    }
    return { name, value };
  },
};
