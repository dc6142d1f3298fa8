// Deliveries and gates against a real local HTTP receiver: signatures that verify, secrets that
// never leave the activity, Slack's incoming-webhook shape, and gate answers as verdicts.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { attemptDelivery, callGate, deliverNotification, signature } from '../../../activities/notify';
import type { NotificationPayload } from '../../../workflows/notifications';
import { startReceiver, type Receiver } from '../../support/receiver';

const payload: NotificationPayload = {
  release: 'bluegreen-shop.example.com',
  runId: 'run-1',
  service: 'shop',
  version: '2.0.0',
  event: 'started',
  kind: 'release',
  phase: 'provisioning',
  message: 'provisioning green with 2.0.0',
  weights: { blue: 100, green: 0 },
  step: { index: 0, total: 3 },
  at: '2026-11-27T10:00:00.000Z',
  link: null,
};
const SECRET = 'hook-secret-value-42';

describe('notifications and gates', () => {
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver();
    process.env.BG_TEST_HOOK_SECRET = SECRET;
    process.env.BG_TEST_SLACK_URL = `${rx.url}/slack/T000/B000/XXXX`;
    process.env.BLUEGREEN_UI_URL = 'http://ui.local:8233/';
  });
  after(() => rx.close());

  it('signs the raw body with the secret, sends a delivery id, and never sends the secret', async () => {
    await deliverNotification({
      sink: { webhook: { url: `${rx.url}/hook`, secret: '${env:BG_TEST_HOOK_SECRET}', headers: { 'X-Team': 'web' } } },
      index: 0,
      payload,
      deliveryId: 'run-1:1:0',
    });
    const [got] = rx.at('/hook');
    const expected = `sha256=${createHmac('sha256', SECRET).update(got.raw).digest('hex')}`;
    assert.equal(got.headers['x-bluegreen-signature'], expected);
    assert.equal(got.headers['x-bluegreen-delivery'], 'run-1:1:0');
    assert.equal(got.headers['x-bluegreen-kind'], 'release');
    assert.equal(got.headers['x-team'], 'web');
    assert.ok(!got.raw.includes(SECRET));
    const body = got.body as NotificationPayload;
    assert.equal(body.event, 'started');
    assert.deepEqual(body.weights, { blue: 100, green: 0 });
    assert.equal(
      body.link,
      'http://ui.local:8233/namespaces/default/workflows/bluegreen-shop.example.com/run-1/history',
    );
    assert.equal(signature(got.raw, SECRET), expected);
  });

  it('a receiver answering 500 is a retryable failure that names the answer, not the secret', async () => {
    rx.on('/broken', { status: 500, body: `oops ${SECRET}` });
    await assert.rejects(
      deliverNotification({
        sink: { webhook: { url: `${rx.url}/broken`, secret: '${env:BG_TEST_HOOK_SECRET}' } },
        index: 1,
        payload,
        deliveryId: 'd',
      }),
      (err: Error & { nonRetryable?: boolean }) => {
        assert.match(err.message, /answered HTTP 500: oops \*\*\*/);
        assert.ok(!err.message.includes(SECRET));
        assert.equal(err.nonRetryable, false);
        return true;
      },
    );
  });

  it("one attempt waits the sink's timeout: a 1.5 s answer is delivered within 3s and is 'did not answer within 1s' under 1s", async () => {
    rx.on('/slowish', () => new Promise((answer) => setTimeout(() => answer({ status: 200 }), 1500)));
    const request = { sink: { webhook: { url: `${rx.url}/slowish` } }, index: 0, payload, deliveryId: 'd' };
    assert.deepEqual(await attemptDelivery({ ...request, timeoutMs: 3000 }), { delivered: true, status: 200 });
    assert.deepEqual(await attemptDelivery({ ...request, timeoutMs: 1000 }), {
      delivered: false,
      where: `webhook ${rx.url}/slowish`,
      answer: 'did not answer within 1s',
      permanent: false,
    });
    assert.equal(rx.at('/slowish').length, 2, 'one POST per attempt');
  });

  it('an attempt at a closed port or with a missing ${env:NAME} says so in words', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((r) => server.close(r));
    const refused = await attemptDelivery({
      sink: { webhook: { url: `http://127.0.0.1:${port}/x` } },
      index: 0,
      payload,
      deliveryId: 'd',
      timeoutMs: 1000,
    });
    assert.deepEqual(refused, {
      delivered: false,
      where: `webhook http://127.0.0.1:${port}/x`,
      answer: 'refused the connection (nothing listens there)',
      permanent: false,
    });
    const missing = await attemptDelivery({
      sink: { slack: { webhookUrl: '${env:BG_TEST_NOT_SET_ANYWHERE}' } },
      index: 2,
      payload,
      deliveryId: 'd',
      timeoutMs: 1000,
    });
    assert.equal(missing.delivered, false);
    assert.ok(!missing.delivered && missing.permanent);
    assert.match(!missing.delivered ? missing.answer : '', /^could not be sent: .*BG_TEST_NOT_SET_ANYWHERE/);
  });

  it('a 404 is not retried', async () => {
    rx.on('/gone', { status: 404 });
    await assert.rejects(
      deliverNotification({ sink: { webhook: { url: `${rx.url}/gone` } }, index: 0, payload, deliveryId: 'd' }),
      (err: Error & { nonRetryable?: boolean }) => err.nonRetryable === true,
    );
  });

  it("a secret missing from the worker's environment is not retried: no attempt could succeed", async () => {
    delete process.env.BG_TEST_UNSET_SECRET;
    const sinks = [
      { webhook: { url: `${rx.url}/hook`, secret: '${env:BG_TEST_UNSET_SECRET}' } },
      { webhook: { url: `${rx.url}/hook`, headers: { Authorization: 'Bearer ${env:BG_TEST_UNSET_SECRET}' } } },
      { slack: { webhookUrl: '${env:BG_TEST_UNSET_SECRET}' } },
    ];
    for (const [index, sink] of sinks.entries()) {
      const before = rx.at('/hook').length;
      await assert.rejects(
        deliverNotification({ sink, index, payload, deliveryId: 'd' }),
        (err: Error & { nonRetryable?: boolean; type?: string }) => {
          assert.equal(err.nonRetryable, true, `notify[${index}]: ${err.name} ${err.message}`);
          assert.equal(err.type, 'MissingEnvironmentVariable');
          assert.match(
            err.message,
            new RegExp(`^notify\\[${index}\\]\\.\\S+ references \\$\\{env:BG_TEST_UNSET_SECRET\\}`),
          );
          return true;
        },
      );
      assert.equal(rx.at('/hook').length, before, 'nothing was sent');
    }
  });

  it('Slack gets an incoming-webhook message: text naming service, version, event and weights, plus blocks', async () => {
    await deliverNotification({
      sink: { slack: { webhookUrl: '${env:BG_TEST_SLACK_URL}' } },
      index: 2,
      payload: { ...payload, event: 'rolled-back', message: 'analysis failed: probe.error-rate 0.5 > max 0.01' },
      deliveryId: 'd2',
    });
    const [got] = rx.at('/slack/T000/B000/XXXX');
    const msg = got.body as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    assert.equal(typeof msg.text, 'string');
    for (const word of ['shop', '2.0.0', 'rolled-back', 'blue 100% / green 0%'])
      assert.ok(msg.text.includes(word), word);
    assert.ok(Array.isArray(msg.blocks) && msg.blocks.length >= 3);
    for (const b of msg.blocks) assert.ok(['header', 'section', 'context'].includes(b.type));
    assert.equal(msg.blocks[0].text?.type, 'plain_text');
    assert.ok(JSON.stringify(msg.blocks).length < 50_000);
  });

  it('a repair says so in Slack: "repair completed" in the text and the header', async () => {
    await deliverNotification({
      sink: { slack: { webhookUrl: '${env:BG_TEST_SLACK_URL}' } },
      index: 0,
      payload: { ...payload, kind: 'repair', event: 'completed', message: 'repaired: roll back: blue to 100 %' },
      deliveryId: 'd-repair',
    });
    const got = rx.at('/slack/T000/B000/XXXX').at(-1)!;
    const msg = got.body as { text: string; blocks: { text?: { text: string } }[] };
    assert.match(msg.text, /shop 2\.0\.0: repair completed \(blue 100% \/ green 0%\): repaired: roll back/);
    assert.equal(msg.blocks[0].text?.text, 'shop 2.0.0: repair completed');
  });

  it('a gate answering 2xx passes; 403 fails naming the gate, status and body start', async () => {
    rx.on('/ok', { status: 204 });
    rx.on('/deny', { status: 403, body: 'change ticket CHG-1 not approved' });
    const gatePayload = { ...payload, gate: 'beforeTraffic' as const };
    const ok = await callGate({
      gate: { url: `${rx.url}/ok`, timeout: '5s' },
      field: 'hooks.beforeTraffic[0]',
      payload: gatePayload,
    });
    assert.deepEqual(ok.passed, true);
    const no = await callGate({
      gate: { url: `${rx.url}/deny`, timeout: '5s' },
      field: 'hooks.beforeTraffic[1]',
      payload: gatePayload,
    });
    assert.equal(no.passed, false);
    assert.match(
      no.message,
      /gate beforeTraffic \(http:\/\/127\.0\.0\.1:\d+\/deny\) answered HTTP 403: change ticket CHG-1 not approved/,
    );
    const body = rx.at('/ok')[0].body as { gate: string; event: string };
    assert.equal(body.gate, 'beforeTraffic');
  });

  it('a gate that hangs times out and counts as failed', async () => {
    rx.on('/hang', { status: 200, hang: true });
    const started = Date.now();
    const v = await callGate({
      gate: { url: `${rx.url}/hang`, timeout: '1500ms' },
      field: 'hooks.beforeStep[0]',
      payload: { ...payload, gate: 'beforeStep', percent: 50 },
    });
    assert.equal(v.passed, false);
    assert.match(v.message, /did not answer within 1500ms/);
    assert.ok(Date.now() - started < 5000);
    assert.equal((rx.at('/hang')[0].body as { percent: number }).percent, 50);
  });

  it('an unreachable gate is retried until its timeout', async () => {
    const closed = await freePort();
    const started = Date.now();
    const v = await callGate({
      gate: { url: `http://127.0.0.1:${closed}/gate`, timeout: '2500ms' },
      field: 'hooks.beforeTraffic[0]',
      payload: { ...payload, gate: 'beforeTraffic' },
    });
    assert.equal(v.passed, false);
    assert.match(v.message, /did not answer within 2500ms \(last: ECONNREFUSED\)/);
    assert.ok(Date.now() - started >= 2000, 'kept trying until (nearly) the timeout');
  });
});

/** A port nobody listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
