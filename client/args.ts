// Argument parsing shared by the verbs: node's parseArgs, with errors that say how to fix them.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT } from './errors';

// Values are typed loosely on purpose: each verb declares its options right beside their use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Values = Record<string, any>;

export function parse(
  verb: string,
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  positionals: string[],
): { values: Values; positionals: string[] } {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\nSee \`bluegreen ${verb} --help\`.`, EXIT.invalid);
  }
  if (!parsed.values.help && parsed.positionals.length !== positionals.length) {
    const want = positionals.map((p) => `<${p}>`).join(' ');
    throw new CliError(
      `bluegreen ${verb} takes ${want || 'no arguments'}; got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}.\nSee \`bluegreen ${verb} --help\`.`,
      EXIT.invalid,
    );
  }
  if (!parsed.values.help) {
    positionals.forEach((name, i) => {
      if (!parsed.positionals[i].trim())
        throw new CliError(`bluegreen ${verb}: <${name}> is empty.\nSee \`bluegreen ${verb} --help\`.`, EXIT.invalid);
    });
  }
  return parsed;
}

export function printHelp(text: string): number {
  console.log(text);
  return EXIT.completed;
}
