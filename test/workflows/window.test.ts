// Change windows: pure, deterministic time-zone math, including both DST changes of 2026.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec, SpecError } from '../../client/spec-file';
import { instantOf, isInsideWindow, nextWindowOpening } from '../../workflows/window';
import type { WindowSpec } from '../../workflows/spec';

const berlin: WindowSpec = {
  days: ['mon', 'tue', 'wed', 'thu'],
  start: '09:00',
  end: '16:00',
  timezone: 'Europe/Berlin',
};
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('release windows', () => {
  it('is open inside its days and hours, in its own time zone', () => {
    assert.equal(isInsideWindow(at('2026-11-30T08:00:00Z'), berlin), true); // Mon 09:00 CET
    assert.equal(isInsideWindow(at('2026-11-30T07:59:00Z'), berlin), false); // Mon 08:59 CET
    assert.equal(isInsideWindow(at('2026-11-30T15:00:00Z'), berlin), false); // Mon 16:00 CET: end is exclusive
    assert.equal(isInsideWindow(at('2026-11-27T10:00:00Z'), berlin), false); // a Friday
  });

  it('a release closed out on Friday evening waits over the weekend to Monday morning', () => {
    assert.equal(iso(nextWindowOpening(at('2026-11-26T17:00:00Z'), berlin)), '2026-11-30T08:00:00.000Z');
  });

  it('spring forward: the Monday after the March change opens at 09:00 CEST (07:00Z)', () => {
    // DST starts Sunday 29 March 2026 in Europe/Berlin.
    assert.equal(iso(nextWindowOpening(at('2026-03-26T16:00:00Z'), berlin)), '2026-03-30T07:00:00.000Z');
    assert.equal(iso(nextWindowOpening(at('2026-03-28T20:00:00Z'), berlin)), '2026-03-30T07:00:00.000Z');
  });

  it('fall back: the Monday after the October change opens at 09:00 CET (08:00Z)', () => {
    // DST ends Sunday 25 October 2026.
    assert.equal(iso(nextWindowOpening(at('2026-10-22T14:30:00Z'), berlin)), '2026-10-26T08:00:00.000Z');
  });

  it('a start time inside the spring-forward gap lands just after it', () => {
    assert.equal(iso(instantOf(2026, 3, 29, 2 * 60 + 30, 'Europe/Berlin')), '2026-03-29T01:30:00.000Z'); // 03:30 CEST
  });

  it('same day: before the window opens today, it opens today', () => {
    assert.equal(
      iso(nextWindowOpening(at('2026-12-01T05:00:00Z'), { ...berlin, timezone: 'UTC' })),
      '2026-12-01T09:00:00.000Z',
    );
  });

  it('the schema checks days, times, order and the time zone', () => {
    const base = {
      service: 's',
      version: '1',
      environment: { provider: 'local', command: ['x'], ports: { blue: 1, green: 2 } },
      dns: { provider: 'route53', hostedZoneId: 'Z', recordName: 'r.example.com', targets: { blue: 'b', green: 'g' } },
    };
    assert.deepEqual(parseSpec({ ...base, window: { start: '09:00', end: '16:00' } }).window, {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '09:00',
      end: '16:00',
      timezone: 'UTC',
    });
    assert.throws(
      () => parseSpec({ ...base, window: { days: ['funday'], start: '9am', end: '08:00', timezone: 'Mars/Olympus' } }),
      (e: SpecError) => {
        const text = e.problems.join('\n');
        return (
          /window.days\[0\]/.test(text) &&
          /window.start: expected a 24-hour time/.test(text) &&
          /window.timezone: unknown time zone/.test(text)
        );
      },
    );
    assert.throws(
      () => parseSpec({ ...base, window: { start: '16:00', end: '09:00' } }),
      /window.end: start must be before end/,
    );
    assert.throws(
      () => parseSpec({ ...base, version: undefined }),
      /version: give exactly one of version or versionFrom/,
    );
    assert.equal(
      parseSpec({ ...base, version: undefined, versionFrom: { command: ['cat', 'VERSION'] } }).versionFrom !==
        undefined,
      true,
    );
    assert.throws(() => parseSpec({ ...base, version: undefined, versionFrom: { url: 'ftp://x' } }), /versionFrom/);
  });
});
