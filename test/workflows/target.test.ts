// The traffic target keys ids, search attributes and state: Route 53 specs keep exactly what they
// had before routers existed, other routers get a key of their own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '../../client/spec-file';
import { releaseIdFor } from '../../workflows/names';
import { effectiveStepWaitMs } from '../../workflows/plan';
import { releaseIdOfTarget, routerOf, stateKeyOf, targetRefOf, trafficTarget } from '../../workflows/target';
import { testSpec } from '../support/fake-world';

const base = testSpec();
const { dns: _dns, ...noDns } = base;
const haproxy = parseSpec({
  ...noDns,
  router: {
    provider: 'haproxy',
    runtimeApi: 'unix:/run/haproxy/admin.sock',
    backend: 'Shop',
    servers: { blue: 'b', green: 'g' },
  },
});
const rule =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';
const alb = parseSpec({
  ...noDns,
  router: {
    provider: 'alb',
    listenerArn:
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2',
    ruleArn: rule,
    targetGroups: {
      blue: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-blue/73e2d6bc24d8a067',
      green: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-green/73e2d6bc24d8a068',
    },
  },
});

describe('traffic target', () => {
  it('of a Route 53 spec is the record, exactly as ids and search attributes always had it', () => {
    const spec = testSpec({ dns: { ...base.dns, recordName: 'Shop.Example.com.' } });
    const t = trafficTarget(spec);
    assert.equal(releaseIdOfTarget(t), releaseIdFor('Shop.Example.com.'));
    assert.equal(t.searchValue, 'shop.example.com.');
    assert.equal(t.name, 'Shop.Example.com.');
    // Activities keep getting the record name itself: histories of existing releases replay.
    assert.equal(targetRefOf(spec), 'Shop.Example.com.');
    assert.equal(stateKeyOf(spec), 'Shop.Example.com.');
    assert.equal(routerOf(spec), spec.dns);
  });

  it('of an HAProxy spec is the Runtime API and the backend', () => {
    const t = trafficTarget(haproxy);
    assert.deepEqual(
      { key: t.key, search: t.searchValue, name: t.name },
      {
        key: 'unix:/run/haproxy/admin.sock/Shop',
        search: 'unix:/run/haproxy/admin.sock/Shop',
        name: 'backend Shop at unix:/run/haproxy/admin.sock',
      },
    );
    assert.equal(releaseIdOfTarget(t), 'bluegreen-unix:/run/haproxy/admin.sock/Shop');
    assert.deepEqual(targetRefOf(haproxy), { target: t.key });
    assert.equal(routerOf(haproxy), haproxy.router);
  });

  it("of an ALB spec is the rule's (or listener's) resource path", () => {
    assert.equal(trafficTarget(alb).key, 'listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee');
    const { ruleArn: _r, ...listenerOnly } = alb.router as Extract<typeof alb.router, { provider: 'alb' }>;
    assert.equal(trafficTarget({ router: listenerOnly }).key, 'listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2');
  });

  it('only Route 53 raises a step to its TTL', () => {
    const slow = { ...base.traffic, interval: '10s' };
    assert.match(effectiveStepWaitMs({ ...base, traffic: slow }).note ?? '', /DNS TTL \(60s\)/);
    assert.deepEqual(effectiveStepWaitMs({ ...haproxy, traffic: slow }), { waitMs: 10_000 });
  });
});
