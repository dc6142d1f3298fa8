// Secrets are written in specs as ${env:NAME} and resolved only here, inside activities, from the
// worker's environment; what an activity says back passes through one redactor. Every role
// (environment providers, smoke tests, notification sinks, gates, metric providers) uses these,
// so a reference means the same thing and a secret is hidden by the same rule everywhere.

/** `${env:NAME}` with a shell-style variable name. */
const REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

export class MissingEnvError extends Error {
  override name = 'MissingEnvironmentVariable';
}

/** Resolves ${env:NAME} references in each value; `field` names the spec field in the error. */
export function resolveEnvReferences(
  values: Record<string, string> | undefined,
  env: NodeJS.ProcessEnv,
  field: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    out[key] = value.replace(REFERENCE, (_, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) {
        throw new MissingEnvError(
          `${field}.${key} references \${env:${name}}, but ${name} is not set in the worker's environment`,
        );
      }
      return resolved;
    });
  }
  return out;
}

/** The worker values that `${env:NAME}` references in `values` resolve to: the secrets to hide. */
export function referencedSecrets(
  values: Record<string, string | undefined> | undefined,
  worker: NodeJS.ProcessEnv,
): string[] {
  const secrets = new Set<string>();
  for (const value of Object.values(values ?? {})) {
    if (value === undefined) continue;
    for (const match of value.matchAll(REFERENCE)) {
      const resolved = worker[match[1]];
      if (resolved) secrets.add(resolved);
    }
  }
  return [...secrets];
}

export type Redact = (text: string) => string;

/**
 * Replaces every secret with ***, longest first so a secret containing another is hidden whole.
 * Every non-empty value is hidden, however short: a garbled word in a message costs less than a
 * password shown in the Web UI.
 */
export function redactor(secrets: Iterable<string>): Redact {
  const values = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => values.reduce((out, secret) => out.split(secret).join('***'), text);
}

/** Redacts an error in place (message, stack, and its causes), so a rethrow carries no secret. */
export function redactError<T>(err: T, redact: Redact): T {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    e.message = redact(e.message);
    if (e.stack) e.stack = redact(e.stack);
  }
  return err;
}
