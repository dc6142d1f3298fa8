// Picks the traffic router a spec names. The map is keyed by every `provider` the spec allows, so
// a router without an implementation is a compile error, as for analysis providers.
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RouterProvider, RouterSpec } from '../../contract/spec';
import type { TrafficRouter } from './router';
import { Route53Router } from './route53/router';
import { AlbRouter } from './alb/router';
import { albRegion, sharedElbv2Client } from './alb/client';
import { HaproxyRouter } from './haproxy/router';

export type { ObservedWeights, TrafficRouter, WeightChange, Weights } from './router';

/** Clients shared by every router of a worker, created on first use. */
export interface RouterClients {
  route53: () => Route53Client;
  /** ELBv2 client of a region; absent: one per region from the standard AWS chain, shared by the worker. */
  elbv2?: (region: string) => ElasticLoadBalancingV2Client;
}

type RouterOf<P extends RouterProvider> = Extract<RouterSpec, { provider: P }>;
type Makers = { [P in RouterProvider]: (spec: RouterOf<P>, clients: RouterClients) => TrafficRouter };

const makers: Makers = {
  route53: (spec, clients) => new Route53Router(spec, clients.route53()),
  alb: (spec, clients) => new AlbRouter(spec, (clients.elbv2 ?? sharedElbv2Client)(albRegion(spec))),
  haproxy: (spec) => new HaproxyRouter(spec),
};

export function createRouter(spec: RouterSpec, clients: RouterClients): TrafficRouter {
  return (makers[spec.provider] as (s: RouterSpec, c: RouterClients) => TrafficRouter)(spec, clients);
}
