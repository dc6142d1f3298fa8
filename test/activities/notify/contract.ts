// What every notification sink must do, whatever it talks to. Each sink's test file runs this
// suite against the local HTTP receiver (test/support/receiver.ts), which records what really
// arrived: a sink is done when it passes.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { NotificationSink } from '../../../activities/notify';
import type { NotificationPayload } from '../../../workflows/notifications';
import { startReceiver, type Receiver } from '../../support/receiver';

export interface SinkUnderTest {
  /**
   * A sink whose POSTs go to `url`, holding a secret by ${env:NAME} reference (the test file
   * sets the variable); returns the secret's value, which must never be said back.
   */
  make: (url: string, index: number) => { sink: NotificationSink; secret: string };
  /** A sink whose ${env:NAME} reference names a variable the worker does not have. */
  missing: (url: string, index: number) => NotificationSink;
}

export const contractPayload: NotificationPayload = {
  release: 'bluegreen-shop.example.com',
  runId: 'run-1',
  service: 'shop',
  version: '2.0.0',
  event: 'completed',
  kind: 'release',
  phase: 'completed',
  message: 'green serves 100%',
  weights: { blue: 0, green: 100 },
  step: { index: 3, total: 3 },
  at: '2026-11-27T10:00:00.000Z',
  link: null,
};

export function sinkContract(u: SinkUnderTest): void {
  let rx: Receiver;
  let paths = 0;
  const fresh = () => `/sink-${++paths}`;
  before(async () => {
    rx = await startReceiver();
  });
  after(() => rx.close());

  it('delivers: one POST arrives with the event, its delivery id and the release in the body', async () => {
    const path = fresh();
    const { sink } = u.make(rx.url + path, 0);
    const answer = await sink.post(contractPayload, { deliveryId: 'run-1:7:0', timeoutMs: 5000 });
    assert.deepEqual(answer, { delivered: true, status: 200 });
    const got = rx.at(path);
    assert.equal(got.length, 1);
    assert.equal(got[0].headers['x-bluegreen-delivery'], 'run-1:7:0');
    assert.equal(got[0].headers['x-bluegreen-event'], 'completed');
    assert.match(got[0].raw, /shop/);
    assert.match(got[0].raw, /2\.0\.0/);
  });

  it('names itself without secrets, even when the receiver repeats one', async () => {
    const path = fresh();
    const { sink, secret } = u.make(rx.url + path, 1);
    assert.match(sink.describe(), new RegExp(`^${sink.kind}\\b`));
    assert.ok(!sink.describe().includes(secret), `describe() shows the secret: ${sink.describe()}`);
    rx.on(path, { status: 500, body: `rejected credentials ${secret}` });
    const answer = await sink.post(contractPayload, { deliveryId: 'run-1:8:1', timeoutMs: 5000 });
    assert.equal(answer.delivered, false);
    if (answer.delivered) return;
    assert.match(answer.answer, /answered HTTP 500: rejected credentials \*\*\*/);
    assert.ok(!JSON.stringify(answer).includes(secret));
    assert.equal(answer.permanent, false, 'a 5xx may pass next time');
  });

  it('a missing ${env:NAME} is reported as permanent, naming the variable, and sends nothing', async () => {
    const path = fresh();
    const sink = u.missing(rx.url + path, 2);
    const answer = await sink.post(contractPayload, { deliveryId: 'run-1:9:2', timeoutMs: 5000 });
    assert.equal(answer.delivered, false);
    if (answer.delivered) return;
    assert.equal(answer.permanent, true);
    assert.match(answer.answer, /could not be sent: notify\[2\]\.\S+ references \$\{env:BG_CONTRACT_UNSET\}/);
    assert.deepEqual(rx.at(path), []);
  });

  it('a receiver that does not answer in time is reported in words, to be tried again', async () => {
    const path = fresh();
    const { sink } = u.make(rx.url + path, 3);
    rx.on(path, { status: 200, hang: true });
    const started = Date.now();
    const answer = await sink.post(contractPayload, { deliveryId: 'run-1:10:3', timeoutMs: 1000 });
    assert.ok(Date.now() - started < 4000, 'the time limit was not kept');
    assert.equal(answer.delivered, false);
    if (answer.delivered) return;
    assert.equal(answer.answer, 'did not answer within 1s');
    assert.equal(answer.permanent, false);
  });
}
