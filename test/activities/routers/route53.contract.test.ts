// The router contract against moto's Route 53: weights live in two weighted records.
import { after, before, describe } from 'node:test';
import { createRouter } from '../../../activities/routers';
import { setIdentifierFor } from '../../../activities/routers/route53/router';
import { testSpec } from '../../support/fake-world';
import { startMoto, type Moto } from '../../support/moto';
import { routerContract } from './contract';

let moto: Moto;
let zoneId: string;
let records = 0;

before(async () => {
  moto = await startMoto();
  zoneId = await moto.createZone('example.com');
});
after(async () => moto?.stop());

describe('router contract: route53', () => {
  const router = (recordName: string, hostedZoneId = zoneId) =>
    createRouter({ ...testSpec().dns, hostedZoneId, recordName }, { route53: () => moto.client() });
  routerContract({
    initial: {},
    fresh: async () => {
      const name = `contract-${++records}.example.com`;
      return {
        router: router(name),
        truth: async () => {
          const byId = await moto.weights(zoneId, name);
          const weights: Record<string, number> = {};
          for (const color of ['blue', 'green'] as const) {
            const w = byId[setIdentifierFor(name, color)];
            if (w !== undefined) weights[color] = w;
          }
          return weights;
        },
      };
    },
    missing: () => router('nowhere.example.com', 'ZNOSUCHZONE1'),
  });
});
