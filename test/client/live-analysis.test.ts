// The status overlays the newest analysis round from a pending watchAnalysis heartbeat, keeping
// the workflow's counters, and ignores heartbeats that are older, of other activities or unreadable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { withLiveAnalysis } from '../../client/live-analysis';
import { renderStatus } from '../../client/render';
import type { WatchReport } from '../../activities/watch';
import type { ReleaseStatus } from '../../workflows/messages';

const status = {
  phase: 'shifting',
  analysis: {
    metrics: [
      {
        name: 'error-ratio',
        value: 0.002,
        verdict: 'passed',
        message: '0.002',
        range: '≤ 0.01',
        at: '2026-11-27T10:00:00.000Z',
        failures: 1,
        inconclusive: 0,
      },
    ],
  },
} as unknown as ReleaseStatus;

const heartbeat = (activity: string, report: WatchReport) => [
  { activityType: { name: activity }, heartbeatDetails: { payloads: [defaultPayloadConverter.toPayload(report)] } },
];
const round = (at: string, value: number): WatchReport => ({
  rounds: 7,
  at,
  measurements: [{ name: 'error-ratio', value, verdict: 'passed', message: String(value), range: '≤ 0.01' }],
});

describe('withLiveAnalysis', () => {
  it('takes a newer round from the heartbeat, keeping the counters', () => {
    const live = withLiveAnalysis(status, heartbeat('watchAnalysis', round('2026-11-27T10:05:00.000Z', 0.004)));
    assert.deepEqual(live.analysis!.metrics[0], {
      ...status.analysis!.metrics[0],
      value: 0.004,
      message: '0.004',
      at: '2026-11-27T10:05:00.000Z',
    });
  });

  it('adds metrics the workflow has not heard of yet, with zero counters', () => {
    const fresh = { phase: 'shifting' } as unknown as ReleaseStatus;
    const live = withLiveAnalysis(fresh, heartbeat('watchAnalysis', round('2026-11-27T10:05:00.000Z', 0.004)));
    assert.deepEqual(live.analysis!.metrics, [
      {
        name: 'error-ratio',
        value: 0.004,
        verdict: 'passed',
        message: '0.004',
        range: '≤ 0.01',
        at: '2026-11-27T10:05:00.000Z',
        failures: 0,
        inconclusive: 0,
      },
    ]);
  });

  it('keeps the status when the heartbeat is older, of another activity, missing or unreadable', () => {
    const older = heartbeat('watchAnalysis', round('2026-11-27T09:59:00.000Z', 0.009));
    assert.deepEqual(withLiveAnalysis(status, older), status);
    assert.equal(withLiveAnalysis(status, heartbeat('provision', round('2026-11-27T10:05:00.000Z', 1))), status);
    assert.equal(withLiveAnalysis(status, []), status);
    assert.equal(withLiveAnalysis(status, undefined), status);
    const garbage = [
      { activityType: { name: 'watchAnalysis' }, heartbeatDetails: { payloads: [{ data: new Uint8Array([1]) }] } },
    ];
    assert.equal(withLiveAnalysis(status, garbage), status);
  });
});

describe('observed share in status', () => {
  const share = (at: string, green: number) => ({
    blue: 1 - green,
    green,
    requests: 120,
    window: '4s',
    at,
    source: 'haproxy show stat',
  });
  const withShare = { ...status, observedShare: share('2026-11-27T10:00:00.000Z', 0.1) } as ReleaseStatus;

  it('takes a newer share from a watchAnalysis or settleTraffic heartbeat, and keeps a newer one of its own', () => {
    const watched = {
      ...round('2026-11-27T10:05:00.000Z', 0.004),
      observedShare: share('2026-11-27T10:05:00.000Z', 0.24),
    };
    assert.equal(withLiveAnalysis(withShare, heartbeat('watchAnalysis', watched)).observedShare?.green, 0.24);
    const settling = [
      {
        activityType: { name: 'settleTraffic' },
        heartbeatDetails: {
          payloads: [
            defaultPayloadConverter.toPayload({
              settling: true,
              observedShare: share('2026-11-27T10:06:00.000Z', 0.3),
            }),
          ],
        },
      },
    ];
    assert.equal(withLiveAnalysis(withShare, settling).observedShare?.green, 0.3);
    const older = {
      ...round('2026-11-27T09:00:00.000Z', 0.004),
      observedShare: share('2026-11-27T09:00:00.000Z', 0.9),
    };
    assert.equal(withLiveAnalysis(withShare, heartbeat('watchAnalysis', older)).observedShare?.green, 0.1);
  });

  it('the human view shows it under the weights, with its source', () => {
    const text = renderStatus({
      ...withShare,
      weights: { blue: 75, green: 25 },
      step: { index: 1, total: 2 },
      newColor: 'green',
      liveColor: 'blue',
      events: [],
    } as ReleaseStatus).replace(
      // eslint-disable-next-line no-control-regex
      /\x1b\[[0-9;]*m/g,
      '',
    );
    assert.match(text, /seen .* blue 90% \/ green 10% {2}of 120 requests over 4s \(haproxy show stat, 10:00:00\)/);
  });
});
