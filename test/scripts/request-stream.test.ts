// The downtime numbers' arithmetic on a synthetic stream: share in a window, time to switch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failures, shareOf, timeToShare, type StreamSample } from '../../scripts/request-stream';

/** 10 requests a second for 3 s: green until 1.2 s (one failure at 0.5 s), blue after. */
const samples: StreamSample[] = Array.from({ length: 30 }, (_, i) => {
  const sentAt = i * 100;
  if (sentAt === 500) return { sentAt, failure: 'HTTP 503' };
  return { sentAt, color: sentAt < 1200 ? 'green' : 'blue' };
});

describe('request stream numbers', () => {
  it('counts failures and a color’s share in a window (failures count against it)', () => {
    assert.equal(failures(samples).length, 1);
    assert.equal(shareOf(samples, 'green', 0, 1000), 0.9);
    assert.equal(shareOf(samples, 'blue', 1200, 2200), 1);
    assert.ok(Number.isNaN(shareOf(samples, 'blue', 5000, 6000)));
  });

  it('times the switch from a moment to the first request after which every second is on the color', () => {
    assert.equal(timeToShare(samples, 'blue', 1000), 200);
    assert.equal(timeToShare(samples, 'purple', 0), undefined);
  });
});
