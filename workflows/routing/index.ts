// The workflow's side of the router seam: the verbs a release uses to move traffic, whatever the
// router. Route 53 records go through their budgeted adapter (route53.ts); every other router
// goes through the generic activities, which ask activities/routers for the implementation.
import type { Activities } from '../../contract/activities';
import type { RouterSpec } from '../spec';
import type { Weights } from '../plan';
import type { Route53Traffic } from './route53';
import type { HealthCheckIds } from './route53-health-checks';

type GenericTraffic = Pick<Activities, 'readTraffic' | 'shiftTraffic' | 'removeTraffic'>;
export interface Traffic extends Pick<GenericTraffic, 'readTraffic' | 'removeTraffic'> {
  /** `checks`: the health check each Route 53 record carries after the change (dns.healthCheck). */
  shiftTraffic(spec: RouterSpec, weights: Weights, checks?: HealthCheckIds): ReturnType<GenericTraffic['shiftTraffic']>;
  /** The health check each color's Route 53 record carries now ({} for other routers). */
  readHealthChecks(spec: RouterSpec): Promise<HealthCheckIds>;
}

/** Routes each call by the spec's provider; without a Route 53 adapter (old histories) all go generic. */
// Health checks exist only for Route 53 specs with dns.healthCheck, which only runs with the zone
// batcher have (runs from before it never had the field): the generic path ignores them.
export function routedTraffic(route53: Route53Traffic | undefined, generic: GenericTraffic): Traffic {
  const viaRoute53 = (spec: RouterSpec) => (route53 && spec.provider === 'route53' ? { route53, spec } : null);
  return {
    readTraffic: async (spec) => {
      const r = viaRoute53(spec);
      return r ? r.route53.readTraffic(r.spec) : generic.readTraffic(spec);
    },
    shiftTraffic: async (spec, weights, checks) => {
      const r = viaRoute53(spec);
      return r ? r.route53.shiftTraffic(r.spec, weights, checks) : generic.shiftTraffic(spec, weights);
    },
    readHealthChecks: async (spec) => {
      const r = viaRoute53(spec);
      return r ? r.route53.readHealthChecks(r.spec) : {};
    },
    removeTraffic: async (spec) => {
      const r = viaRoute53(spec);
      return r ? r.route53.removeTraffic(r.spec) : generic.removeTraffic(spec);
    },
  };
}
