// `bluegreen dev`: the whole local stack in one foreground command.
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parse, printHelp } from '../args';
import { CliError, EXIT } from '../errors';
import { startLocalStack, type LocalStack } from '../local-stack';
import { bold, dim } from '../render';

export const devHelp = `Usage: bluegreen dev [--temporal-port 7233] [--ui-port 8233] [--route53-port 5055]
                    [--prometheus-port 9090] [--front-door-port 18080]
                    [--front-door-api-port 18099] [--state-dir .bluegreen]

Starts the embedded local stack in the foreground:
  - a Temporal dev server (SQLite in the state folder) with its Web UI,
  - moto's Route 53 API with the zone example.com (records are saved in the state folder),
  - Prometheus, when it is installed (sudo apt-get install prometheus), scraping /metrics of
    every app a release starts, labelled service, color and version (PROMETHEUS_BIN picks the
    binary; PROMETHEUS_BIN=none leaves it off),
  - an HAProxy front door, when it is installed (sudo apt-get install haproxy): requests to
    --front-door-port go to backend shop, whose servers blue and green are the demo app on
    ports 18091 and 18092, both at weight 0 until a release with router.provider haproxy and
    runtimeApi 127.0.0.1:<--front-door-api-port> (its Runtime API) moves them
    (examples/shop-frontdoor.yaml; HAPROXY_BIN picks the binary, HAPROXY_BIN=none leaves it off),
  - a bluegreen worker.
Ctrl-C (or SIGTERM) stops all of it, including the app processes releases started; running
\`bluegreen dev\` again starts them again and resumes releases that were in flight.
The servers come from \`bash scripts/setup-servers.sh\`, which runs by itself when needed.`;

function port(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new CliError(`${flag} must be a port number (1-65535), got "${value}"`, EXIT.invalid);
  return n;
}

export interface DevOptions {
  temporalPort: number;
  uiPort: number;
  route53Port: number;
  prometheusPort: number;
  frontDoorPort: number;
  frontDoorApiPort: number;
  stateDir: string;
}

export function devOptions(values: Record<string, string | undefined>): DevOptions {
  return {
    temporalPort: port(values['temporal-port'], 7233, '--temporal-port'),
    uiPort: port(values['ui-port'], 8233, '--ui-port'),
    route53Port: port(values['route53-port'], 5055, '--route53-port'),
    prometheusPort: port(values['prometheus-port'], 9090, '--prometheus-port'),
    frontDoorPort: port(values['front-door-port'], 18080, '--front-door-port'),
    frontDoorApiPort: port(values['front-door-api-port'], 18099, '--front-door-api-port'),
    stateDir: path.resolve(values['state-dir'] ?? process.env.BLUEGREEN_STATE_DIR ?? '.bluegreen'),
  };
}

export const devFlags = {
  'temporal-port': { type: 'string' as const },
  'ui-port': { type: 'string' as const },
  'route53-port': { type: 'string' as const },
  'prometheus-port': { type: 'string' as const },
  'front-door-port': { type: 'string' as const },
  'front-door-api-port': { type: 'string' as const },
  'state-dir': { type: 'string' as const },
};

export function banner(stack: LocalStack, o: DevOptions): string {
  const zones = Object.entries(stack.zones)
    .map(([name, id]) => `${name} (${id})`)
    .join(', ');
  return [
    '',
    bold('bluegreen dev — local stack is up'),
    `  Temporal       ${stack.temporalAddress}   namespace default, task queue ${process.env.BLUEGREEN_TASK_QUEUE || 'bluegreen'}`,
    `  Web UI         ${stack.uiUrl}`,
    `  Route 53 API   ${stack.route53Endpoint}   zones: ${zones}`,
    stack.prometheusUrl
      ? `  Prometheus     ${stack.prometheusUrl}   scrapes the apps releases start (labels service, color, version)`
      : `  Prometheus     ${dim(stack.prometheusMissing ?? 'not running')}`,
    stack.frontDoor
      ? `  Front door     ${stack.frontDoor.url}   HAProxy, Runtime API ${stack.frontDoor.runtimeApi} (backend shop)`
      : `  Front door     ${dim(stack.frontDoorMissing ?? 'not running')}`,
    `  State          ${o.stateDir}`,
    ...(stack.restored.length ? [`  Restarted      ${stack.restored.join('; ')}`] : []),
    ...stack.notRestored.map((why) => `  Not restarted  ${why}`),
    '',
    'From another shell:',
    `  export TEMPORAL_ADDRESS=${stack.temporalAddress}`,
    `  npx bluegreen start examples/shop.yaml --watch`,
    `  ${dim('(the worker runs here; only a separate `bluegreen worker` would need')}`,
    `  ${dim(` AWS_ENDPOINT_URL_ROUTE_53=${stack.route53Endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=dev AWS_SECRET_ACCESS_KEY=dev`)}`,
    `  ${dim(` BLUEGREEN_STATE_DIR=${o.stateDir})`)}`,
    '',
    'Ctrl-C stops everything.',
  ].join('\n');
}

/** Errors only: the banner and the watch view are what a developer reads here, not webpack's
 * output or the SDK's warning for every rolled back (failed) release. */
export function quietWorkerLogs(): void {
  // shutdownSignals: [] — dev handles SIGINT/SIGTERM itself (untilStopped) and stops the worker in
  // order; the SDK's own handler would swallow a Ctrl-C that arrives while the servers start.
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (sig: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(sig);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export async function devCommand(argv: string[]): Promise<number> {
  const { values } = parse('dev', argv, devFlags, []);
  if (values.help) return printHelp(devHelp);
  const o = devOptions(values);
  let stack: LocalStack;
  quietWorkerLogs();
  // Listen before starting anything: a Ctrl-C while the servers start must stop them too, not
  // kill this process and leave the servers (own process groups) running.
  const stopped = untilStopped();
  let up = false;
  void stopped.then((sig) => {
    if (!up) console.log(`\n${sig}: stopping as soon as the servers have started ...`);
  });
  try {
    stack = await startLocalStack({ ...o, zones: ['example.com'], log: (l) => console.log(l) });
  } catch (err) {
    throw new CliError(`bluegreen dev: ${(err as Error).message}`, EXIT.other);
  }
  up = true;
  console.log(banner(stack, o));
  const sig = await stopped;
  console.log(`\n${sig}: stopping the worker, the apps, Route 53, Prometheus and Temporal ...`);
  await stack.stop();
  console.log('stopped; nothing left running. `bluegreen dev` starts the apps again and resumes releases in flight.');
  return EXIT.completed;
}
