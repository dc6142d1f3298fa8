// The activities behind the zone batcher (workflows/routing/route53-batcher.ts). Those that make a
// Route 53 request make exactly one and run on the rate-limited Route 53 queues; the two local
// activities a release runs (the zone id from this worker's cache, handing a request to the
// batcher) make none and never wait in a task queue. See docs/architecture.md.
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type Change,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { batchRequestSignal, type BatchRequest } from '../../../contract/route53-batch';
import { ROUTE53_BATCHER_QUEUE_SUFFIX } from '../../../contract/queues';
import { listingOrder } from '../../../contract/route53-records';
import { fqdn } from '../../../contract/names';
import { cachedZoneId, forgetZone, Route53Router, type CallObserver } from './router';
import type { DnsSpec } from '../../../contract/spec';
import { pacedRequests } from './paced-request';
import { route53Pacer } from './pacer';
import type { ListCursor } from '../../../contract/activities';
export type { ListCursor };

/** Records per ListResourceRecordSets page: Route 53's maximum. */
const PAGE_SIZE = 300;

export function createBatchedRoute53Activities(
  client: () => Route53Client,
  temporal: () => Client | undefined,
  observe: CallObserver,
  /** Whether this worker polls the batchers' own queue (worker/run.ts); tests' workers may not. */
  batchers = false,
) {
  /** One request, paced (compensations first), counted and classified like every budgeted call. */
  const { request } = pacedRequests(observe);

  /** Lookups waiting for their paced turn, so releases asking meanwhile share them. */
  const lookups = new Map<string, Promise<string>>();

  return {
    /**
     * Local: the zone id for the name from this worker's cache. A worker's first release of a zone
     * looks it up (one paced request, shared by every release that asks meanwhile); none after.
     */
    async route53CachedZone(zoneName: string): Promise<string | null> {
      const cached = await cachedZoneId(client(), zoneName);
      if (cached) return cached;
      let lookup = lookups.get(zoneName);
      if (!lookup) {
        lookup = (async () => {
          await route53Pacer.turn(false);
          return new Route53Router({ zoneName } as DnsSpec, client(), observe).hostedZoneId();
        })();
        lookups.set(zoneName, lookup);
        // Settled either way: the router's cache answers from now on, or the next release asks again.
        void lookup.finally(() => lookups.delete(zoneName)).catch(() => undefined);
      }
      return lookup;
    },

    /** Local: forgets a zone id Route 53 no longer knows (the zone was recreated under its name). */
    async route53ForgetZone(zoneName: string): Promise<void> {
      forgetZone(client(), zoneName);
    },

    /** Local: hands a request to the zone's batcher, starting the batcher if it is not running. */
    async route53Enqueue(args: { batcherId: string; zoneId: string; taskQueue: string; request: BatchRequest }) {
      const t = temporal();
      if (!t) throw ApplicationFailure.nonRetryable('no Temporal client in this worker', 'Misconfigured');
      // A worker that serves the batchers' own queue starts them there; a batcher already running
      // (on either queue) just gets the signal.
      const batcherQueue = batchers ? `${args.taskQueue}${ROUTE53_BATCHER_QUEUE_SUFFIX}` : args.taskQueue;
      await t.workflow.signalWithStart('route53Batcher', {
        workflowId: args.batcherId,
        taskQueue: batcherQueue,
        args: [{ zoneId: args.zoneId, fleetQueue: args.taskQueue, windowMs: batchWindowMs() }],
        signal: batchRequestSignal,
        signalArgs: [args.request],
      });
    },

    /** One ChangeResourceRecordSets carrying several releases' changes; returns the change id. */
    async route53SubmitBatch(zoneId: string, changes: Change[], comment: string): Promise<string> {
      const out = await request('ChangeResourceRecordSets', () =>
        client().send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: { Comment: comment, Changes: changes },
          }),
        ),
      );
      return out.ChangeInfo!.Id!;
    },

    /**
     * One ListResourceRecordSets page from `start`, filtered to the wanted records' bluegreen record
     * sets. `next` is where the following page starts, or absent once the listing is past the last
     * wanted name (Route 53 lists names with their labels reversed) or at its end.
     */
    async route53ListPage(
      zoneId: string,
      start: ListCursor,
      wanted: { name: string; type: string }[],
    ): Promise<{ records: ResourceRecordSet[]; next?: ListCursor }> {
      const out = await request('ListResourceRecordSets', () =>
        client().send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as 'CNAME',
            StartRecordIdentifier: start.id,
            MaxItems: PAGE_SIZE,
          }),
        ),
      );
      const keys = new Set(wanted.map((w) => `${fqdn(w.name)}|${w.type}`));
      const last =
        wanted
          .map((w) => listingOrder(w.name))
          .sort()
          .pop() ?? '';
      const records = (out.ResourceRecordSets ?? []).filter(
        (rr) => keys.has(`${fqdn(rr.Name ?? '')}|${rr.Type}`) && rr.SetIdentifier?.startsWith('bluegreen-'),
      );
      const seen = out.ResourceRecordSets ?? [];
      const lastSeen = seen.length ? listingOrder(seen[seen.length - 1].Name ?? '') : '';
      if (!out.IsTruncated || !out.NextRecordName || lastSeen > last) return { records };
      // Skip the stretch of the zone no wanted name falls in: a pass for a few names spread over a
      // large zone costs at most a page per name, not every page between the first and the last.
      const ahead = wanted
        .filter((w) => listingOrder(w.name) >= lastSeen)
        .sort((a, b) => (listingOrder(a.name) < listingOrder(b.name) ? -1 : 1))[0];
      if (ahead && listingOrder(ahead.name) > listingOrder(out.NextRecordName))
        return { records, next: { name: fqdn(ahead.name), type: ahead.type } };
      return {
        records,
        next: { name: out.NextRecordName, type: out.NextRecordType ?? start.type, id: out.NextRecordIdentifier },
      };
    },
  };
}

/** The do lane's batch window (BLUEGREEN_ROUTE53_BATCH_MS, default 500 ms). */
export function batchWindowMs(): number {
  const raw = process.env.BLUEGREEN_ROUTE53_BATCH_MS;
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 500;
}
