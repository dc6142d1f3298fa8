// `bluegreen worker`: the process that runs releases. Flags override environment variables.
import { parse, printHelp } from '../args';
import { CliError, EXIT } from '../errors';

export const help = `Usage: bluegreen worker [--route53-budget N] [--host-id ID] [--metrics-port PORT]

Runs release workflows and activities until SIGINT/SIGTERM. Connection from TEMPORAL_* variables or
a TOML profile (TEMPORAL_PROFILE); task queue BLUEGREEN_TASK_QUEUE (default bluegreen); AWS from the
default credential chain. Registers the BlueGreen* search attributes when the namespace lacks them.

Each worker polls four task queues: <queue> (workflows and most activities), <queue>-route53 and
<queue>-route53-undo (one activity per Route 53 request, rate-limited by the Temporal server across
all workers; the undo queue keeps a fifth of the budget for rollbacks) and <queue>-host-<id>
(local-provider colors, pinned to the host that runs their processes). Route 53 changes of one
hosted zone are batched by a workflow per zone (bluegreen-route53-<zone id>).

  --route53-budget N   Route 53 requests per second for the whole fleet (default 5;
                       BLUEGREEN_ROUTE53_BUDGET). Give every worker the same value.
  --host-id ID         this host's identity for pinned activities (default the hostname;
                       BLUEGREEN_HOST_ID). Must be stable across restarts of this host's worker.
  --metrics-port PORT  serve Prometheus metrics on PORT/metrics: bluegreen_* counters and the
                       Temporal SDK's (BLUEGREEN_METRICS_PORT; bind address BLUEGREEN_METRICS_HOST,
                       default 0.0.0.0)

Environment: BLUEGREEN_LOG_FORMAT=json prints one JSON object per log line (default text);
BLUEGREEN_MAX_CACHED_WORKFLOWS (default 100) bounds the workflows kept in memory;
BLUEGREEN_MAX_CONCURRENT_ACTIVITIES (default 100) bounds the activities run at once on the shared
queue (every release in a hold runs one: raise it for fleets larger than that);
BLUEGREEN_ROUTE53_BATCH_MS (default 500) is how long Route 53 changes gather before a batch goes out.

Workflow code comes from dist/workflow-bundle.js, which \`npm run build\` writes. A worker whose bundle
is missing or not built from the compiled workflows says so and bundles them itself (a second more to
start, about 100 MB more memory).`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    'worker',
    argv,
    {
      'route53-budget': { type: 'string' },
      'host-id': { type: 'string' },
      'metrics-port': { type: 'string' },
    },
    [],
  );
  if (values.help) return printHelp(help);
  const { runWorker } = await import('../../worker/run');
  await runWorker({
    route53Budget: positive(values['route53-budget'], '--route53-budget'),
    hostId: values['host-id'],
    metricsPort: positive(values['metrics-port'], '--metrics-port'),
  });
  return EXIT.completed;
}

function positive(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`${flag} must be a positive number, not "${raw}"`, EXIT.invalid);
  return n;
}
