// The embedded local stack behind `bluegreen dev` and the demo: a Temporal dev server (SQLite
// and Web UI), moto's Route 53 API with a demo zone, and a worker in this process. Children run
// in their own process groups so Ctrl-C reaches us first and we stop them in order.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Route53Client } from '@aws-sdk/client-route-53';
import { NativeConnection } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { restoreLocalProcesses, stopLocalProcesses } from '../activities/environments/local/provider';
import { createWorker, type WorkerGroup } from '../worker/run';
import { taskQueue, type Temporal } from './connect';
import { ensureZone, restoreRoute53, snapshotRoute53 } from './route53-snapshot';
import { RuntimeApi } from '../activities/routers/haproxy/runtime-api';
import { FRONT_DOOR_APP_PORTS, findHaproxy, frontDoorConfig, HAPROXY_INSTALL } from './front-door';
import { findPrometheus, localAppTargets, prometheusConfig, writeTargets, PROMETHEUS_INSTALL } from './prometheus';

export const projectRoot = path.resolve(__dirname, '../..');

export interface LocalStackOptions {
  temporalPort: number;
  uiPort: number;
  route53Port: number;
  /** Prometheus listens here when it is installed; it scrapes the apps releases start. */
  prometheusPort: number;
  /** The HAProxy front door listens here when haproxy is installed (and its Runtime API on frontDoorApiPort). */
  frontDoorPort?: number;
  frontDoorApiPort?: number;
  stateDir: string;
  /** Zones to create when missing (the demo specs use example.com). */
  zones: string[];
  log: (line: string) => void;
}

export interface LocalStack {
  temporal: Temporal;
  temporalAddress: string;
  uiUrl: string;
  route53Endpoint: string;
  /** Undefined when Prometheus is not installed. */
  prometheusUrl?: string;
  /** Why there is no Prometheus, for banners. */
  prometheusMissing?: string;
  /** Undefined when haproxy is not installed. */
  frontDoor?: { url: string; runtimeApi: string };
  /** Why there is no front door, for banners. */
  frontDoorMissing?: string;
  zones: Record<string, string>;
  restored: string[];
  /** Recorded apps that could not be started again, each with why. */
  notRestored: string[];
  worker: WorkerGroup;
  stop: () => Promise<void>;
}

function binary(name: string): string {
  if (name === 'temporal') {
    try {
      const onPath = execFileSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' }).trim();
      if (onPath) return onPath;
    } catch {
      /* not on PATH */
    }
  }
  const local = path.join(projectRoot, '.venv', 'bin', name);
  if (!existsSync(local)) {
    execFileSync('bash', [path.join(projectRoot, 'scripts', 'setup-servers.sh')], {
      stdio: 'inherit',
      env: { ...process.env, VERBOSE: '1' },
    });
  }
  return local;
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function startChild(file: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    return spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
}

async function stopChild(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  if ((await Promise.race([exited, sleep(graceMs).then(() => 'late')])) === 'late') {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await exited;
  }
}

async function until(
  what: string,
  child: ChildProcess,
  logFile: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited with code ${child.exitCode}; see ${logFile}:\n${tailOf(logFile)}`);
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s; see ${logFile}`);
}

function tailOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const prometheusBin = findPrometheus();
  const haproxyBin = o.frontDoorPort && o.frontDoorApiPort ? findHaproxy() : undefined;
  for (const [flag, port] of [
    ['--temporal-port', o.temporalPort],
    ['--ui-port', o.uiPort],
    ['--route53-port', o.route53Port],
    ...(prometheusBin ? ([['--prometheus-port', o.prometheusPort]] as const) : []),
    ...(haproxyBin
      ? ([
          ['--front-door-port', o.frontDoorPort!],
          ['--front-door-api-port', o.frontDoorApiPort!],
        ] as const)
      : []),
  ] as const) {
    if (await portInUse(port))
      throw new Error(
        `port ${port} is already in use (is another \`bluegreen dev\` or Temporal running?): stop it or pass ${flag} <free port>`,
      );
  }
  mkdirSync(o.stateDir, { recursive: true });
  const temporalLog = path.join(o.stateDir, 'temporal.log');
  const motoLog = path.join(o.stateDir, 'route53.log');
  const children: ChildProcess[] = [];
  let worker: WorkerGroup | undefined;
  let workerRun: Promise<void> | undefined;
  let connection: NativeConnection | undefined;
  let snapshotTimer: NodeJS.Timeout | undefined;
  let targetsTimer: NodeJS.Timeout | undefined;
  const route53Endpoint = `http://127.0.0.1:${o.route53Port}`;
  const temporalAddress = `127.0.0.1:${o.temporalPort}`;
  // moto accepts any credentials; the SDK only needs something to sign with.
  const route53 = new Route53Client({
    endpoint: route53Endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dev', secretAccessKey: 'dev' },
  });
  const snapshotFile = path.join(o.stateDir, 'route53.json');

  const stop = async () => {
    clearInterval(snapshotTimer);
    clearInterval(targetsTimer);
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun?.catch(() => undefined);
    await snapshotRoute53(route53, snapshotFile).catch(() => undefined);
    const apps = await stopLocalProcesses(o.stateDir);
    if (apps) o.log(`stopped ${apps} app process(es); their state stays in ${o.stateDir}`);
    await connection?.close().catch(() => undefined);
    await Promise.all(children.map((c) => stopChild(c)));
    route53.destroy();
  };

  try {
    o.log('starting Temporal dev server and Route 53 emulator ...');
    const temporalBin = binary('temporal');
    const motoBin = binary('moto_server');
    const temporal = startChild(
      temporalBin,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(o.temporalPort),
        '--ui-port',
        String(o.uiPort),
        '--db-filename',
        path.join(o.stateDir, 'temporal.db'),
        '--log-level',
        'warn',
      ],
      temporalLog,
    );
    children.push(temporal);
    const moto = startChild(motoBin, ['-H', '127.0.0.1', '-p', String(o.route53Port)], motoLog);
    children.push(moto);
    // Prometheus scrapes every app a release starts: the stack lists them in a file_sd file
    // (from the local provider's state files) each second, labelled with service, color, version.
    let prometheusUrl: string | undefined;
    let prometheus: ChildProcess | undefined;
    const prometheusLog = path.join(o.stateDir, 'prometheus.log');
    if (prometheusBin) {
      const dir = path.join(o.stateDir, 'prometheus');
      mkdirSync(dir, { recursive: true });
      const targetsFile = path.join(dir, 'targets.json');
      writeTargets(targetsFile, localAppTargets(o.stateDir));
      writeFileSync(path.join(dir, 'prometheus.yml'), prometheusConfig(targetsFile));
      prometheus = startChild(
        prometheusBin,
        [
          `--config.file=${path.join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${o.prometheusPort}`,
          '--log.level=warn',
        ],
        prometheusLog,
      );
      children.push(prometheus);
      prometheusUrl = `http://127.0.0.1:${o.prometheusPort}`;
      targetsTimer = setInterval(() => {
        try {
          writeTargets(targetsFile, localAppTargets(o.stateDir));
        } catch {
          /* the next pass tries again */
        }
      }, 1000);
    }
    // The front door: HAProxy in front of the demo app's colors, moved through its Runtime API.
    let frontDoor: LocalStack['frontDoor'];
    let haproxy: ChildProcess | undefined;
    const haproxyLog = path.join(o.stateDir, 'haproxy.log');
    if (haproxyBin) {
      const dir = path.join(o.stateDir, 'haproxy');
      mkdirSync(dir, { recursive: true });
      const config = path.join(dir, 'haproxy.cfg');
      writeFileSync(
        config,
        frontDoorConfig({
          port: o.frontDoorPort!,
          apiPort: o.frontDoorApiPort!,
          servers: FRONT_DOOR_APP_PORTS,
          stateFile: path.join(dir, 'server-state'),
        }),
      );
      haproxy = startChild(haproxyBin, ['-f', config, '-db'], haproxyLog);
      children.push(haproxy);
      frontDoor = { url: `http://127.0.0.1:${o.frontDoorPort}`, runtimeApi: `127.0.0.1:${o.frontDoorApiPort}` };
    }
    await Promise.all([
      ...(haproxy && frontDoor
        ? [
            until('haproxy', haproxy, haproxyLog, async () =>
              (await new RuntimeApi(frontDoor!.runtimeApi).run('show info')).includes('Name:'),
            ),
          ]
        : []),
      ...(prometheus
        ? [
            until(
              'prometheus',
              prometheus,
              prometheusLog,
              async () => (await fetch(`${prometheusUrl}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok,
            ),
          ]
        : []),
      until(
        'moto_server',
        moto,
        motoLog,
        async () => (await fetch(`${route53Endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) })).ok,
      ),
      until('temporal dev server', temporal, temporalLog, async () => {
        connection = await NativeConnection.connect({ address: temporalAddress });
        return true;
      }),
      until(
        'Temporal Web UI',
        temporal,
        temporalLog,
        async () => (await fetch(`http://127.0.0.1:${o.uiPort}/`, { signal: AbortSignal.timeout(1000) })).ok,
      ),
    ]);

    await restoreRoute53(route53, snapshotFile);
    const zones: Record<string, string> = {};
    for (const z of o.zones) zones[z] = await ensureZone(route53, z);
    snapshotTimer = setInterval(() => void snapshotRoute53(route53, snapshotFile).catch(() => undefined), 5000);

    // The worker in this process acts on the emulator; releases' apps come back first so
    // releases that were in flight resume against running colors.
    process.env.AWS_ENDPOINT_URL_ROUTE_53 = route53Endpoint;
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.BLUEGREEN_STATE_DIR = o.stateDir;
    const { restarted: restored, failed: notRestored } = await restoreLocalProcesses(o.stateDir);
    const t: Temporal = {
      connection: connection!,
      client: new Client({ connection: connection!, namespace: 'default' }),
      namespace: 'default',
      address: temporalAddress,
    };
    worker = await createWorker(connection!, 'default', { stateDir: o.stateDir, route53 });
    workerRun = worker.run();
    workerRun.catch((err) => o.log(`worker stopped: ${(err as Error).message}`));
    writeFileSync(
      path.join(o.stateDir, 'dev.json'),
      JSON.stringify(
        { temporalAddress, uiPort: o.uiPort, route53Endpoint, prometheusUrl, taskQueue: taskQueue(), pid: process.pid },
        null,
        2,
      ),
    );
    return {
      temporal: t,
      temporalAddress,
      uiUrl: `http://127.0.0.1:${o.uiPort}`,
      route53Endpoint,
      prometheusUrl,
      prometheusMissing: prometheusBin
        ? undefined
        : `Prometheus is not installed (${PROMETHEUS_INSTALL}); analysis uses the built-in HTTP probe only`,
      frontDoor,
      frontDoorMissing: haproxyBin
        ? undefined
        : o.frontDoorPort
          ? `HAProxy is not installed (${HAPROXY_INSTALL}); no front door`
          : 'no front door asked for',
      zones,
      restored,
      notRestored,
      worker,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
