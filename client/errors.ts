// Errors the CLI turns into exit codes, in a module that loads nothing else. The library's
// typed errors (client/library/errors.ts) carry their exit code; the CLI's own are CliErrors.
import { BlueGreenError, ConnectionError, EXIT, InvalidSpecError } from './library/errors';

export { EXIT };

export class CliError extends BlueGreenError {
  override name = 'CliError';
  constructor(message: string, exitCode: number) {
    super(message, exitCode);
  }
}

/** The library's InvalidSpecError under the name the CLI and tests have always used. */
export const SpecError = InvalidSpecError;
export type SpecError = InvalidSpecError;

/** Temporal is not reachable: the library's ConnectionError. */
export const UnreachableError = ConnectionError;
export type UnreachableError = ConnectionError;
