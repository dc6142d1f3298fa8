// `bluegreen repair` on real servers: a release terminated in its warm period the way the Web UI
// terminates it (`temporal workflow terminate`), then repaired with the CLI, which finishes it.
// Asserts what the release's sinks hear of the repair, the live version, weights in Route 53
// (moto), processes up or gone and what the new color serves.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import type { NotificationPayload } from '../../workflows/notifications';
import { waitFor } from '../support/processes';
import type { Receiver } from '../support/receiver';
import { RECORD, shopRelease } from '../support/shop-release';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
let rx: Receiver;
const { weights, running, serves, terminate, startRelease } = shopRelease({
  onStack: (s) => (stack = s),
  onReceiver: (r) => (rx = r),
});

describe('repair on real servers', () => {
  it('terminated in the warm period: repair decommissions the old color and leaves the new one at 100 %', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease(
      {
        traffic: { steps: [50, 100], interval: '1s' },
        decommission: { delay: '1h' },
        notify: [{ webhook: { url: `${rx.url}/hook` }, on: ['started', 'completed'] }],
      },
      (s) => s.phase === 'baking',
    );
    await terminate();
    const fromRelease = rx.at('/hook').length;
    const r = await stack.cli('repair', RECORD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /finish the release/);
    // The release's sinks hear of the repair: it changes production. The repair's notifier delivers
    // them, the last one possibly just after the repair's run closed.
    const told = await waitFor(
      'the repair completed delivery',
      async () => {
        const got = rx
          .at('/hook')
          .slice(fromRelease)
          .map((h) => h.body as NotificationPayload);
        return got.length >= 2 ? got : undefined;
      },
      15_000,
    );
    assert.deepEqual(
      told.map((p) => [p.kind, p.event]),
      [
        ['repair', 'started'],
        ['repair', 'completed'],
      ],
    );
    assert.match(told[1].message, /^repaired: finish the release/);
    assert.deepEqual(
      rx
        .at('/hook')
        .slice(fromRelease)
        .map((h) => h.headers['x-bluegreen-kind']),
      ['repair', 'repair'],
    );
    // The finished version is the live one now: a versionFrom release of it would be a no-op.
    const act = createActivities({ stateDir: stack.stateDir, temporal: stack.client });
    // Read from Temporal's visibility, which may show the repair's closed run a moment late.
    const liveNow = await waitFor(
      'the repaired version in visibility',
      async () => ((await act.liveVersion(RECORD)) === v ? v : undefined),
      10_000,
    ).catch(() => act.liveVersion(RECORD));
    assert.equal(liveNow, v);
    assert.deepEqual(await weights(), { [live]: 0, [next]: 100 });
    assert.deepEqual(await running(), { [live]: undefined, [next]: v });
    assert.equal((await serves(next)).version, v);
    await recordHistory(stack, 'repair-warm-period-v2');
  });
});
