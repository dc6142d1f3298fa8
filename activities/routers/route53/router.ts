// Route 53 weighted records as a traffic router: one record per color under the same name,
// told apart by a SetIdentifier that embeds the record name (identifiers must be unique per
// record, and some Route 53 emulators delete by identifier across the whole zone).
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { ApplicationFailure } from '@temporalio/common';
import { colors, type Color, type DnsSpec } from '../../../contract/spec';
import { fqdn, setIdentifierFor } from '../../../contract/names';
import { PERMANENT_ROUTE53_ERRORS } from '../../../contract/route53-errors';
import type { ObservedWeights, TrafficRouter, WeightChange, Weights } from '../router';
import { weightChanges } from '../../../contract/route53-records';
import type { HealthCheckIds } from '../../../contract/route53-health-checks';

/** Errors that no retry can fix (one list with the workflow's retry policies). */
const PERMANENT_ERRORS = new Set(PERMANENT_ROUTE53_ERRORS);

export { fqdn, setIdentifierFor };

export function createRoute53Client(maxAttempts = 3): Route53Client {
  // Region and endpoint come from the standard chain (AWS_REGION, AWS_ENDPOINT_URL_ROUTE_53);
  // Route 53 is global, so a missing region falls back to us-east-1 instead of failing.
  // Budgeted calls use maxAttempts 1: an SDK-internal retry would be a request the fleet's
  // budget never saw; Temporal retries the activity instead, through the rate-limited queue.
  return new Route53Client({
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts,
  });
}

/** Errors that mean "too many requests": retried with backoff, and counted. */
export const THROTTLING_ERRORS = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/** What a router reports after each API call (metrics and logs hang off this). */
export type CallObserver = (action: string, outcome: 'ok' | 'throttled' | 'error', error?: string) => void;

// Zone ids never change for a name, so each worker asks once per zone name and client. Keyed by
// client so two Route 53 endpoints in one process (tests, `bluegreen dev`) never share answers;
// the promise is cached so concurrent releases on a cold worker still make one call.
const zoneIds = new WeakMap<Route53Client, Map<string, Promise<string>>>();

/** Drops a cached zone id: the zone was deleted and created again under the same name. */
export function forgetZone(client: Route53Client, zoneName: string): void {
  zoneIds.get(client)?.delete(fqdn(zoneName));
}

/** The zone id this process already has for the name (no request), or undefined. */
export async function cachedZoneId(client: Route53Client, zoneName: string): Promise<string | undefined> {
  const lookup = zoneIds.get(client)?.get(fqdn(zoneName));
  return lookup ? lookup.catch(() => undefined) : undefined;
}

/** Translates an SDK error into one Temporal retries (throttling, 5xx) or one it must not. */
export function classifyRoute53Error(err: unknown, action: string): Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? 'Error';
  const message = `Route 53 ${action} failed: ${name}: ${e?.message ?? String(err)}`;
  if (PERMANENT_ERRORS.has(name)) return ApplicationFailure.nonRetryable(message, name);
  return ApplicationFailure.retryable(message, name);
}

export class Route53Router implements TrafficRouter {
  readonly target: string;
  private zoneId: string | undefined;

  constructor(
    private readonly spec: DnsSpec,
    private readonly client: Route53Client,
    private readonly observe: CallObserver = () => undefined,
  ) {
    this.zoneId = spec.hostedZoneId;
    this.target = `record ${spec.recordName}`;
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.observe(action, 'ok');
      return out;
    } catch (err) {
      if (err instanceof ApplicationFailure) throw err;
      const failure = classifyRoute53Error(err, action) as ApplicationFailure;
      this.observe(action, THROTTLING_ERRORS.has(failure.type ?? '') ? 'throttled' : 'error', failure.message);
      throw failure;
    }
  }

  async hostedZoneId(): Promise<string> {
    if (this.zoneId) return this.zoneId;
    const wanted = fqdn(this.spec.zoneName!);
    let cache = zoneIds.get(this.client);
    if (!cache) zoneIds.set(this.client, (cache = new Map()));
    let lookup = cache.get(wanted);
    if (!lookup) {
      lookup = this.lookUpZone(wanted);
      cache.set(wanted, lookup);
      // A failed lookup is not an answer: the next release asks again.
      lookup.catch(() => cache.delete(wanted));
    }
    this.zoneId = await lookup;
    return this.zoneId;
  }

  private async lookUpZone(wanted: string): Promise<string> {
    const out = await this.call('ListHostedZonesByName', () =>
      this.client.send(new ListHostedZonesByNameCommand({ DNSName: wanted, MaxItems: 10 })),
    );
    const zone = (out.HostedZones ?? []).find((z) => fqdn(z.Name ?? '') === wanted);
    if (!zone?.Id) {
      throw ApplicationFailure.nonRetryable(
        `no hosted zone named ${wanted} is visible to these credentials: check dns.zoneName or give dns.hostedZoneId`,
        'NoSuchHostedZone',
      );
    }
    return zone.Id.replace(/^\/hostedzone\//, '');
  }

  /** Our two weighted records as Route 53 has them now. */
  async readRecords(): Promise<Partial<Record<Color, ResourceRecordSet>>> {
    const zoneId = await this.hostedZoneId();
    const name = fqdn(this.spec.recordName);
    const found: Partial<Record<Color, ResourceRecordSet>> = {};
    let start: { name?: string; type?: string; id?: string } = { name, type: this.spec.recordType };
    // Bounded paging: an emulator that ignores the identifier cursor must not loop us forever.
    for (let page = 0; page < 20; page++) {
      const out = await this.call('ListResourceRecordSets', () =>
        this.client.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            StartRecordName: start.name,
            StartRecordType: start.type as 'CNAME' | 'A',
            StartRecordIdentifier: start.id,
            MaxItems: 100,
          }),
        ),
      );
      let pastOurName = false;
      for (const rr of out.ResourceRecordSets ?? []) {
        if (fqdn(rr.Name ?? '') !== name || rr.Type !== this.spec.recordType) {
          if (fqdn(rr.Name ?? '') > name) pastOurName = true;
          continue;
        }
        for (const color of colors) {
          if (rr.SetIdentifier === setIdentifierFor(name, color)) found[color] = rr;
        }
      }
      if (!out.IsTruncated || pastOurName || (found.blue && found.green)) break;
      if (fqdn(out.NextRecordName ?? '') !== name) break;
      start = { name: out.NextRecordName, type: out.NextRecordType, id: out.NextRecordIdentifier };
    }
    return found;
  }

  async readWeights(): Promise<ObservedWeights> {
    const records = await this.readRecords();
    const weights: ObservedWeights = {};
    for (const color of colors) {
      const rr = records[color];
      if (rr) weights[color] = rr.Weight ?? 0;
    }
    return weights;
  }

  /** One atomic change batch; returns the change id to wait on. */
  private async changeBatch(comment: string, changes: Change[]): Promise<string> {
    const zoneId = await this.hostedZoneId();
    const out = await this.call('ChangeResourceRecordSets', () =>
      this.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: { Comment: `bluegreen ${this.spec.recordName}: ${comment}`, Changes: changes },
        }),
      ),
    );
    return out.ChangeInfo!.Id!;
  }

  async setWeights(weights: Weights): Promise<WeightChange> {
    return { id: await this.changeWeights(weights), effective: false };
  }

  /** One UPSERT batch of both colors' records (with the health checks they carry); returns Route 53's change id. */
  async changeWeights(weights: Weights, checks: HealthCheckIds = {}): Promise<string> {
    return this.changeBatch(
      `blue ${weights.blue}%, green ${weights.green}%`,
      weightChanges(this.spec, weights, checks),
    );
  }

  async isEffective(change: WeightChange): Promise<boolean> {
    return change.effective || this.isInSync(change.id);
  }

  /** Whether every Route 53 name server answers with the change (GetChange INSYNC). */
  async isInSync(changeId: string): Promise<boolean> {
    const out = await this.call('GetChange', () => this.client.send(new GetChangeCommand({ Id: changeId })));
    return out.ChangeInfo?.Status === 'INSYNC';
  }

  async removeInitial(): Promise<WeightChange | null> {
    const records = await this.readRecords();
    const id = await this.deleteRecords(
      colors.map((c) => records[c]).filter((r): r is ResourceRecordSet => r !== undefined),
    );
    return id === null ? null : { id, effective: false };
  }

  /** Deletes exactly these record sets (as read before); null when there is nothing to delete. */
  async deleteRecords(existing: ResourceRecordSet[]): Promise<string | null> {
    if (existing.length === 0) return null;
    return this.changeBatch(
      'remove the records of a rolled back first release',
      existing.map((rr) => ({ Action: 'DELETE', ResourceRecordSet: rr })),
    );
  }
}
