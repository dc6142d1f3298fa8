// Operator verbs: pause, resume, abort, approve, promote. Each is a Temporal update, so the
// operator learns at once whether it took effect and, if not, why.
import type { ParseArgsConfig } from 'node:util';
import { parse, printHelp } from '../args';
import { CliError, EXIT } from '../errors';
import { connect } from '../library/client';
import { actionDescriptions, type OperatorAction } from '../../workflows/messages';

const usage: Record<OperatorAction, string> = {
  pause: 'bluegreen pause <id> [--reason TEXT]',
  resume: 'bluegreen resume <id>',
  abort: 'bluegreen abort <id> --reason TEXT',
  approve: 'bluegreen approve <id> [--note TEXT]',
  promote: 'bluegreen promote <id>',
};

export function controlHelp(action: OperatorAction): string {
  return `Usage: ${usage[action]}

${actionDescriptions[action].replace(/ Payload:.*$/, '').replace(/ No payload\.$/, '')}
Prints whether it took effect; exit 0 when it did, 2 when the release refused it (the reason
is printed, e.g. "cannot promote: release is rolling back"). The same action is available in
the Temporal Web UI as the signal "${action}".`;
}

export async function controlCommand(action: OperatorAction, argv: string[]): Promise<number> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  if (action === 'abort' || action === 'pause') options.reason = { type: 'string' };
  if (action === 'approve') options.note = { type: 'string' };
  const { values, positionals } = parse(action, argv, options, ['id']);
  if (values.help) return printHelp(controlHelp(action));
  if (action === 'abort' && !values.reason?.trim())
    throw new CliError('abort needs --reason "...": it is recorded in the release events', EXIT.invalid);
  const bg = await connect();
  try {
    // A refusal throws ActionRefusedError: the CLI prints its reason and exits 2.
    const release = bg.getHandle(positionals[0]);
    const message =
      action === 'abort'
        ? await release.abort(values.reason)
        : action === 'pause'
          ? await release.pause(values.reason)
          : action === 'approve'
            ? await release.approve(values.note)
            : await release[action]();
    console.log(message);
    return EXIT.completed;
  } finally {
    await bg.close();
  }
}
