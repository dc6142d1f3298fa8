// Freeze (onFailure: freeze) on the real servers: a beforeStep gate refusing a step freezes
// the release at its weights, longer than a step interval; resume, abort and promote end it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../support/processes';
import { notifyCli } from '../support/notify-cli';
import type { Receiver } from '../support/receiver';
import type { Stack } from '../support/stack';

let stack: Stack;
let rx: Receiver;
const { weights, status, start } = notifyCli({ onStack: (s) => (stack = s), onReceiver: (r) => (rx = r) });

describe('notifications, gates and freeze on real servers', () => {
  describe('freeze (onFailure: freeze)', () => {
    let allowed = false;
    /** Starts a release whose beforeStep gate lets 10% through and refuses 50%, so it freezes at 10%. */
    async function frozenAt10(): Promise<{ id: string; live: 'blue' | 'green'; next: 'blue' | 'green' }> {
      allowed = false;
      rx.on('/freeze-gate', (r) =>
        allowed || (r.body as { percent: number }).percent === 10
          ? { status: 200 }
          : { status: 409, body: 'load test failed' },
      );
      const live = (await weights()).blue === 100 ? 'blue' : 'green';
      const next = live === 'blue' ? 'green' : 'blue';
      const id = await start({ onFailure: 'freeze', hooks: { beforeStep: [{ url: `${rx.url}/freeze-gate` }] } });
      await waitFor('frozen', async () => ((await status(id)).phase === 'frozen' ? true : undefined), 30_000);
      return { id, live, next };
    }

    it('while frozen the weights stay put longer than a step interval; resume then completes', async () => {
      const { id, next } = await frozenAt10();
      const s = await status(id);
      assert.equal(s.paused, true);
      assert.match(s.pauseReason!, /load test failed/);
      const held = await weights();
      assert.equal(held[next], 10);
      await new Promise((r) => setTimeout(r, 3000));
      assert.deepEqual(await weights(), held, 'no weight change while frozen, for 3x the 1s interval');
      allowed = true;
      assert.equal((await stack.cli('resume', id)).code, 0);
      assert.equal((await stack.cli('watch', id)).code, 0);
      assert.equal((await weights())[next], 100);
    });

    it('frozen, then abort ends rolled back (exit 3)', async () => {
      const { id, live } = await frozenAt10();
      assert.equal((await stack.cli('abort', id, '--reason', 'migration is safe to keep; traffic is not')).code, 0);
      assert.equal((await stack.cli('watch', id)).code, 3);
      assert.equal((await weights())[live], 100);
    });

    it('frozen, then promote reaches 100%', async () => {
      const { id, next } = await frozenAt10();
      assert.equal((await stack.cli('promote', id)).code, 0);
      assert.equal((await stack.cli('watch', id)).code, 0);
      assert.equal((await weights())[next], 100);
    });
  });
});
