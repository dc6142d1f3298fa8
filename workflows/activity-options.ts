// How workflows call activities: timeouts and retries fitted to each external system, and which
// task queue each call goes to. Shared by every workflow that acts on a release's world.
//
// Two routing rules live here (docs/architecture.md says why):
// - Route 53: every API request is its own activity on the Route 53 task queue
//   (`<queue>-route53`), which workers poll with a server-side rate limit: the fleet's budget.
// - local provider: a color's process lives on one host, so its provision, decommission and
//   compensation run on that host's queue (`<queue>-host-<id>`), recorded in the workflow memo.
import {
  ActivityCancellationType,
  patched,
  proxyActivities,
  upsertMemo,
  workflowInfo,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities, ColorHosts, ColorRequest } from '../contract/activities';
import { REPORT_EVERY_MS } from './analysis';
import { parseDuration } from './duration';
import type { Color, GateSpec, ReleaseSpec } from './spec';
import { budgetedTraffic, route53QueueFor } from './routing/route53';
import { ROUTE53_UNDO_QUEUE_SUFFIX } from './routing/route53-batcher';
import { routedTraffic } from './routing';
import { targetRefOf } from './target';
import { PERMANENT_ROUTE53_ERRORS } from './route53-errors';

export { FIRST_SYNC_POLL_MS, ROUTE53_QUEUE_SUFFIX, route53QueueFor, SYNC_POLL_MAX } from './routing/route53';
export type { ColorHosts };

/** How long a hold's analysis activity may go without a heartbeat before another worker takes it. */
export const ANALYSIS_HEARTBEAT_TIMEOUT = '20s';

export function hostQueueFor(taskQueue: string, hostId: string): string {
  return `${taskQueue}-host-${hostId}`;
}

/** Memo key holding ColorHosts.owners; the next release of the record reads it back. */
export const HOSTS_MEMO = 'bluegreenHosts';

/** Lets the workflow show routing decisions in its status (e.g. "waits for host A's worker"). */
export type Note = (type: string, message: string) => void;

/** Failures no retry can fix: Route 53's (one list with the router's) and a misconfigured environment. */
const permanent = [...PERMANENT_ROUTE53_ERRORS, 'EnvironmentMisconfigured', 'MissingEnvironmentVariable'];

type Environment = Pick<Activities, 'provisionColor' | 'decommissionColor' | 'locateColor'>;

/** Timeouts, retries and task queues fitted to each external system. */
export function activitiesFor(spec: ReleaseSpec, note: Note = () => undefined) {
  const route53: ActivityOptions = {
    // Includes waiting for INSYNC, which Route 53 promises within about a minute.
    startToCloseTimeout: '10m',
    heartbeatTimeout: '1m',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 8,
      nonRetryableErrorTypes: permanent,
    },
  };
  const envMs = spec.environment.provider === 'command' ? parseDuration(spec.environment.timeout) : 2 * 60_000;
  const graceMs = spec.environment.provider === 'local' ? parseDuration(spec.environment.stopGracePeriod) : 0;
  // An abort cancels a running provision; the undo (decommission) must not start until the
  // provision's command has stopped, or a provision finishing after its own teardown leaves an
  // orphaned color. The activity sees the cancel on its next heartbeat (every few seconds, see
  // worker/run.ts), stops its process group and reports back; only then does the rollback run.
  // Histories recorded before this patch moved on at once and replay that way.
  const waitsForStop = patched('env-cancel-waits');
  const environment: ActivityOptions = {
    startToCloseTimeout: envMs + graceMs + 30_000,
    heartbeatTimeout: '30s',
    ...(waitsForStop ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      maximumAttempts: 3,
      nonRetryableErrorTypes: permanent,
    },
  };
  const h = spec.verify.http;
  const probes: ActivityOptions = {
    startToCloseTimeout: h.attempts * (parseDuration(h.interval) + parseDuration(h.timeout)) + 60_000,
    heartbeatTimeout: '30s',
    retry: { maximumAttempts: 2 },
  };
  // Undo gets more patience than do: giving up here means a human has to step in.
  const undoRetry: RetryPolicy = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '1m',
    maximumAttempts: 10,
    nonRetryableErrorTypes: permanent,
  };
  const undo: ActivityOptions = { startToCloseTimeout: '10m', heartbeatTimeout: '1m', retry: undoRetry };
  // verify.command: its timeout, the stop's grace, and room to report. An abort waits until the
  // test's process group is gone before the rollback goes on; a second attempt only after a lost
  // worker (a failing test is a result, not an error).
  const smokeMs = spec.verify.command ? parseDuration(spec.verify.command.timeout) : 0;
  const smoke: ActivityOptions = {
    startToCloseTimeout: smokeMs + 10_000 + 30_000,
    heartbeatTimeout: '30s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2s', maximumAttempts: 2, nonRetryableErrorTypes: permanent },
  };
  const lookup: ActivityOptions = {
    startToCloseTimeout: '1m',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 5,
      nonRetryableErrorTypes: permanent,
    },
  };

  const lookupActs = proxyActivities<Activities>(lookup);
  const legacyDns = proxyActivities<Activities>(route53);
  const legacyEnv = proxyActivities<Activities>(environment);
  const legacyUndo = proxyActivities<Activities>(undo);

  // Histories recorded before these patches replay on the old paths (one activity per shift on
  // the main queue; colors on any worker).
  const budgeted = patched('route53-budget');
  const pinned = spec.environment.provider === 'local' && patched('host-pinning');

  const traffic = budgeted ? budgetedTraffic(route53.retry!, undoRetry, permanent) : null;
  // Routers other than Route 53 (specs with `router`, which no old history has) apply a change
  // at once: one short call, retried like Route 53's requests.
  const generic = spec.router ? immediateRouter(route53.retry!, undoRetry) : null;
  const dns = routedTraffic(traffic?.dns, generic?.dns ?? legacyDns);
  const undoTraffic = routedTraffic(traffic?.undo, generic?.undo ?? legacyUndo);

  const hosts = pinned ? colorPinning(lookupActs, spec, environment, undo, smoke, note) : null;
  const env: Environment = hosts?.env ?? legacyEnv;
  const undoEnv: Environment = hosts?.undo ?? legacyUndo;

  // A gate retries an unreachable URL itself until its own timeout; Temporal only covers a lost worker.
  const gates = (gate: GateSpec) =>
    proxyActivities<Activities>({
      startToCloseTimeout: parseDuration(gate.timeout) + 30_000,
      heartbeatTimeout: '30s',
      retry: { maximumAttempts: 3 },
    });
  // One analysis window (activities/watch.ts) plus room for its last round. It runs through every
  // hold, so a lost worker must show quickly: it heartbeats every few seconds (the worker sends
  // one at most every 10 s, see worker/run.ts), so 20 s without one means the worker is gone.
  const analysis: ActivityOptions = {
    startToCloseTimeout: REPORT_EVERY_MS + 10 * 60_000,
    heartbeatTimeout: ANALYSIS_HEARTBEAT_TIMEOUT,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
  };
  // Route 53 health checks (dns.healthCheck): requests on the Route 53 queues like every other.
  const route53Queue = route53QueueFor(workflowInfo().taskQueue);
  const healthChecks = {
    do: proxyActivities<Activities>({ taskQueue: route53Queue, startToCloseTimeout: '2m', retry: route53.retry }),
    undo: proxyActivities<Activities>({
      taskQueue: `${workflowInfo().taskQueue}${ROUTE53_UNDO_QUEUE_SUFFIX}`,
      startToCloseTimeout: '2m',
      retry: undoRetry,
    }),
  };
  return {
    gates,
    healthChecks,
    lookup: lookupActs,
    analysis: proxyActivities<Activities>(analysis),
    dns,
    env,
    probe: proxyActivities<Activities>(probes),
    /** verify.command runs where the color runs: a local color's endpoint is a port on its host. */
    smokeTest: hosts?.smokeTest ?? proxyActivities<Activities>(smoke).smokeTest,
    undo: {
      shiftTraffic: undoTraffic.shiftTraffic,
      removeTraffic: undoTraffic.removeTraffic,
      decommissionColor: undoEnv.decommissionColor,
      locateColor: undoEnv.locateColor,
    },
  };
}

/**
 * The generic traffic activities for a router whose changes are immediate (ALB, HAProxy): a call
 * is one API request or one Runtime API command, so a minute is generous and a lost worker is
 * noticed fast; an unreachable router is retried with backoff, a misconfigured one is not.
 */
function immediateRouter(doRetry: RetryPolicy, undoRetry: RetryPolicy): { dns: Activities; undo: Activities } {
  const options = (retry: RetryPolicy): ActivityOptions => ({
    startToCloseTimeout: '1m',
    heartbeatTimeout: '30s',
    retry: { ...retry, nonRetryableErrorTypes: [...permanent, 'RouterMisconfigured'] },
  });
  return {
    dns: proxyActivities<Activities>(options(doRetry)),
    undo: proxyActivities<Activities>(options(undoRetry)),
  };
}

/**
 * Local-provider colors run on the host that started their process. The record's owners come
 * from its last finished release (memo), a new color joins the host of the other color, and a
 * record with no owner yet goes to the host of whichever worker answers first.
 */
function colorPinning(
  lookup: Activities,
  spec: ReleaseSpec,
  environment: ActivityOptions,
  undo: ActivityOptions,
  smoke: ActivityOptions,
  note: Note,
): { env: Environment; undo: Environment; smokeTest: Activities['smokeTest'] } {
  let hosts: ColorHosts | undefined;
  const other = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');
  const hostFor = async (color: Color): Promise<string | null> => {
    hosts ??= await lookup.colorHosts(targetRefOf(spec));
    return hosts.owners[color] ?? hosts.owners[other(color)] ?? hosts.here;
  };
  const own = (color: Color, queue: string | null) => {
    if (!hosts) return;
    if (queue) hosts.owners[color] = queue;
    else delete hosts.owners[color];
    upsertMemo({ [HOSTS_MEMO]: { ...hosts.owners } });
  };

  const build = (options: ActivityOptions, fallback: Activities): Environment => ({
    provisionColor: async (req: ColorRequest) => {
      const queue = await hostFor(req.color);
      if (!queue) return fallback.provisionColor(req);
      // Recorded first: a compensation after a half-done provision must go to the same host.
      own(req.color, queue);
      note('host', `${req.color} runs on task queue ${queue}; its activities wait for that host's worker`);
      return proxyActivities<Activities>({ ...options, taskQueue: queue }).provisionColor(req);
    },
    decommissionColor: async (req: ColorRequest) => {
      const queue = await hostFor(req.color);
      if (!queue) return fallback.decommissionColor(req);
      note('host', `decommissioning ${req.color} on task queue ${queue}; waits for that host's worker`);
      const done = await proxyActivities<Activities>({ ...options, taskQueue: queue }).decommissionColor(req);
      own(req.color, null);
      return done;
    },
    locateColor: async (req: ColorRequest) => {
      const queue = await hostFor(req.color);
      if (!queue) return fallback.locateColor(req);
      return proxyActivities<Activities>({ ...options, taskQueue: queue }).locateColor(req);
    },
  });
  return {
    env: build(environment, proxyActivities<Activities>(environment)),
    undo: build(undo, proxyActivities<Activities>(undo)),
    smokeTest: async (req) => {
      const queue = await hostFor(req.vars.color);
      return proxyActivities<Activities>(queue ? { ...smoke, taskQueue: queue } : smoke).smokeTest(req);
    },
  };
}
