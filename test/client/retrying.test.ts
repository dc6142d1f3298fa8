// The retry lines of `status`, from pending activities as Temporal's describe() returns them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryingCalls } from '../../client/retrying';
import { renderStatus } from '../../client/render';
import type { ReleaseStatus } from '../../workflows/messages';

const at = (iso: string) => ({ seconds: Date.parse(iso) / 1000, nanos: 0 });

const throttled = {
  activityId: '7',
  activityType: { name: 'route53ChangeWeights' },
  attempt: 4,
  maximumAttempts: 8,
  scheduledTime: at('2026-01-01T12:00:15Z'),
  lastAttemptCompleteTime: at('2026-01-01T12:00:15Z'),
  nextAttemptScheduleTime: at('2026-01-01T12:00:23Z'),
  lastFailure: {
    message: 'Route 53 ChangeResourceRecordSets failed: Throttling: Rate exceeded',
    applicationFailureInfo: { type: 'Throttling' },
  },
};

describe('status while calls are retried', () => {
  it('turns a pending activity past its first attempt into which call, attempt, last error, since', () => {
    const calls = retryingCalls(
      [throttled, { activityId: '8', activityType: { name: 'watchAnalysis' }, attempt: 1 }] as never,
      (id) => (id === '7' ? '2026-01-01T12:00:00.000Z' : undefined),
    );
    assert.deepEqual(calls, [
      {
        activity: 'route53ChangeWeights',
        call: 'changing the weights in Route 53 (ChangeResourceRecordSets)',
        attempt: 4,
        maxAttempts: 8,
        lastError: 'Route 53 ChangeResourceRecordSets failed: Throttling: Rate exceeded',
        since: '2026-01-01T12:00:00.000Z',
        lastAttemptAt: '2026-01-01T12:00:15.000Z',
        nextAttemptAt: '2026-01-01T12:00:23.000Z',
      },
    ]);
  });

  it('a call retried until its timeout has no attempt limit; an unknown one is named by its type', () => {
    const [poll, other] = retryingCalls([
      { activityId: '1', activityType: { name: 'route53AwaitChange' }, attempt: 63, maximumAttempts: 0 },
      {
        activityId: '2',
        activityType: { name: 'somethingNew' },
        attempt: 2,
        lastFailure: { message: '', timeoutFailureInfo: {} },
      },
    ] as never);
    assert.equal(poll.maxAttempts, undefined);
    assert.match(poll.call, /waiting for Route 53 to apply a change/);
    assert.match(poll.lastError, /no error reported/);
    assert.equal(other.call, 'running activity somethingNew');
    assert.equal(other.lastError, 'the attempt timed out');
  });

  it('renders a retry line and says the weights are what the release last set', () => {
    const s = {
      id: 'bluegreen-shop.example.com',
      service: 'shop',
      version: '2.0.0',
      recordName: 'shop.example.com',
      phase: 'shifting',
      liveColor: 'blue',
      newColor: 'green',
      weights: { blue: 100, green: 0 },
      step: { index: 1, total: 2 },
      paused: false,
      events: [],
      retrying: retryingCalls([throttled] as never, () => '2026-01-01T12:00:00.000Z'),
    } as ReleaseStatus;
    const text = renderStatus(s, Date.parse('2026-01-01T12:00:20Z'));
    assert.match(text, /blue 100% \/ green 0%\s+\(what the release last set\)/);
    assert.match(
      text,
      /retry {3}changing the weights in Route 53 \(ChangeResourceRecordSets\): attempt 4 of 8, since 12:00:00 \(20s ago\); last error: .*Throttling: Rate exceeded; next attempt in 3s/,
    );
  });
});
