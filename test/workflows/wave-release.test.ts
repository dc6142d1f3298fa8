// The wave release's long waits on the time-skipping server: a day of final warm period, and a
// wave approval nobody answers. One target touches the fake world (it knows one record).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WavePlan, WaveReleaseInput } from '../../workflows/wave-messages';
import type { ReleaseSpec } from '../../workflows/spec';
import { testSpec } from '../support/fake-world';
import { ended, liveWorld, status, timeSkippingHarness } from '../support/time-skipping';

const { withRelease } = timeSkippingHarness('waves');

const other = (): ReleaseSpec =>
  testSpec({
    dns: {
      provider: 'route53',
      hostedZoneId: 'Z1',
      recordName: 'other.example.com',
      ttl: 60,
      targets: { blue: 'blue.other.example.com', green: 'green.other.example.com' },
    },
  });

function plan(overrides: Partial<WavePlan>): WavePlan {
  return {
    service: 'shop',
    version: '2.0.0',
    onWaveFailure: 'rollback-all',
    finalDelay: '1d',
    approvalTimeout: '24h',
    approvalOnTimeout: 'rollback',
    waves: [{ name: 'one', approval: false, targets: [{ name: 'a', spec: testSpec() }] }],
    ...overrides,
  };
}

const start = (p: WavePlan) => ({
  type: 'waveRelease',
  args: [{ plan: p, specDir: '/tmp' } satisfies WaveReleaseInput],
});

describe('wave release on the time-skipping server', () => {
  it('keeps the old color warm for the final day, then decommissions it', async () => {
    const world = liveWorld();
    const result = await withRelease(world, testSpec(), (h) => ended(h), undefined, start(plan({})));
    assert.equal(result.outcome, 'completed', result.reason);
    assert.deepEqual(world.records, { blue: 0, green: 100 });
    assert.deepEqual(world.decommissions, ['blue']);
    assert.equal(world.running.get('green'), '2.0.0');
  });

  it('a wave approval nobody answers rolls the earlier wave back; its old color was never decommissioned', async () => {
    const world = liveWorld();
    const p = plan({
      waves: [
        { name: 'one', approval: false, targets: [{ name: 'a', spec: testSpec() }] },
        { name: 'two', approval: true, targets: [{ name: 'b', spec: other() }] },
      ],
    });
    await withRelease(
      world,
      testSpec(),
      async (h) => {
        const result = await ended(h);
        assert.equal(result.outcome, 'rolled-back');
        assert.match(result.reason, /rolled back every target: approval of wave two timed out after 1d/);
        const s = await status(h);
        assert.deepEqual(
          s.waves!.map((w) => [w.phase, w.targets.map((t) => t.phase)]),
          [
            ['rolled-back', ['rolled-back']],
            ['skipped', ['never-started']],
          ],
        );
      },
      undefined,
      start(p),
    );
    assert.deepEqual(world.records, { blue: 100, green: 0 });
    assert.deepEqual(world.decommissions, ['green']);
    assert.equal(world.running.get('blue'), '1.0.0');
    assert.equal(world.running.has('green'), false);
  });
});
