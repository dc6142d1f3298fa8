// Route 53 as the workflow moves it: every API request is its own activity on the Route 53 task
// queue (`<queue>-route53`), which workers poll with a server-side rate limit, so one activity task
// is one request and the fleet's request budget holds across every worker. GetChange polling is
// the poll activity's retry policy. docs/architecture.md says why.
import {
  ActivityFailure,
  ApplicationFailure,
  log,
  proxyActivities,
  sleep,
  workflowInfo,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DnsSpec } from '../spec';
import type { Weights } from '../plan';
import type { ObservedWeights } from '../../activities/routers';

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
  shiftTraffic(dns: DnsSpec, weights: Weights): Promise<{ changeId: string; polls: number }>;
  removeTraffic(dns: DnsSpec): Promise<{ removed: boolean }>;
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
