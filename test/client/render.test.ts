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

  it('cuts every line to the terminal width in the live view', () => {
    for (const line of strip(renderStatus(status, Date.now(), 8, 50)).split('\n'))
      assert.ok(line.length <= 50, `${line.length}: ${line}`);
  });
});
