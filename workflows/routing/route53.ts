// Route 53 as the workflow moves it: every API request is its own activity on the Route 53 task
// queue (`<queue>-route53`), which workers poll with a server-side rate limit, so one activity task
// is one request and the fleet's request budget holds across every worker. GetChange polling is
// the poll activity's retry policy. docs/architecture.md says why.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Activities } from '../../contract/activities';
import type { Color, DnsSpec } from '../spec';
import type { Weights } from '../plan';
import type { ObservedWeights } from '../../contract/weights';
import { fqdn, setIdentifierFor } from '../names';
import {
  batcherIdFor,
  batchReplySignal,
  batchRequestSignal,
  type BatchReply,
  type BatchRequest,
  type ChangeRequest,
  type Lane,
  type ReadRequest,
} from './route53-batcher';
import { COLORS as colors, recordKey, weightChanges } from './route53-records';
import type { HealthCheckIds } from './route53-health-checks';

export const ROUTE53_QUEUE_SUFFIX = '-route53';
/** GetChange: first poll about 1 s after the change, then 2 s, 4 s, capped at 5 s (activity retries). */
export const FIRST_SYNC_POLL_MS = 1000;
export const SYNC_POLL_MAX = '5s';

export function route53QueueFor(taskQueue: string): string {
  return `${taskQueue}${ROUTE53_QUEUE_SUFFIX}`;
}

/** The traffic verbs of a Route 53 record (the budgeted path takes Route 53 specs only). */
export interface Route53Traffic {
  readTraffic(dns: DnsSpec): Promise<ObservedWeights>;
  /** `checks`: the health check each record carries after the change (absent: none). */
  shiftTraffic(dns: DnsSpec, weights: Weights, checks?: HealthCheckIds): Promise<{ changeId: string; polls: number }>;
  removeTraffic(dns: DnsSpec): Promise<{ removed: boolean }>;
  /** The health check each color's record carries now. */
  readHealthChecks(dns: DnsSpec): Promise<HealthCheckIds>;
}

/**
 * readTraffic / shiftTraffic / removeTraffic as one-request activities on the Route 53 queue.
 * The zone id is asked once per release (and answered from the worker's cache after the first).
 */
export function budgetedTraffic(
  doRetry: RetryPolicy,
  undoRetry: RetryPolicy,
  permanent: string[],
): { dns: Route53Traffic; undo: Route53Traffic } {
  // Releases since per-zone batching hand their requests to the zone's batcher workflow; histories
  // recorded before it replay on one activity per request.
  if (patched('route53-batching')) return batchedTraffic(doRetry);
  const taskQueue = route53QueueFor(workflowInfo().taskQueue);
  // One request per attempt: 30 s is generous; a throttled attempt is retried with backoff.
  const callOptions = (retry: RetryPolicy): ActivityOptions => ({ taskQueue, startToCloseTimeout: '30s', retry });
  const poll = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: '30s',
    // Route 53 promises INSYNC within about a minute; ten is a change that will not come.
    scheduleToCloseTimeout: '10m',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: SYNC_POLL_MAX,
      nonRetryableErrorTypes: permanent,
    },
  });
  let zoneId: string | undefined;

  const build = (retry: RetryPolicy): Route53Traffic => {
    const call = proxyActivities<Activities>(callOptions(retry));
    const zoned = async (dns: DnsSpec): Promise<DnsSpec> => {
      if (dns.hostedZoneId) return dns;
      zoneId ??= await call.route53HostedZone(dns);
      return { ...dns, hostedZoneId: zoneId };
    };
    /** Runs a call with the zone id; a zone found by name and since recreated is looked up again, once. */
    const inZone = async <T>(dns: DnsSpec, fn: (zonedDns: DnsSpec) => Promise<T>): Promise<T> => {
      try {
        return await fn(await zoned(dns));
      } catch (err) {
        const gone =
          err instanceof ActivityFailure &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === 'NoSuchHostedZone';
        if (dns.hostedZoneId || zoneId === undefined || !gone) throw err;
        zoneId = undefined;
        return fn(await zoned(dns));
      }
    };
    const inSync = async (changeId: string): Promise<number> => {
      await sleep(FIRST_SYNC_POLL_MS);
      const { polls } = await poll.route53AwaitChange(changeId);
      log.info('route53 change in sync', { changeId, polls });
      return polls;
    };
    return {
      readTraffic: async (dns) => inZone(dns, (d) => call.route53ReadWeights(d)),
      // Runs on this path predate dns.healthCheck: no record of theirs carries one.
      readHealthChecks: async () => ({}),
      shiftTraffic: async (dns: DnsSpec, weights: Weights) => {
        const changeId = await inZone(dns, (d) => call.route53ChangeWeights(d, weights));
        log.info('route53 weights changed', { changeId, weights });
        return { changeId, polls: await inSync(changeId) };
      },
      removeTraffic: async (dns) => {
        const { changeId } = await inZone(dns, async (d) => {
          const found = await call.route53ReadRecords(d);
          return { records: found, changeId: await call.route53DeleteRecords(d, found) };
        });
        if (changeId) await inSync(changeId);
        return { removed: changeId !== null };
      },
    };
  };
  return { dns: build(doRetry), undo: build(undoRetry) };
}

/** How long a release waits for the batcher's answer before it sends the request again. */
// Short enough that a request lost as the batcher continued as new (a signal that arrives during
// that last task) costs seconds, not minutes; a resend of a request still pending is ignored.
const RESEND_MS: Record<Lane, number> = { do: 30_000, undo: 10_000 };

/**
 * readTraffic / shiftTraffic / removeTraffic through the zone's batcher (route53-batcher.ts).
 * A request is handed over by signal-with-start from a local activity (no task queue to wait in),
 * a compensation's by the release's own signal while the batcher runs, and answered by signal;
 * one that gets no answer in time is sent again with the same id, so a batcher lost in any way
 * never loses a release's change. The zone id comes from the worker's cache (a local activity, no
 * budget slot); only a miss asks Route 53, on the rate-limited queue.
 */
export function batchedTraffic(lookupRetry: RetryPolicy): { dns: Route53Traffic; undo: Route53Traffic } {
  const info = workflowInfo();
  const route53Queue = route53QueueFor(info.taskQueue);
  const local = proxyLocalActivities<Activities>({
    startToCloseTimeout: '10s',
    retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 10 },
  });
  const lookup = proxyActivities<Activities>({
    taskQueue: route53Queue,
    startToCloseTimeout: '30s',
    retry: lookupRetry,
  });
  const replies = new Map<string, BatchReply>();
  setHandler(batchReplySignal, (r) => void replies.set(r.id, r), {
    description:
      "Internal, not for operators: the zone's Route 53 batcher answers this release's request (a change, a read). Sending it by hand can make the release believe a change happened.",
  });
  let seq = 0;
  let zoneId: string | undefined;

  const zoneOf = async (dns: DnsSpec): Promise<string> => {
    if (dns.hostedZoneId) return dns.hostedZoneId;
    zoneId ??= (await local.route53CachedZone(dns.zoneName!)) ?? (await lookup.route53HostedZone(dns));
    return zoneId;
  };
  const ask = async (
    dns: DnsSpec,
    request: Omit<ChangeRequest, 'id' | 'from' | 'record'> | Omit<ReadRequest, 'id' | 'from' | 'record'>,
  ): Promise<BatchReply> => {
    const id = `${info.runId}/${++seq}`;
    const zone = await zoneOf(dns);
    const full = { ...request, id, from: info.workflowId, record: recordKey(dns) } as BatchRequest;
    const batcherId = batcherIdFor(info.taskQueue, zone);
    const enqueue = () => local.route53Enqueue({ batcherId, zoneId: zone, taskQueue: info.taskQueue, request: full });
    // Waits longer after each resend: a batcher that is slow, not lost, must not be flooded.
    for (let wait = RESEND_MS[request.lane]; ; wait = Math.min(2 * wait, 10 * 60_000)) {
      // A compensation signals the running batcher from the workflow itself, so the abort's task
      // completes at once; a local activity would hold it open until the worker ran it, behind
      // every other release's (seconds under a fleet of 300). Only when no batcher runs does the
      // local activity start one (signal-with-start).
      if (request.lane === 'undo' && patched('undo-signals-batcher')) {
        try {
          await getExternalWorkflowHandle(batcherId).signal(batchRequestSignal, full);
        } catch {
          await enqueue();
        }
      } else await enqueue();
      if (await condition(() => replies.has(id), wait)) break;
      log.warn('no answer from the Route 53 batcher; sending the request again', { id, lane: request.lane });
    }
    const reply = replies.get(id)!;
    replies.delete(id);
    if (!reply.error) return reply;
    // A zone found by name and since recreated: look it up again, once.
    if (reply.error.type === 'NoSuchHostedZone' && !dns.hostedZoneId && zoneId !== undefined) {
      await local.route53ForgetZone(dns.zoneName!);
      zoneId = undefined;
      return ask(dns, request);
    }
    throw ApplicationFailure.create({ message: reply.error.message, type: reply.error.type, nonRetryable: true });
  };
  const readRecords = async (dns: DnsSpec, lane: Lane): Promise<Partial<Record<Color, ResourceRecordSet>>> => {
    const { records = [] } = await ask(dns, { kind: 'read', lane, name: fqdn(dns.recordName), type: dns.recordType });
    const out: Partial<Record<Color, ResourceRecordSet>> = {};
    for (const c of colors) {
      const rr = records.find((r) => r.SetIdentifier === setIdentifierFor(dns.recordName, c));
      if (rr) out[c] = rr;
    }
    return out;
  };

  const build = (lane: Lane): Route53Traffic => ({
    readTraffic: async (dns) => {
      const records = await readRecords(dns, lane);
      const weights: ObservedWeights = {};
      for (const c of colors) if (records[c]) weights[c] = records[c].Weight ?? 0;
      return weights;
    },
    readHealthChecks: async (dns) => {
      const records = await readRecords(dns, lane);
      const checks: HealthCheckIds = {};
      for (const c of colors) if (records[c]?.HealthCheckId) checks[c] = records[c].HealthCheckId;
      return checks;
    },
    shiftTraffic: async (dns, weights, checks) => {
      const r = await ask(dns, { kind: 'change', lane, changes: weightChanges(dns, weights, checks) });
      log.info('route53 weights in sync', { changeId: r.changeId, weights, polls: r.polls });
      return { changeId: r.changeId!, polls: r.polls ?? 0 };
    },
    removeTraffic: async (dns) => {
      const found = Object.values(await readRecords(dns, lane));
      if (found.length === 0) return { removed: false };
      const changes = found.map((rr) => ({ Action: 'DELETE' as const, ResourceRecordSet: rr }));
      const r = await ask(dns, { kind: 'change', lane, changes });
      return { removed: r.changeId !== null };
    },
  });
  return { dns: build('do'), undo: build('undo') };
}
