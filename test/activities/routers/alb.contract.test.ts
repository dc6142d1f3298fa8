// The router contract against moto's ELBv2: weights live in the forward action of a listener's
// default actions, or of a listener rule. The listener variant reaches moto only through
// AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 and the worker's own client, as a deployment would.
import { after, before, describe } from 'node:test';
import { createRouter } from '../../../activities/routers';
import { albRouter, type AlbRouterSpec } from '../../../workflows/router-spec';
import { forward, startAlbWorld, type AlbWorld } from '../../support/elbv2';
import { startMoto, type Moto } from '../../support/moto';
import { routerContract } from './contract';

let moto: Moto;
let alb: AlbWorld;
let blue: string;
let green: string;

before(async () => {
  moto = await startMoto();
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = moto.endpoint;
  alb = await startAlbWorld(moto);
  blue = await alb.targetGroup('contract-blue');
  green = await alb.targetGroup('contract-green');
});
after(async () => moto?.stop());

// Through the schema, so moto's ARNs also pass `validate`'s static checks.
const spec = (listenerArn: string, ruleArn?: string): AlbRouterSpec =>
  albRouter.parse({ provider: 'alb', listenerArn, ...(ruleArn ? { ruleArn } : {}), targetGroups: { blue, green } });

/** The colors' shares as moto has them, computed here rather than by the router. */
async function shares(at: { listenerArn: string; ruleArn?: string }) {
  const groups = (await alb.forwardAction(at))?.ForwardConfig?.TargetGroups ?? [];
  const weight = (arn: string) => groups.find((g) => g.TargetGroupArn === arn)?.Weight ?? 0;
  const total = weight(blue) + weight(green);
  return { blue: (weight(blue) * 100) / total, green: (weight(green) * 100) / total };
}

/** Another listener id on the same load balancer: well formed, never created. */
const unknownListener = () => alb.loadBalancerArn.replace(':loadbalancer/', ':listener/') + '/0123456789abcdef';

describe('router contract: alb listener default action', () => {
  routerContract({
    // ALB weights are relative: 1 and 0 read as 100 % and 0 %.
    initial: { blue: 100, green: 0 },
    createsNothing: true,
    fresh: async () => {
      const listenerArn = await alb.listener([forward({ [blue]: 1, [green]: 0 })]);
      return {
        router: createRouter(spec(listenerArn), { route53: () => moto.client() }),
        truth: () => shares({ listenerArn }),
      };
    },
    missing: () => createRouter(spec(unknownListener()), { route53: () => moto.client() }),
  });
});

describe('router contract: alb listener rule', () => {
  const clients = { route53: () => moto.client(), elbv2: () => alb.client };
  routerContract({
    initial: { blue: 100, green: 0 },
    createsNothing: true,
    fresh: async () => {
      // The default action sends everything to blue and must not move with the rule.
      const listenerArn = await alb.listener([forward({ [blue]: 1 })]);
      const ruleArn = await alb.rule(listenerArn, [forward({ [blue]: 100, [green]: 0 })]);
      return {
        router: createRouter(spec(listenerArn, ruleArn), clients),
        truth: async () => {
          const listenerShares = await shares({ listenerArn });
          if (listenerShares.blue !== 100)
            throw new Error(`the default action moved: ${JSON.stringify(listenerShares)}`);
          return shares({ listenerArn, ruleArn });
        },
      };
    },
    missing: () => {
      const listenerArn = unknownListener();
      const ruleArn = `${listenerArn.replace(':listener/', ':listener-rule/')}/fedcba9876543210`;
      return createRouter(spec(listenerArn, ruleArn), clients);
    },
  });
});
