// What `bluegreen start` checks before it loads the Temporal client or connects: its arguments,
// --delay/--at (at most a year ahead) and the spec. A refusal costs a fraction of a second and
// nothing is started.
import { parse, type Values } from '../args';
import { CliError, EXIT } from '../errors';
import { loadSpecFile, type LoadedSpec } from '../spec-file';
import { MAX_LONG_DURATION, parseDuration, parseDurationWithin } from '../../workflows/duration';

export const startFlags = {
  watch: { type: 'boolean' as const },
  json: { type: 'boolean' as const },
  delay: { type: 'string' as const },
  at: { type: 'string' as const },
};

export interface CheckedStart {
  values: Values;
  startDelayMs: number | undefined;
  loaded: LoadedSpec;
}

export function checkStart(argv: string[]): CheckedStart | 'help' {
  const { values, positionals } = parse('start', argv, startFlags, ['spec']);
  if (values.help) return 'help';
  const startDelayMs = delayFrom(values.delay, values.at);
  return { values, startDelayMs, loaded: loadSpecFile(positionals[0]) };
}

export function delayFrom(delay: string | undefined, at: string | undefined): number | undefined {
  if (delay && at) throw new CliError('give --delay or --at, not both', EXIT.invalid);
  if (delay !== undefined) {
    try {
      return parseDurationWithin(delay, { max: MAX_LONG_DURATION }) || undefined;
    } catch (err) {
      throw new CliError(`--delay: ${(err as Error).message}`, EXIT.invalid);
    }
  }
  if (at !== undefined) {
    const when = Date.parse(at);
    if (Number.isNaN(when) || !/T.*(Z|[+-]\d\d:?\d\d)$/.test(at))
      throw new CliError(`--at: "${at}" is not an ISO-8601 time with a zone, e.g. 2026-12-01T02:00:00Z`, EXIT.invalid);
    if (when <= Date.now()) throw new CliError(`--at: ${at} is in the past`, EXIT.invalid);
    if (when - Date.now() > parseDuration(MAX_LONG_DURATION))
      throw new CliError(`--at: ${at} is too far ahead: at most ${MAX_LONG_DURATION} from now`, EXIT.invalid);
    return when - Date.now();
  }
  return undefined;
}
