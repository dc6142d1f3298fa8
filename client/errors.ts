// Errors the CLI turns into exit codes, in a module that loads nothing else.

export const EXIT = { completed: 0, other: 1, invalid: 2, rolledBack: 3, failed: 4 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export class SpecError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a valid release spec:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
}
