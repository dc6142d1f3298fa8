// Durations in specs are strings with a unit ("250ms", "90s", "5m", "24h", "7d").
// Kept dependency-free: the workflow bundle, the schema and the CLI all parse them the same way.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) {
    throw new Error(`invalid duration "${text}": use a number with a unit, e.g. 250ms, 90s, 5m, 24h`);
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}

/** Largest waits a spec or the CLI accepts: a release may hold or bake for a month, an approval
 * gate or a delayed start may wait a year. Timers beyond that are typos, and Date arithmetic on
 * them ends in "Invalid time value" halfway through a release. */
export const MAX_STEP_DURATION = '30d';
export const MAX_LONG_DURATION = '365d';

/** Parses a duration and checks it against [min, max] (given as durations); the error says the limit. */
export function parseDurationWithin(text: string, limits: { min?: string; max: string }): number {
  const ms = parseDuration(text);
  if (!(ms <= parseDuration(limits.max))) throw new Error(`"${text}" is too long: at most ${limits.max}`);
  if (limits.min !== undefined && ms < parseDuration(limits.min))
    throw new Error(`"${text}" is too short: at least ${limits.min}`);
  return ms;
}

/** "1h 5m", "42s", "350ms": compact and exact enough for an operator reading a timeline. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const d = Math.floor(totalSeconds / 86_400);
  const h = Math.floor((totalSeconds % 86_400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean);
  return parts.slice(0, 2).join(' ');
}
