// When a release starts: `delay` or `at`, at most a year ahead. Kept free of the Temporal client so
// the CLI checks its --delay/--at before it loads anything heavy.
import { MAX_LONG_DURATION, parseDuration, parseDurationWithin } from '../../workflows/duration';
import { InvalidArgumentError } from './errors';

const MAX_AHEAD_MS = parseDuration(MAX_LONG_DURATION);

/** Milliseconds until a release given `delay` or `at` starts; undefined to start now. */
export function startDelayMs(
  options: { delay?: string | number; at?: string | Date },
  now = Date.now(),
): number | undefined {
  const { delay, at } = options;
  if (delay !== undefined && at !== undefined) throw new InvalidArgumentError('give delay or at, not both');
  if (typeof delay === 'number') {
    if (!Number.isFinite(delay) || delay < 0) throw new InvalidArgumentError(`delay: ${delay} is not a number of ms`);
    if (delay > MAX_AHEAD_MS) throw new InvalidArgumentError(`delay: at most ${MAX_LONG_DURATION} ahead`);
    return delay || undefined;
  }
  if (typeof delay === 'string') {
    try {
      return parseDurationWithin(delay, { max: MAX_LONG_DURATION }) || undefined;
    } catch (err) {
      throw new InvalidArgumentError(`delay: ${(err as Error).message}`);
    }
  }
  if (at !== undefined) {
    const when = at instanceof Date ? at.getTime() : Date.parse(at);
    if (Number.isNaN(when) || (typeof at === 'string' && !/T.*(Z|[+-]\d\d:?\d\d)$/.test(at)))
      throw new InvalidArgumentError(
        `at: "${String(at)}" is not an ISO-8601 time with a zone, e.g. 2026-12-01T02:00:00Z`,
      );
    if (when <= now) throw new InvalidArgumentError(`at: ${new Date(when).toISOString()} is in the past`);
    if (when - now > MAX_AHEAD_MS)
      throw new InvalidArgumentError(
        `at: ${new Date(when).toISOString()} is too far ahead: at most ${MAX_LONG_DURATION} from now`,
      );
    return when - now;
  }
  return undefined;
}

/** `waitForPrevious` in ms: a number of ms or a duration, at most an hour (default 30 s). */
export function closingWaitMs(wait: string | number | undefined): number | undefined {
  if (wait === undefined) return undefined;
  const ms = typeof wait === 'number' ? wait : parseWait(wait);
  if (!Number.isFinite(ms) || ms < 0 || ms > 3_600_000)
    throw new InvalidArgumentError(`waitForPrevious: ${String(wait)} is not between 0 and 1h`);
  return ms;
}

function parseWait(wait: string): number {
  try {
    return parseDurationWithin(wait, { max: '1h' });
  } catch (err) {
    throw new InvalidArgumentError(`waitForPrevious: ${(err as Error).message}`);
  }
}
