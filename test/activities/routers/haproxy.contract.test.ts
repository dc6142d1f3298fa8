// The router contract against a real HAProxy (Debian's package): weights live in two servers of a
// backend, moved through the Runtime API. Plus what only HAProxy has: request counters, and the
// errors a wrong backend, server or address gives.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createRouter } from '../../../activities/routers';
import { HaproxyRouter } from '../../../activities/routers/haproxy/router';
import { freePort } from '../../support/processes';
import { startHaproxy, type Haproxy } from '../../support/haproxy';
import { routerContract } from './contract';

const backends = Array.from({ length: 8 }, (_, i) => `contract${i + 1}`);
let haproxy: Haproxy;
let used = 0;
const ports = { blue: 0, green: 0 };

before(async () => {
  Object.assign(ports, { blue: await freePort(), green: await freePort() });
  // The frontend routes to the first backend: the one the request-counter test sends through.
  haproxy = await startHaproxy({ backends: ['observed', ...backends], ports });
});
after(async () => haproxy?.stop());

describe('router contract: haproxy', () => {
  routerContract({
    initial: {},
    fresh: async () => {
      const backend = backends[used++];
      return {
        router: createRouter(haproxy.router(backend), { route53: () => assert.fail('no Route 53 here') }),
        // Both servers at 0 is how HAProxy says "no release yet", as no records are for Route 53.
        truth: async () => {
          const w = await haproxy.weights(backend);
          return w.blue === 0 && w.green === 0 ? {} : w;
        },
      };
    },
    missing: () => new HaproxyRouter({ ...haproxy.router('contract1'), backend: 'nosuchbackend' }),
  });
});

describe('haproxy router', () => {
  const permanent = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true, err.message);
    assert.match(err.message, pattern);
    return true;
  };

  it('names an unknown backend, and the fix, on the first read', async () => {
    const router = new HaproxyRouter({ ...haproxy.router('contract1'), backend: 'nosuchbackend' });
    await assert.rejects(router.readWeights(), permanent(/no backend "nosuchbackend" \(router\.backend\)/));
  });

  it('names an unknown server and changes nothing, even when the other server exists', async () => {
    const spec = haproxy.router(backends[7]);
    const router = new HaproxyRouter({ ...spec, servers: { blue: 'blue', green: 'nosuchserver' } });
    await assert.rejects(router.readWeights(), permanent(/no server "nosuchserver" \(router\.servers\.green\)/));
    await assert.rejects(router.setWeights({ blue: 0, green: 100 }), permanent(/router\.servers\.green/));
    assert.deepEqual(await haproxy.weights(backends[7]), { blue: 0, green: 0 });
  });

  it('an address nothing listens on is retryable and names the address and the fix', async () => {
    const runtimeApi = `127.0.0.1:${await freePort()}`;
    const router = new HaproxyRouter({ ...haproxy.router('contract1'), runtimeApi });
    await assert.rejects(router.readWeights(), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.nonRetryable, false);
      assert.match(err.message, new RegExp(`${runtimeApi}.*ECONNREFUSED.*stats socket`));
      return true;
    });
  });

  it('counts the requests each color served (show stat stot)', async () => {
    const app = http.createServer((_req, res) => res.end('blue'));
    await new Promise<void>((r) => app.listen(ports.blue, '127.0.0.1', r));
    try {
      const router = new HaproxyRouter(haproxy.router('observed'));
      await router.setWeights({ blue: 100, green: 0 });
      const before = await router.readRequestCounters();
      for (let i = 0; i < 5; i++) assert.equal(await (await fetch(haproxy.url)).text(), 'blue');
      const after = await router.readRequestCounters();
      assert.deepEqual({ blue: after.blue - before.blue, green: after.green - before.green }, { blue: 5, green: 0 });
    } finally {
      await new Promise((r) => app.close(r));
    }
  });
});

describe('haproxy reloads', () => {
  it('with server-state-file (docs/routers.md), the weights a release set survive a restart', async () => {
    const ports = { blue: await freePort(), green: await freePort() };
    for (const serverStateFile of [false, true]) {
      const h = await startHaproxy({ ports, serverStateFile });
      try {
        await new HaproxyRouter(h.router('shop')).setWeights({ blue: 30, green: 70 });
        await h.restart();
        // Without the state file HAProxy goes back to the configuration's weights: both 0.
        assert.deepEqual(await h.weights('shop'), serverStateFile ? { blue: 30, green: 70 } : { blue: 0, green: 0 });
      } finally {
        await h.stop();
      }
    }
  });
});
