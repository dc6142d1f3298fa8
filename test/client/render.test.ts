// The watch view's pieces: a weight bar whose cells follow the weights, and lines cut to the
// terminal width without breaking colour codes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderStatus, stripped as strip, weightBar } from '../../client/render';
import type { ReleaseStatus } from '../../workflows/messages';

const status: ReleaseStatus = {
  id: 'bluegreen-shop.example.com',
  service: 'shop',
  version: '2.0.0',
  recordName: 'shop.example.com',
  phase: 'shifting',
  liveColor: 'blue',
  newColor: 'green',
  weights: { blue: 50, green: 50 },
  step: { index: 2, total: 3 },
  paused: true,
  pauseReason: 'graphs',
  next: { action: 'paused with 4m left: shift green to 100% after resume' },
  events: [{ at: '2026-11-27T06:00:00.000Z', type: 'pause', message: 'paused: graphs; '.repeat(20), by: 'alice' }],
};

describe('watch view', () => {
  it('the bar has one cell per 2.5 % and a cell per color share', () => {
    assert.equal(strip(weightBar({ blue: 90, green: 10 })), '█'.repeat(40));
    assert.equal(strip(weightBar({ blue: 0, green: 0 })), '·'.repeat(40));
    assert.equal(strip(weightBar({ blue: 50, green: 50 }, 10)), '█'.repeat(10));
  });

  it('shows phase, pause, weights, step, next action and events', () => {
    const text = strip(renderStatus(status));
    assert.match(text, /phase\s+shifting \(paused: graphs\)/);
    assert.match(text, /blue 50% \/ green 50%/);
    assert.match(text, /step\s+2\/3/);
    assert.match(text, /next\s+paused with 4m left/);
    assert.match(text, /pause\s+paused: graphs;.*\[alice\]/);
  });

  it('shows one line per analysis metric: value against its range, verdict, counters', () => {
    const at = '2026-11-27T06:01:30.000Z';
    const text = strip(
      renderStatus({
        ...status,
        analysis: {
          metrics: [
            {
              name: 'probe.error-rate',
              value: 0,
              verdict: 'passed',
              message: '0 within ≤ 0.01',
              range: '≤ 0.01',
              at,
              failures: 0,
              inconclusive: 0,
            },
            {
              name: 'error-ratio',
              value: null,
              verdict: 'inconclusive',
              message: 'empty result',
              range: '≤ 0.01',
              at,
              failures: 1,
              inconclusive: 2,
            },
            {
              name: 'p99',
              value: 0.73125,
              verdict: 'failed',
              message: '0.73125 > max 0.5',
              range: '≤ 0.5',
              at,
              failures: 1,
              inconclusive: 0,
            },
          ],
        },
      }),
    );
    assert.match(text, /analysis\n {2}probe\.error-rate\s+0 \(≤ 0\.01\)\s+passed\s+06:01:30/);
    assert.match(text, /error-ratio\s+— \(≤ 0\.01\)\s+inconclusive: empty result \(failed 1, inconclusive 2\)/);
    assert.match(text, /p99\s+0\.731\d \(≤ 0\.5\)\s+FAILED: 0\.73125 > max 0\.5 \(failed 1, inconclusive 0\)/);
  });

  it('cuts every line to the terminal width in the live view', () => {
    for (const line of strip(renderStatus(status, Date.now(), 8, 50)).split('\n'))
      assert.ok(line.length <= 50, `${line.length}: ${line}`);
  });
});
