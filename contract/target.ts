// The traffic target of a spec: the one thing a release moves traffic on (a Route 53 record, an
// ALB listener or rule, an HAProxy backend). Everything that must be unique per target keys on
// it: the release's workflow id (so Temporal refuses a second release of it), the BlueGreenRecord
// search attribute, schedules, repairs, the local provider's state. Pure: safe in workflow code.
import { fqdn } from './names';
import type { ReleaseSpec, RouterProvider, RouterSpec } from './spec';

export interface TrafficTarget {
  provider: RouterProvider;
  /** Stable and unique per target; ids embed it: `bluegreen-<key>`. */
  key: string;
  /** The BlueGreenRecord search attribute's value. */
  searchValue: string;
  /** What messages call it. */
  name: string;
}

/** The part of a spec that says what moves the traffic (exactly one of them is given). */
export type Routed = Pick<ReleaseSpec, 'dns' | 'router'>;

/** The router spec that moves this spec's traffic: `router`, or the Route 53 records of `dns`. */
export function routerOf(spec: Routed): RouterSpec {
  const r = spec.router ?? spec.dns;
  // The schema requires one of them; this only guards input that skipped it.
  if (!r) throw new Error('the spec names neither dns nor router: one of them says what moves the traffic');
  return r;
}

export function trafficTarget(spec: Routed): TrafficTarget {
  return targetOfRouter(routerOf(spec));
}

export function targetOfRouter(r: RouterSpec): TrafficTarget {
  switch (r.provider) {
    case 'route53': {
      // Exactly what releases have always used, so ids and search attributes of existing
      // releases, schedules and repairs still match.
      const key = fqdn(r.recordName).slice(0, -1);
      return { provider: r.provider, key, searchValue: fqdn(r.recordName), name: r.recordName };
    }
    case 'alb': {
      // The ARN's resource path (`listener/app/shop/…` or `listener-rule/app/shop/…`): unique
      // within an account and region, and what the console shows.
      const arn = r.ruleArn ?? r.listenerArn;
      const key = arn.split(':').slice(5).join(':');
      return { provider: r.provider, key, searchValue: key, name: key };
    }
    case 'haproxy': {
      const key = `${r.runtimeApi}/${r.backend}`;
      return { provider: r.provider, key, searchValue: key, name: `backend ${r.backend} at ${r.runtimeApi}` };
    }
  }
}

/** What `status` says of the target (ReleaseStatus.target). */
export interface StatusTarget {
  provider: RouterProvider;
  key: string;
  name: string;
}

export function statusTarget(spec: Routed): StatusTarget {
  const { provider, key, name } = trafficTarget(spec);
  return { provider, key, name };
}

/** The router's name in sentences: "Route 53 has blue 100%", "HAProxy has …". */
export function routerWords(provider: RouterProvider): string {
  return { route53: 'Route 53', alb: 'the ALB', haproxy: 'HAProxy' }[provider];
}

/** How a shift's result reads: Route 53 counts its GetChange polls; other routers apply at once. */
export function shiftedWords(provider: RouterProvider, polls: number): string {
  return provider === 'route53' ? `in sync (${polls} GetChange poll(s))` : `in effect on ${routerWords(provider)}`;
}

/** One workflow id per target: Temporal then refuses a second concurrent release of it. */
export function releaseIdOfTarget(target: TrafficTarget): string {
  return `bluegreen-${target.key}`;
}

/**
 * What the workflow hands activities that look a target's releases up (colorHosts, liveVersion)
 * and what keys the local provider's state: the record name as always for Route 53 (histories
 * keep their inputs), the target's key otherwise.
 */
export type TargetRef = string | { target: string };

export function targetRefOf(spec: Routed): TargetRef {
  if (spec.dns && !spec.router) return spec.dns.recordName;
  return { target: trafficTarget(spec).key };
}

/** What keys the local provider's processes (ColorRequest.recordName): the record name, or the key. */
export function stateKeyOf(spec: Routed): string {
  return spec.dns && !spec.router ? spec.dns.recordName : trafficTarget(spec).key;
}

/** The BlueGreenRecord value of a ref (a bare string is a record name). */
export function searchValueOfRef(ref: TargetRef): string {
  return typeof ref === 'string' ? fqdn(ref) : ref.target;
}
