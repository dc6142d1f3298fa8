// The whole local stack for integration tests: a Temporal dev server, moto with a zone, and a
// real `bluegreen worker` process. The CLI's commands run through its own `run()` in one child
// process per stack (cli-host.ts), with the exit codes and output an operator's would have.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mkdirSync } from 'node:fs';
import YAML from 'yaml';
import { stopLocalProcesses } from '../../activities/environments/local/provider';
import { connect, type BlueGreenClient } from '../../client';
import type { ReleaseStatus } from '../../workflows/messages';
import { setIdentifierFor } from '../../workflows/names';
import { binaries, projectRoot } from './binaries';
import { cliHost } from './cli-host';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { motoAccount, type Moto } from './moto';
import { freePort, startProcess, waitFor, type Started } from './processes';
import { sharedDevServer, startDevServer, type DevServer } from './temporal';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Stack {
  temporal: DevServer;
  /** The Temporal namespace of this stack (its own on the run's shared server, else 'default'). */
  namespace: string;
  moto: Moto;
  zoneId: string;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  client: Client;
  worker: Started | undefined;
  /** Present when the stack was started with `proxy: true`: the worker's Route 53 goes through it. */
  proxy?: FaultProxy;
  startWorker: () => Promise<void>;
  /** Starts one more `bluegreen worker` with extra environment (host id, budget, log format). */
  spawnWorker: (extraEnv?: Record<string, string>, args?: string[]) => Promise<Started>;
  stopWorker: () => Promise<void>;
  cli: (...args: string[]) => Promise<CliResult>;
  /**
   * A release's status read in this process through the library: the object `bluegreen status
   * --json` prints. For polling; a CLI process per poll cost the suite more CPU than anything else.
   */
  status: (id?: string) => Promise<ReleaseStatus>;
  /** The `temporal` CLI against this stack's dev server (what an operator or the Web UI does). */
  temporalCli: (...args: string[]) => Promise<CliResult>;
  /** Puts the demo app live: a first release of `version` with --watch, which must complete. */
  releaseFirst: (version?: string) => Promise<void>;
  writeSpec: (name: string, spec: object) => string;
  /** A spec for the demo app on two free ports with second-scale timings. */
  appSpec: (
    version: string,
    extra?: { env?: Record<string, string>; overrides?: Record<string, unknown> },
  ) => Promise<object>;
  /** Weights of a record's two colors as moto has them now (a color without a record is absent). */
  colorWeights: (record?: string) => Promise<{ blue?: number; green?: number }>;
  stop: () => Promise<void>;
}

export async function startStack(
  options: {
    ui?: boolean;
    proxy?: boolean;
    env?: Record<string, string>;
    noWorker?: boolean;
    dynamicConfig?: string[];
    /** The dev server's SQLite file (default: a fresh one in the temp directory). */
    dbFile?: string;
  } = {},
): Promise<Stack> {
  // When one server fails to start, the other is stopped: a server left running would keep the
  // test process alive after its failure.
  // The run's shared dev server when there is one (scripts/test.sh), unless this stack needs a
  // server of its own: the Web UI, its own database file (the fleet bench), or dynamic config the shared one was not started with.
  const [temporalStart, motoStart] = await Promise.allSettled([
    (options.ui || options.dbFile
      ? Promise.resolve(undefined)
      : sharedDevServer(testFileLabel(), options.dynamicConfig)
    ).then(
      (shared) =>
        shared ?? startDevServer({ ui: options.ui, dynamicConfig: options.dynamicConfig, dbFile: options.dbFile }),
    ),
    motoAccount(),
  ]);
  if (temporalStart.status === 'rejected' || motoStart.status === 'rejected') {
    if (temporalStart.status === 'fulfilled') await temporalStart.value.stop();
    if (motoStart.status === 'fulfilled') await motoStart.value.stop();
    throw temporalStart.status === 'rejected' ? temporalStart.reason : (motoStart as PromiseRejectedResult).reason;
  }
  const temporal = temporalStart.value;
  const moto = motoStart.value;
  const proxy = options.proxy ? await startFaultProxy(moto.endpoint) : undefined;
  const zoneId = await moto.createZone('example.com');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-stack-'));
  const stateDir = path.join(dir, 'state');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    // The stack's own account on the run's shared moto: the worker and the CLI act in it.
    ...moto.awsEnv,
    AWS_ENDPOINT_URL_ROUTE_53: proxy?.endpoint ?? moto.endpoint,
    // moto is the stack's CloudWatch too: metric and alarm providers in the worker reach it.
    AWS_ENDPOINT_URL_CLOUDWATCH: moto.endpoint,
    // And its ELBv2: ALB routers in the worker move listeners made in moto (test/support/elbv2.ts).
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: moto.endpoint,
    BLUEGREEN_STATE_DIR: stateDir,
    BLUEGREEN_TASK_QUEUE: 'bluegreen-it',
    BLUEGREEN_IDENTITY: 'tester@ci',
    NO_COLOR: '1',
    ...options.env,
  };
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  const ports = { blue: await freePort(), green: await freePort() };
  const bin = path.join(projectRoot, 'bin', 'bluegreen.js');

  const extraWorkers: Started[] = [];
  const commands = cliHost(env, path.join(dir, 'cli-host.log'));
  let library: Promise<BlueGreenClient> | undefined;
  const stack: Stack = {
    temporal,
    namespace: temporal.namespace,
    moto,
    zoneId,
    env,
    stateDir,
    client,
    worker: undefined,
    proxy,
    async startWorker() {
      stack.worker = await stack.spawnWorker();
    },
    async colorWeights(record = 'shop.example.com') {
      const found = await moto.weights(zoneId, record);
      const out: { blue?: number; green?: number } = {};
      for (const color of ['blue', 'green'] as const) {
        const w = found[setIdentifierFor(record, color)];
        if (w !== undefined) out[color] = w;
      }
      return out;
    },
    async spawnWorker(extraEnv = {}, args = []) {
      const w = startProcess(process.execPath, [bin, 'worker', ...args], { ...env, ...extraEnv });
      extraWorkers.push(w);
      await waitFor(
        'bluegreen worker',
        async () => (/Worker state changed.*RUNNING/.test(w.output()) ? true : undefined),
        60_000,
        w,
      );
      return w;
    },
    async stopWorker() {
      await stack.worker?.stop();
      stack.worker = undefined;
    },
    temporalCli: (...args) =>
      new Promise((resolve) =>
        execFile(
          binaries.temporal(),
          [...args, '--address', temporal.address, '--namespace', temporal.namespace],
          (err, stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
        ),
      ),
    async releaseFirst(version = '0.0.0') {
      const spec = stack.writeSpec(`v${version}-first.yaml`, await stack.appSpec(version));
      const first = await stack.cli('start', spec, '--watch');
      if (first.code !== 0) throw new Error(`the first release exited ${first.code}:\n${first.stdout}${first.stderr}`);
    },
    cli: (...args) =>
      process.env.BLUEGREEN_TEST_CLI === 'process'
        ? new Promise((resolve) => {
            execFile(process.execPath, [bin, ...args], { env, timeout: 180_000 }, (err, stdout, stderr) => {
              const code = err
                ? typeof (err as NodeJS.ErrnoException).code === 'number'
                  ? (err as unknown as { code: number }).code
                  : 1
                : 0;
              resolve({ code, stdout, stderr });
            });
          })
        : commands.run(args, 180_000),
    async status(id = 'bluegreen-shop.example.com') {
      library ??= connect({
        address: temporal.address,
        namespace: temporal.namespace,
        taskQueue: env.BLUEGREEN_TASK_QUEUE,
      });
      const status = await (await library).getHandle(id).status();
      return { ...status, observedShare: status.observedShare ?? null } as ReleaseStatus;
    },
    writeSpec(name, spec) {
      const file = path.join(dir, name);
      writeFileSync(file, YAML.stringify(spec));
      return file;
    },
    async appSpec(version, extra = {}) {
      const spec: Record<string, unknown> = {
        service: 'shop',
        version,
        environment: {
          provider: 'local',
          command: ['node', path.join(projectRoot, 'examples', 'app', 'server.js')],
          env: extra.env ?? {},
          ports,
          stopGracePeriod: '2s',
        },
        dns: {
          provider: 'route53',
          zoneName: 'example.com',
          recordName: 'shop.example.com',
          ttl: 1,
          targets: { blue: 'blue.shop.example.com', green: 'green.shop.example.com' },
        },
        verify: { http: { attempts: 10, interval: '200ms', timeout: '1s' } },
        traffic: {
          steps: [10, 50, 100],
          interval: '1s',
          analysis: { requests: 20, maxErrorRate: 0.05, every: '500ms' },
        },
        decommission: { delay: '1s' },
        ...extra.overrides,
      };
      // The probe's p95 on a machine busy with other test files says more about the neighbours
      // than about the demo app: its limit is raised unless the test sets one (none here judges
      // latency; test/workflows do, on fake measurements).
      const traffic = spec.traffic as { analysis?: object } | undefined;
      if (traffic) spec.traffic = { ...traffic, analysis: { maxLatencyMs: 5000, ...traffic.analysis } };
      return spec;
    },
    async stop() {
      await stack.stopWorker();
      await Promise.all(extraWorkers.map((w) => w.stop()));
      await proxy?.close();
      await (await library)?.close();
      commands.close();
      // Tests leave nothing running: the colors their releases started go too.
      await stopLocalProcesses(stateDir, 2000);
      await connection.close();
      await Promise.all([temporal.stop(), moto.stop()]);
    },
  };
  if (!options.noWorker) await stack.startWorker();
  return stack;
}

/** The running test file's name, for the namespace it gets on a shared server. */
function testFileLabel(): string {
  return path.basename(process.argv[1] ?? 'stack').replace(/\.test\.js$|\.js$/, '');
}

/** Saves the latest run of a workflow as a replay fixture when RECORD_HISTORIES=1. */
export async function recordHistory(
  stack: Stack,
  name: string,
  workflowId = 'bluegreen-shop.example.com',
): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const dir = path.join(projectRoot, 'test', 'histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), historyToJSON(history));
}
