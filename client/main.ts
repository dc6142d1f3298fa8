// The `bluegreen` command line: a thin shell over the client library (client/library/client.ts).
import { CliError, EXIT, SpecError, UnreachableError } from './errors';
import { BlueGreenError } from './library/errors';

const operatorActions = ['pause', 'resume', 'abort', 'approve', 'promote'] as const;
type OperatorAction = (typeof operatorActions)[number];

export const OVERVIEW = `bluegreen — durable blue-green releases on Temporal: Route 53, ALB or HAProxy

Usage: bluegreen <command> [options]      (bluegreen <command> --help for details)

Releases
  validate <spec>              check a spec; print every problem with its path
  plan <spec>                  print the timeline (steps, waits, gates, warm period)
  analyze <spec> [--color C]   one analysis round now: every metric's value, range and verdict
  start <spec> [--watch]       start a release (--delay/--at to schedule it)
  status <id> [--json]         phase, weights, step, next action, events, result
  watch <id>                   live view until the release ends
  list [--service S] [--running]

Operating a running release (also available as signals in the Temporal Web UI)
  pause <id>  resume <id>  promote <id>  abort <id> --reason ...  approve <id>

After a release was terminated (Web UI "Terminate") or its worker host was lost
  repair <record or id>        roll it back or finish it, from the router's weights and what it knew

Recurring releases (Temporal Schedules)
  schedule create <spec> --cron "0 2 * * 1-5" | --every 24h   schedule list | pause | unpause | trigger | delete

Running bluegreen
  worker                       run workflows and activities (TEMPORAL_*, AWS_* from the environment)
  dev                          local stack: Temporal dev server + Web UI, Route 53 emulator, worker
  schema                       JSON Schema of the release spec

Exit codes: 0 completed/ok, 3 rolled back, 4 failed (needs a human), 2 invalid or refused, 1 other.
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_PROFILE,
BLUEGREEN_TASK_QUEUE (default bluegreen), AWS_REGION, AWS_ENDPOINT_URL_ROUTE_53,
AWS_ENDPOINT_URL_CLOUDWATCH, BLUEGREEN_STATE_DIR.`;

type Command = (argv: string[]) => Promise<number>;

// Each verb loads only what it needs, so `status` or `--help` start in a fraction of a second.
const releaseVerb =
  (name: 'startCommand' | 'statusCommand' | 'watchCommand' | 'listCommand'): Command =>
  async (argv) =>
    (await import('./commands/release'))[name](argv);
const specVerb =
  (name: 'validateCommand' | 'planCommand' | 'schemaCommand'): Command =>
  async (argv) =>
    (await import('./commands/spec'))[name](argv);

const commands: Record<string, Command> = {
  validate: specVerb('validateCommand'),
  plan: specVerb('planCommand'),
  start: async (argv) => {
    // Bad arguments and bad specs are refused before the Temporal client loads (a second on a busy host).
    (await import('./commands/start-checks')).checkStart(argv);
    return releaseVerb('startCommand')(argv);
  },
  status: releaseVerb('statusCommand'),
  watch: releaseVerb('watchCommand'),
  list: releaseVerb('listCommand'),
  schema: specVerb('schemaCommand'),
  worker: async (argv) => (await import('./commands/worker')).workerCommand(argv),
  analyze: async (argv) => (await import('./commands/analyze')).analyzeCommand(argv),
  repair: async (argv) => (await import('./commands/repair')).repairCommand(argv),
  dev: async (argv) => (await import('./commands/dev')).devCommand(argv),
  schedule: async (argv) => (await import('./commands/schedule')).scheduleCommand(argv),
  ...Object.fromEntries(
    operatorActions.map((a) => [
      a,
      async (argv: string[]) => (await import('./commands/control')).controlCommand(a as OperatorAction, argv),
    ]),
  ),
};

export async function run(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(OVERVIEW);
    return verb ? EXIT.completed : EXIT.invalid;
  }
  const command = commands[verb];
  if (!command) {
    console.error(`unknown command "${verb}"\n\n${OVERVIEW}`);
    return EXIT.invalid;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof SpecError) {
      console.error(err.message);
      return EXIT.invalid;
    }
    if (err instanceof CliError) {
      console.error(err.message);
      return err.exitCode;
    }
    if (err instanceof UnreachableError) {
      console.error(err.message);
      return EXIT.other;
    }
    // The client library's typed errors (already running, refused, not found, ...) carry their exit code.
    if (err instanceof BlueGreenError) {
      console.error(err.message);
      return err.exitCode;
    }
    console.error(`bluegreen ${verb}: ${(err as Error).message ?? String(err)}`);
    if (process.env.BLUEGREEN_DEBUG) console.error(err);
    return EXIT.other;
  }
}

export function main(argv: string[]): void {
  run(argv).then(
    (code) => {
      // gRPC channels and Temporal's native runtime can keep the event loop alive after the work
      // is done. The command has finished, so leave now: on Linux, stdout and stderr writes to
      // files, pipes and terminals are synchronous, so nothing printed is lost.
      process.exit(code);
    },
    (err) => {
      console.error(err);
      process.exitCode = EXIT.other;
    },
  );
}
