import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '../../client/spec-file';
import { detectLiveColor, planRelease, weightsFor } from '../../workflows/plan';
import { judgeAnalysis } from '../../workflows/analysis-legacy';

const spec = parseSpec({
  service: 'shop',
  version: '2',
  environment: { provider: 'local', command: ['app'], ports: { blue: 1, green: 2 } },
  dns: {
    provider: 'route53',
    hostedZoneId: 'Z',
    recordName: 'shop.example.com',
    ttl: 120,
    targets: { blue: 'b', green: 'g' },
  },
  traffic: { steps: [10, 50, 100], interval: '1m' },
  decommission: { delay: '15m' },
});

describe('plan', () => {
  it('finds the live color from the weights', () => {
    assert.deepEqual(detectLiveColor({}), { liveColor: null, newColor: 'blue' });
    assert.deepEqual(detectLiveColor({ blue: 100, green: 0 }), { liveColor: 'blue', newColor: 'green' });
    assert.deepEqual(detectLiveColor({ blue: 0, green: 100 }), { liveColor: 'green', newColor: 'blue' });
    const split = detectLiveColor({ blue: 30, green: 70 });
    assert.equal(split.liveColor, 'green');
    assert.match(split.warning!, /split/);
    assert.match(detectLiveColor({ blue: 0, green: 0 }).warning!, /evenly/);
  });

  it('weights always add up to 100', () => {
    assert.deepEqual(weightsFor('green', 10), { blue: 90, green: 10 });
    assert.deepEqual(weightsFor('blue', 100), { blue: 100, green: 0 });
  });

  it('raises step waits to the TTL and sums the minimum duration', () => {
    const plan = planRelease(spec, 'green', false);
    assert.deepEqual(
      plan.steps.map((s) => s.waitMs),
      [120_000, 120_000, 120_000],
    );
    assert.match(plan.steps[0].note!, /TTL/);
    assert.equal(plan.minimumTotalMs, 2 * 120_000 + 15 * 60_000);
  });

  it('a first release goes to 100% at once with no warm period', () => {
    const plan = planRelease(spec, 'blue', true);
    assert.equal(plan.steps.length, 1);
    assert.deepEqual(plan.steps[0].weights, { blue: 100, green: 0 });
    assert.equal(plan.bakeMs, 0);
  });

  it('judges error rate and p95 against the spec (releases started before analysis.ts)', () => {
    const a = spec.traffic.analysis;
    assert.equal(judgeAnalysis({ requests: 20, errors: 0, errorRate: 0, p95Ms: 30 }, a), null);
    assert.match(
      judgeAnalysis({ requests: 20, errors: 10, errorRate: 0.5, p95Ms: 30, lastError: 'HTTP 500' }, a)!,
      /error rate 50.0% > 1.0% \(10\/20, last: HTTP 500\)/,
    );
    assert.match(judgeAnalysis({ requests: 20, errors: 0, errorRate: 0, p95Ms: 900 }, a)!, /p95 latency 900ms > 500ms/);
  });
});
