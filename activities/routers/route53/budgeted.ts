// Route 53 activities that each make one API request, for the fleet's request budget: the
// workflow schedules them on the Route 53 task queue, whose activity dispatch Temporal rate-limits
// server-side (maxTaskQueueActivitiesPerSecond), so one activity task is one request and the limit
// holds across every worker. GetChange polling is the activity's own retry policy: a PENDING
// change fails the attempt, and Temporal schedules the next poll (1 s, 2 s, 4 s, 5 s, ...) through
// the same queue without adding history events. See docs/architecture.md.
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { colors, type DnsSpec } from '../../../contract/spec';
import { countRoute53Call } from '../../metrics';
import type { ObservedWeights, Weights } from '../router';
import { cachedZoneId, forgetZone, Route53Router, type CallObserver } from './router';
import { ROUTE53_UNDO_QUEUE_SUFFIX } from '../../../contract/queues';
import { route53Pacer } from './pacer';

/** Error type of a poll that found the change still PENDING: retried by the activity's policy. */
export const CHANGE_PENDING = 'ChangePending';

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** Waits for this worker's next Route 53 request slot; compensations (the undo queue) go first. */
async function paced(): Promise<void> {
  let urgent = false;
  try {
    urgent = Context.current().info.taskQueue.endsWith(ROUTE53_UNDO_QUEUE_SUFFIX);
  } catch {
    /* called outside an activity */
  }
  await route53Pacer.turn(urgent);
}

export const observe: CallObserver = (action, outcome, error) => {
  countRoute53Call(action, outcome);
  try {
    // The activity logger carries the workflow id (the release id) and the attempt.
    if (outcome === 'ok') log.info(`route53 ${action} ok`, { action, outcome });
    else log.warn(`route53 ${action} ${outcome}`, { action, outcome, error });
  } catch {
    /* called outside an activity */
  }
};

export function createRoute53Activities(client: () => Route53Client) {
  const router = (dns: DnsSpec) => new Route53Router(dns, client(), observe);
  /** A zone looked up by name that Route 53 no longer knows leaves the cache (see activity-options.ts). */
  const zoned = async <T>(dns: DnsSpec, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (dns.zoneName && err instanceof ApplicationFailure && err.type === 'NoSuchHostedZone')
        forgetZone(client(), dns.zoneName);
      throw err;
    }
  };
  return {
    /** The zone id for dns.zoneName; each worker asks Route 53 once per zone name. */
    async route53HostedZone(dns: DnsSpec): Promise<string> {
      if (!dns.hostedZoneId && !(await cachedZoneId(client(), dns.zoneName!))) await paced();
      return router(dns).hostedZoneId();
    },

    /** Current weights of the two colors' records (dns.hostedZoneId must be set). */
    async route53ReadWeights(dns: DnsSpec): Promise<ObservedWeights> {
      await paced();
      return zoned(dns, () => router(dns).readWeights());
    },

    /** One UPSERT batch of both weights; returns the change id. Weights are absolute: a retry is harmless. */
    async route53ChangeWeights(dns: DnsSpec, weights: Weights): Promise<string> {
      await paced();
      return zoned(dns, () => router(dns).changeWeights(weights));
    },

    /** One GetChange. PENDING fails this attempt on purpose; the retry policy is the polling loop. */
    async route53AwaitChange(changeId: string): Promise<{ polls: number }> {
      // The router needs a spec only for record operations; GetChange takes the id alone.
      const r = new Route53Router({} as DnsSpec, client(), observe);
      await paced();
      if (await r.isInSync(changeId)) return { polls: attempt() };
      throw ApplicationFailure.retryable(`Route 53 change ${changeId} is still PENDING`, CHANGE_PENDING);
    },

    /** The colors' record sets as Route 53 has them (for removal, which must name them exactly). */
    async route53ReadRecords(dns: DnsSpec): Promise<ResourceRecordSet[]> {
      await paced();
      const records = await zoned(dns, () => router(dns).readRecords());
      return colors.map((c) => records[c]).filter((r): r is ResourceRecordSet => r !== undefined);
    },

    /** One DELETE batch of the record sets read before; null when there was nothing to delete. */
    async route53DeleteRecords(dns: DnsSpec, records: ResourceRecordSet[]): Promise<string | null> {
      try {
        await paced();
        return await zoned(dns, () => router(dns).deleteRecords(records));
      } catch (err) {
        // A retry after a delete that went through (the reply was lost) finds nothing to delete.
        if (attempt() > 1 && err instanceof ApplicationFailure && err.type === 'InvalidChangeBatch') return null;
        throw err;
      }
    },
  };
}
