// What `bluegreen start` checks before it loads the Temporal client or connects: its arguments,
// --delay/--at (at most a year ahead) and the spec. A refusal costs a fraction of a second and
// nothing is started.
import { parse, type Values } from '../args';
import { CliError, EXIT } from '../errors';
import { loadSpecFile, type LoadedSpec } from '../spec-file';
import { startDelayMs } from '../library/delay';

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

/** --delay/--at as the library reads them, with the flag names in the messages. */
export function delayFrom(delay: string | undefined, at: string | undefined): number | undefined {
  if (delay && at) throw new CliError('give --delay or --at, not both', EXIT.invalid);
  try {
    return startDelayMs({ delay, at });
  } catch (err) {
    throw new CliError(`--${(err as Error).message}`, EXIT.invalid);
  }
}
