// What a process bluegreen spawns may see of the worker's environment, and what it may say
// back. The worker holds credentials (AWS_*, TEMPORAL_API_KEY) that can rewrite DNS or steer
// releases; an app or a provision script gets none of them unless the spec names them, and a
// secret it was handed never leaves the activity in its output.

/** Worker variables every child gets: enough to find programs, a home and a locale. */
export const PASSED_VARIABLES = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

/**
 * A minimal environment: PATH, HOME, LANG, TZ and the worker's BLUEGREEN_* variables, then
 * `extra` (the spec's `env`, resolved, and bluegreen's own variables such as PORT).
 */
export function childEnvironment(worker: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_VARIABLES) {
    const value = worker[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(worker)) {
    if (name.startsWith('BLUEGREEN_') && value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

const REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The worker values that `${env:NAME}` references in `values` resolve to: the secrets to hide. */
export function referencedSecrets(values: Record<string, string> | undefined, worker: NodeJS.ProcessEnv): string[] {
  const secrets = new Set<string>();
  for (const value of Object.values(values ?? {})) {
    for (const match of value.matchAll(REFERENCE)) {
      const resolved = worker[match[1]];
      if (resolved) secrets.add(resolved);
    }
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

export type Redact = (text: string) => string;

/** Replaces every secret with ***; longest first, so a secret containing another is hidden whole. */
export function redactor(secrets: string[]): Redact {
  if (secrets.length === 0) return (text) => text;
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

/** Redacts an error in place (message, stack, and its causes), so a rethrow carries no secret. */
export function redactError<T>(err: T, redact: Redact): T {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    e.message = redact(e.message);
    if (e.stack) e.stack = redact(e.stack);
  }
  return err;
}
