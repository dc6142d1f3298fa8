// How a terminated release and a repair read in `status` and `list`: what ended it, Route 53
// now, the repair command; list rows flag terminated runs until a repair completes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listedState } from '../../client/commands/release';
import { releaseIdOf, repairCommandFor } from '../../client/repair';
import type { ListedRelease } from '../../client/releases';
import { renderStatus, stripped as strip } from '../../client/render';
import type { ReleaseStatus } from '../../workflows/messages';

const terminated: ReleaseStatus = {
  id: 'bluegreen-shop.example.com',
  service: 'shop',
  version: '2.0.0',
  recordName: 'shop.example.com',
  phase: 'shifting',
  liveColor: 'blue',
  newColor: 'green',
  weights: { blue: 90, green: 10 },
  step: { index: 1, total: 3 },
  paused: false,
  events: [],
  ended: {
    how: 'terminated',
    at: '2026-11-27T06:00:00.000Z',
    by: 'alice@ui',
    reason: 'wrong button',
    repair: 'bluegreen repair shop.example.com',
  },
  route53Now: { at: '2026-11-27T06:05:00.000Z', weights: { blue: 80, green: 20 } },
  result: {
    outcome: 'failed',
    reason: 'the workflow was terminated',
    needsHuman: ['run `bluegreen repair shop.example.com`'],
    liveColor: null,
    weights: { blue: 80, green: 20 },
  },
};

const row = (r: Partial<ListedRelease>): ListedRelease => ({
  id: 'bluegreen-shop.example.com',
  runId: 'r',
  type: 'release',
  record: 'shop.example.com',
  status: 'COMPLETED',
  startTime: '2026-11-27T06:00:00.000Z',
  ...r,
});

describe('terminated releases and repairs in the CLI', () => {
  it('status says it was terminated, by whom, Route 53 now, and the repair command', () => {
    const text = strip(renderStatus(terminated));
    assert.match(text, /phase\s+shifting — TERMINATED, no rollback ran/);
    assert.match(text, /ended\s+terminated by alice@ui at 2026-11-27T06:00:00.000Z: wrong button/);
    assert.match(text, /weights .* blue 90% \/ green 10%/);
    assert.match(text, /route53 .* blue 80% \/ green 20%\s+now \(06:05:00\)/);
    assert.match(text, /repair\s+bluegreen repair shop.example.com/);
  });

  it('a Route 53 read that failed is said instead of weights', () => {
    const text = strip(renderStatus({ ...terminated, route53Now: { at: 'x', error: 'no worker answered' } }));
    assert.match(text, /route53 no worker answered/);
  });

  it('list marks terminated runs, and whether a repair completed since', () => {
    const release = row({ status: 'TERMINATED' });
    assert.equal(
      listedState(release, [release]),
      'TERMINATED: no rollback ran; run `bluegreen repair shop.example.com`',
    );
    const repairRun = row({ type: 'repair', startTime: '2026-11-27T07:00:00.000Z' });
    assert.equal(listedState(release, [repairRun, release]), 'TERMINATED, repaired since');
    assert.equal(listedState(repairRun, [repairRun, release]), 'completed (repair)');
    assert.equal(listedState(row({ status: 'TIMED_OUT' }), []).startsWith('TIMED OUT: no rollback ran'), true);
  });

  it('repair takes a record name or a release id', () => {
    assert.equal(releaseIdOf('Shop.Example.com.'), 'bluegreen-shop.example.com');
    assert.equal(releaseIdOf('bluegreen-shop.example.com'), 'bluegreen-shop.example.com');
    assert.equal(repairCommandFor('shop.example.com.'), 'bluegreen repair shop.example.com');
  });
});
