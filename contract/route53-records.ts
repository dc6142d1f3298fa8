// Pure Route 53 record shapes shared by the workflow (which builds change batches for the zone
// batcher) and the router (which sends them). Types only from the AWS SDK: safe in workflow code.
import type { Change, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Color, DnsSpec } from './spec';
import { fqdn, setIdentifierFor } from './names';
import type { Weights } from './weights';
import type { HealthCheckIds } from './route53-health-checks';

/** Both colors (spec.ts's list is a value of the zod module, which workflows import types of only). */
export const COLORS: readonly Color[] = ['blue', 'green'];

/** Route 53's limits for one ChangeResourceRecordSets request. */
export const MAX_BATCH_CHANGES = 1000;
export const MAX_BATCH_CHARACTERS = 32_000;

/**
 * The weighted record set of one color, as bluegreen writes it. A record written without a
 * health check id has none afterwards (an UPSERT replaces the whole record set): that is how a
 * retired color's check is detached.
 */
export function weightedRecordSet(
  spec: DnsSpec,
  color: Color,
  weight: number,
  healthCheckId?: string,
): ResourceRecordSet {
  const target = spec.targets[color];
  const base: ResourceRecordSet = {
    Name: fqdn(spec.recordName),
    Type: spec.recordType,
    SetIdentifier: setIdentifierFor(spec.recordName, color),
    Weight: weight,
    ...(healthCheckId ? { HealthCheckId: healthCheckId } : {}),
  };
  if (typeof target === 'string') return { ...base, TTL: spec.ttl, ResourceRecords: [{ Value: target }] };
  return {
    ...base,
    AliasTarget: { DNSName: target.dnsName, HostedZoneId: target.hostedZoneId, EvaluateTargetHealth: false },
  };
}

/**
 * Both colors' UPSERTs: one release's change, always sent together (Route 53 applies a batch
 * atomically). Each record carries the health check its color should have now, if any.
 */
export function weightChanges(spec: DnsSpec, weights: Weights, checks: HealthCheckIds = {}): Change[] {
  return COLORS.map((color) => ({
    Action: 'UPSERT',
    ResourceRecordSet: weightedRecordSet(spec, color, weights[color], checks[color]),
  }));
}

/** A record (both colors) as one key: requests for the same key are ordered and never share a batch. */
export function recordKey(spec: Pick<DnsSpec, 'recordName' | 'recordType'>): string {
  return `${fqdn(spec.recordName)}|${spec.recordType}`;
}

/**
 * Characters a change counts against the 32,000 of a request: Route 53 counts the record values,
 * UPSERT twice. Names and alias targets are counted too, to stay on the safe side.
 */
export function changeCharacters(change: Change): number {
  const rr = change.ResourceRecordSet;
  const values = (rr?.ResourceRecords ?? []).reduce((n, r) => n + (r.Value?.length ?? 0), 0);
  const one = values + (rr?.Name?.length ?? 0) + (rr?.AliasTarget?.DNSName?.length ?? 0);
  return change.Action === 'UPSERT' ? 2 * one : one;
}

/** Route 53 lists record sets by name with the labels reversed (com.example.www). */
export function listingOrder(name: string): string {
  return fqdn(name).slice(0, -1).split('.').reverse().join('.');
}
