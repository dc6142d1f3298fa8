// The bluegreen worker: runs release workflows and their activities. One process polls three
// task queues: the shared one (workflows, most activities), the Route 53 one (every Route 53
// request, rate-limited by the server for the whole fleet) and its host's own queue (the local
// provider's colors, pinned to the host that runs their processes).
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { connectionConfig, ensureSearchAttributes, taskQueue, unreachable } from '../client/connect';
import { hostQueueFor, route53QueueFor } from '../workflows/activity-options';
import { ROUTE53_BATCHER_QUEUE_SUFFIX, ROUTE53_UNDO_QUEUE_SUFFIX } from '../contract/queues';
import { route53Pacer } from '../activities/routers/route53/pacer';
import { workflowCodeOption } from './bundle';
import { activityOutcomeLogging, installRuntime, logFormatFromEnv, serveMetrics } from './observability';

/** Route 53's documented per-account limit: 5 requests per second. */
export const DEFAULT_ROUTE53_BUDGET = 5;
/**
 * Workflows kept in memory between tasks. A release mostly waits on timers; an evicted one is
 * replayed from history on its next task (milliseconds for a release's few hundred events).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** Zone batchers kept in memory: one per hosted zone a fleet releases into. */
const BATCHER_CACHE = 50;
/** How long a batcher's task may wait on this worker's sticky queue before any batcher worker takes it. */
export const BATCHER_STICKY_TIMEOUT = '1s';

export function defaultStateDir(): string {
  return path.resolve(process.env.BLUEGREEN_STATE_DIR ?? '.bluegreen');
}

export interface FleetOptions {
  /** Route 53 requests per second across every worker of the task queue. */
  route53Budget?: number;
  /** This host's identity; its queue is `<task queue>-host-<id>`. */
  hostId?: string;
  maxCachedWorkflows?: number;
  /**
   * Activities this worker runs at once on the shared queue (SDK default 100). Every release in a
   * hold runs one analysis window, mostly waiting: a fleet larger than this stretches its holds.
   */
  maxConcurrentActivities?: number;
  /**
   * Threads that run the releases' workflow code (SDK default 1). Every workflow task of every
   * release runs on them; with hundreds of releases one thread is the busy part and an abort's
   * task waits behind the fleet's (docs/production.md "Scaling").
   */
  workflowThreads?: number;
  /** Workflow tasks this worker runs at once on the shared queue (SDK default 40). */
  maxConcurrentWorkflowTasks?: number;
}

/** The worker's queues run and stop together; shaped like a Worker for its callers. */
export interface WorkerGroup {
  run(): Promise<void>;
  shutdown(): void;
  getState(): ReturnType<Worker['getState']>;
  queues: { shared: string; route53: string; route53Undo: string; route53Batchers: string; host: string };
}

export function fleetOptionsFromEnv(): FleetOptions {
  return {
    route53Budget: numberFromEnv('BLUEGREEN_ROUTE53_BUDGET'),
    hostId: process.env.BLUEGREEN_HOST_ID || undefined,
    maxCachedWorkflows: numberFromEnv('BLUEGREEN_MAX_CACHED_WORKFLOWS'),
    maxConcurrentActivities: numberFromEnv('BLUEGREEN_MAX_CONCURRENT_ACTIVITIES'),
    workflowThreads: numberFromEnv('BLUEGREEN_WORKFLOW_THREADS'),
    maxConcurrentWorkflowTasks: numberFromEnv('BLUEGREEN_MAX_CONCURRENT_WORKFLOW_TASKS'),
  };
}

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return n;
}

export async function createWorker(
  connection: NativeConnection,
  namespace: string,
  deps: Partial<ActivityDeps> = {},
  options: Partial<WorkerOptions> = {},
  fleet: FleetOptions = fleetOptionsFromEnv(),
): Promise<WorkerGroup> {
  const added = await ensureSearchAttributes(connection, namespace);
  if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  const shared = taskQueue();
  const queues = {
    shared,
    route53: route53QueueFor(shared),
    route53Undo: `${shared}${ROUTE53_UNDO_QUEUE_SUFFIX}`,
    route53Batchers: `${shared}${ROUTE53_BATCHER_QUEUE_SUFFIX}`,
    host: hostQueueFor(shared, sanitizeHostId(fleet.hostId ?? os.hostname())),
  };
  const activities = createActivities({
    stateDir: defaultStateDir(),
    temporal: new Client({ connection, namespace }),
    hostQueue: queues.host,
    route53Batchers: true,
    ...deps,
  });
  const common = {
    connection,
    namespace,
    activities,
    interceptors: { activity: [activityOutcomeLogging] },
    // Heartbeats carry progress `status` shows (the latest analysis round, a provision's step);
    // the SDK would hold them back for up to 80% of the heartbeat timeout (48 s of a minute).
    // They also carry cancellation back: a cancelled provision learns of it only in a heartbeat's
    // answer, so with the environment activities' 2 s keep-alive an abort reaches a running
    // command within about 3 s.
    maxHeartbeatThrottleInterval: 3_000,
  };
  const code = workflowCodeOption();
  if ('workflowBundle' in code) console.log(`workflow code: prebuilt bundle ${code.workflowBundle.codePath}`);
  const main = await Worker.create({
    ...common,
    taskQueue: queues.shared,
    ...code,
    maxCachedWorkflows: fleet.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    ...(fleet.maxConcurrentActivities ? { maxConcurrentActivityTaskExecutions: fleet.maxConcurrentActivities } : {}),
    ...(fleet.workflowThreads ? { workflowThreadPoolSize: fleet.workflowThreads } : {}),
    ...(fleet.maxConcurrentWorkflowTasks
      ? { maxConcurrentWorkflowTaskExecutions: fleet.maxConcurrentWorkflowTasks }
      : {}),
    ...options,
  });
  const budget = fleet.route53Budget ?? DEFAULT_ROUTE53_BUDGET;
  const rates = route53Rates(budget);
  // This worker spaces its own requests at the whole budget (compensations first), so the
  // server's bucket may be given the whole budget without a burst past it (see pacer.ts).
  route53Pacer.setBudget(budget);
  const route53 = await Worker.create({
    ...common,
    taskQueue: queues.route53,
    // Enforced by the Temporal server for the whole queue, whichever worker polls it.
    maxTaskQueueActivitiesPerSecond: rates.ordinary,
    // Each activity is one short request; a few slots keep the budget busy without a backlog here.
    maxConcurrentActivityTaskExecutions: 20,
  });
  // The way back: compensations and their GetChange polls, on a queue of their own with a
  // reserved slice of the budget, so they never wait behind the fleet's ordinary changes.
  const route53Undo = await Worker.create({
    ...common,
    taskQueue: queues.route53Undo,
    maxTaskQueueActivitiesPerSecond: rates.undo,
    maxConcurrentActivityTaskExecutions: 10,
  });
  const host = await Worker.create({ ...common, taskQueue: queues.host });
  // The zone batchers' workflows, apart from the releases': their own task slots and cache, so an
  // abort's restore is not queued behind the fleet's tasks nor slowed by replaying a batcher's
  // long history after the releases pushed it out of the cache. One batcher per hosted zone.
  const batchers = await Worker.create({
    connection,
    namespace,
    taskQueue: queues.route53Batchers,
    ...code,
    maxCachedWorkflows: BATCHER_CACHE,
    maxConcurrentWorkflowTaskExecutions: 4,
    // A batcher's next task goes to this worker's sticky queue. With 300 releases on a busy dev
    // server such a task sat there unpolled until the SDK's 10 s sticky timeout, and an abort's
    // restore waited with it (bench timeline, docs/production.md "Measured"). After 1 s it moves
    // to the batchers' shared queue, which this worker polls as well: the cost is one replay of
    // the batcher's run (at most 2,000 events), against seconds of every release waiting.
    stickyQueueScheduleToStartTimeout: BATCHER_STICKY_TIMEOUT,
  });
  const workers = [main, route53, route53Undo, host, batchers];
  return {
    queues,
    getState: () => main.getState(),
    shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    async run() {
      // One stopping (a fatal error, a signal) stops the others: half a worker is worse than none.
      const runs = workers.map((w) =>
        w.run().finally(() => {
          for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
        }),
      );
      const results = await Promise.allSettled(runs);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * The server-side rates of the two Route 53 queues: together the whole budget, of which the undo
 * queue keeps a fifth (at least one request per second) for compensations. Each worker's pacer
 * smooths the token bucket's bursts (activities/routers/route53/pacer.ts).
 */
export function route53Rates(budget: number): { ordinary: number; undo: number } {
  const undo = Math.min(budget / 2, Math.max(1, budget / 5));
  return { ordinary: budget - undo, undo };
}

/** Task queue names allow most characters; keep host ids readable and free of separators. */
function sanitizeHostId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '-');
}

export interface RunWorkerOptions extends FleetOptions {
  metricsPort?: number;
}

/** `bluegreen worker`: runs until SIGINT/SIGTERM, finishing in-flight work first. */
export async function runWorker(opts: RunWorkerOptions = {}): Promise<void> {
  const fleet = { ...fleetOptionsFromEnv(), ...definedOnly(opts) };
  const metricsPort = opts.metricsPort ?? numberFromEnv('BLUEGREEN_METRICS_PORT');
  const sdkMetrics = await installRuntime({ logFormat: logFormatFromEnv(), metrics: metricsPort !== undefined });
  const { options, namespace } = connectionConfig();
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(options);
  } catch (err) {
    throw unreachable(options.address, namespace, err);
  }
  const metricsServer =
    metricsPort !== undefined
      ? await serveMetrics(metricsPort, process.env.BLUEGREEN_METRICS_HOST || '0.0.0.0', sdkMetrics)
      : undefined;
  const worker = await createWorker(connection, namespace, {}, {}, fleet);
  console.log(
    `bluegreen worker on ${options.address}, namespace ${namespace}, task queues ${worker.queues.shared} ` +
      `(Route 53: ${worker.queues.route53} and ${worker.queues.route53Undo} at ${fleet.route53Budget ?? DEFAULT_ROUTE53_BUDGET} requests/s together; ` +
      `this host: ${worker.queues.host}); state in ${defaultStateDir()}` +
      (metricsPort !== undefined ? `; metrics on :${metricsPort}/metrics` : ''),
  );
  try {
    await worker.run();
  } finally {
    metricsServer?.close();
    await connection.close();
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
