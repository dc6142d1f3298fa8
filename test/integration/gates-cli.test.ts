// Gates on the real servers: a beforeTraffic gate refusing (403) or hanging rolls the release
// back with no weight changed, and beforeStep is called once per step before the weights move.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotificationPayload } from '../../workflows/notifications';
import { notifyCli } from '../support/notify-cli';
import type { Receiver } from '../support/receiver';
import type { Stack } from '../support/stack';

let stack: Stack;
let rx: Receiver;
const { weights, status, start } = notifyCli({ onStack: (s) => (stack = s), onReceiver: (r) => (rx = r) });

describe('notifications, gates and freeze on real servers', () => {
  it('a 403 from beforeTraffic rolls back with no weight ever changed', async () => {
    rx.on('/deny', { status: 403, body: 'change freeze in effect' });
    const before = await weights();
    const id = await start({ hooks: { beforeTraffic: [{ url: `${rx.url}/deny` }] } });
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 3);
    const s = await status(id);
    assert.match(s.result!.reason, /gate beforeTraffic .* answered HTTP 403: change freeze in effect/);
    assert.ok(!s.events.some((e) => e.type === 'shifted'), 'no weight change');
    assert.deepEqual(await weights(), before);
  });

  it('a gate that hangs times out and counts as failed', async () => {
    rx.on('/hang', { status: 200, hang: true });
    const id = await start({ hooks: { beforeTraffic: [{ url: `${rx.url}/hang`, timeout: '2s' }] } });
    assert.equal((await stack.cli('watch', id)).code, 3);
    assert.match((await status(id)).result!.reason, /did not answer within 2s/);
  });

  it('beforeStep is called once per step, with the weights unchanged at the moment of the call', async () => {
    const seen: { percent: number; inRoute53: number; inPayload: number }[] = [];
    const next = (await weights()).blue === 100 ? 'green' : 'blue';
    // Route 53 is read while the gate holds its answer: the release waits for it.
    rx.on('/step', async (r) => {
      const body = r.body as NotificationPayload & { percent: number };
      seen.push({ percent: body.percent, inRoute53: (await weights())[next] ?? 0, inPayload: body.weights[next] });
      return { status: 200 };
    });
    const id = await start({ hooks: { beforeStep: [{ url: `${rx.url}/step` }] } });
    assert.equal((await stack.cli('watch', id)).code, 0);
    assert.deepEqual(seen, [
      { percent: 10, inRoute53: 0, inPayload: 0 },
      { percent: 50, inRoute53: 10, inPayload: 10 },
      { percent: 100, inRoute53: 50, inPayload: 50 },
    ]);
  });
});
