// Analysis on real servers (moto, a real worker and the demo app): passing rounds stay inside the
// analysis activity, and `status` still shows the latest of them, read from its heartbeat, while
// the workflow waits out a long step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopReleases } from '../support/cli-release';
import { stackForFile } from '../support/file-stack';
import { waitFor } from '../support/processes';
import type { Stack } from '../support/stack';

const id = 'bluegreen-shop.example.com';
let stack: Stack;
const { status, start, weights } = shopReleases(() => stack);

stackForFile((s) => (stack = s).releaseFirst());

describe('analysis on real servers', () => {
  it('status shows the latest passing round while the workflow waits out a long step', async () => {
    // Passing rounds stay inside the watchAnalysis activity until its window ends (here the
    // 2-minute step); status reads them from its heartbeat.
    const { live } = await start({
      traffic: { steps: [10, 100], interval: '2m', analysis: { every: '500ms', requests: 2 } },
    });
    const probeAt = async () => {
      const line = (await status()).analysis?.metrics.find((m) => m.name === 'probe.error-rate');
      return line?.verdict === 'passed' ? Date.parse(line.at) : undefined;
    };
    try {
      const first = await waitFor('a passing round in status', probeAt, 30_000);
      // Heartbeats reach the server at most every 10 s (the worker's throttle).
      const later = await waitFor(
        'a newer passing round',
        async () => (((await probeAt()) ?? 0) > first ? probeAt() : undefined),
        30_000,
      );
      const s = await status();
      assert.equal(s.step.index, 1, 'still in the first (2-minute) step: the workflow has not heard of these rounds');
      assert.ok(later > first);
    } finally {
      assert.equal((await stack.cli('abort', id, '--reason', 'seen enough')).code, 0);
      assert.equal((await stack.cli('watch', id)).code, 3);
    }
    assert.equal((await weights())[live], 100);
  });
});
