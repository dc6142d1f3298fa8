// What a process bluegreen spawns may see of the worker's environment, and what it may say
// back (the redacting is activities/secrets.ts). The worker holds credentials (AWS_*, TEMPORAL_API_KEY) that can rewrite DNS or steer
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
