// The workflow's side of the router seam: the verbs a release uses to move traffic, whatever the
// router. Route 53 records go through their budgeted adapter (route53.ts); every other router
// goes through the generic activities, which ask activities/routers for the implementation.
import type { Activities } from '../../contract/activities';
import type { RouterSpec } from '../spec';
import type { Route53Traffic } from './route53';

export type Traffic = Pick<Activities, 'readTraffic' | 'shiftTraffic' | 'removeTraffic'>;

/** Routes each call by the spec's provider; without a Route 53 adapter (old histories) all go generic. */
export function routedTraffic(route53: Route53Traffic | undefined, generic: Traffic): Traffic {
  const viaRoute53 = (spec: RouterSpec) => (route53 && spec.provider === 'route53' ? { route53, spec } : null);
  return {
    readTraffic: async (spec) => {
      const r = viaRoute53(spec);
      return r ? r.route53.readTraffic(r.spec) : generic.readTraffic(spec);
    },
    shiftTraffic: async (spec, weights) => {
      const r = viaRoute53(spec);
      return r ? r.route53.shiftTraffic(r.spec, weights) : generic.shiftTraffic(spec, weights);
    },
    removeTraffic: async (spec) => {
      const r = viaRoute53(spec);
      return r ? r.route53.removeTraffic(r.spec) : generic.removeTraffic(spec);
    },
  };
}
