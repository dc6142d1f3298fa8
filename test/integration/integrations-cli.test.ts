// Notifications, gates and freeze on the real servers: a Temporal dev server, moto's Route 53,
// a real worker running the demo app, and a local HTTP receiver that asserts what it got.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { ReleaseStatus } from '../../workflows/messages';
import type { NotificationPayload } from '../../workflows/notifications';
import { waitFor } from '../support/processes';
import { startReceiver, type Receiver } from '../support/receiver';
import { recordHistory, startStack, type Stack } from '../support/stack';

const SECRET = 'integration-hook-secret-7f3a';
let stack: Stack;
let rx: Receiver;
let version = 0;

before(async () => {
  // The worker inherits this: the spec names it only as ${env:BG_IT_HOOK_SECRET}.
  process.env.BG_IT_HOOK_SECRET = SECRET;
  rx = await startReceiver();
  stack = await startStack();
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
  await rx?.close();
});

const weights = () => stack.colorWeights();

async function status(id: string): Promise<ReleaseStatus> {
  return JSON.parse((await stack.cli('status', id, '--json')).stdout) as ReleaseStatus;
}

/** Starts a release of the next version with spec overrides; returns its id. */
async function start(overrides: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
  // No wait for the previous run here: a release's run closes with its result, and its notifier
  // workflow goes on delivering beside the next release.
  const file = stack.writeSpec(`v${++version}.yaml`, await stack.appSpec(`${version}.0.0`, { env, overrides }));
  const r = await stack.cli('start', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { id: string }).id;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const bodies = (path: string) => rx.at(path).map((r) => r.body as NotificationPayload);

describe('notifications, gates and freeze on real servers', () => {
  it('a completed release: signed webhooks in order, Slack messages, and the secret nowhere', async () => {
    const id = await start({
      notify: [
        {
          webhook: { url: `${rx.url}/ok-hook`, secret: '${env:BG_IT_HOOK_SECRET}' },
          on: ['started', 'shifted', 'completed', 'rolled-back'],
        },
        { slack: { webhookUrl: `${rx.url}/slack` } },
      ],
    });
    assert.equal((await stack.cli('watch', id)).code, 0);
    // The last delivery goes out as the run closes, just after `watch` has seen the result.
    await waitFor(
      'the completed delivery',
      async () => (bodies('/ok-hook').some((b) => b.event === 'completed') ? true : undefined),
      15_000,
    );
    const got = rx.at('/ok-hook');
    assert.deepEqual(
      got.map((r) => (r.body as NotificationPayload).event),
      ['started', 'shifted', 'shifted', 'shifted', 'completed'],
    );
    for (const r of got) {
      const expected = `sha256=${createHmac('sha256', SECRET).update(r.raw).digest('hex')}`;
      assert.equal(r.headers['x-bluegreen-signature'], expected, 'signature verifies with the secret');
      assert.ok(!r.raw.includes(SECRET));
    }
    assert.equal(new Set(got.map((r) => r.headers['x-bluegreen-delivery'])).size, got.length);
    assert.deepEqual(
      got
        .filter((r) => (r.body as NotificationPayload).event === 'shifted')
        .map((r) => (r.body as NotificationPayload).weights),
      [
        { blue: 90, green: 10 },
        { blue: 50, green: 50 },
        { blue: 0, green: 100 },
      ].map((w) => (version % 2 ? w : { blue: w.green, green: w.blue })),
    );
    const slack = bodies('/slack') as unknown as { text: string; blocks: unknown[] }[];
    assert.deepEqual(slack.length, 2, 'started and completed (shifted is opt-in)');
    assert.match(slack[1].text, /shop 1\.0\.0: completed/);
    const history = historyToJSON(await stack.client.workflow.getHandle(id).fetchHistory());
    assert.ok(!history.includes(SECRET), 'secret not in history');
    assert.ok(!JSON.stringify(await status(id)).includes(SECRET), 'secret not in status');
  });

  it('a rolled-back release tells started, then rolled-back', async () => {
    const id = await start({ notify: [{ webhook: { url: `${rx.url}/rb-hook` } }] }, { ERROR_RATE: '0.5' });
    assert.equal((await stack.cli('watch', id)).code, 3);
    await waitFor('the rolled-back delivery', async () => (bodies('/rb-hook').length >= 2 ? true : undefined), 15_000);
    assert.deepEqual(
      bodies('/rb-hook').map((b) => b.event),
      ['started', 'rolled-back'],
    );
    assert.match(bodies('/rb-hook')[1].message, /analysis breach/);
  });

  it('a receiver answering 500 never blocks the release: it completes with notification-failed', async () => {
    rx.on('/broken', { status: 500, body: 'down for maintenance' });
    const id = await start({ notify: [{ webhook: { url: `${rx.url}/broken` }, retryFor: '3s' }] });
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout);
    // Its notifier gives up on each event 3 s after it, possibly after the run closed.
    const failed = await waitFor(
      'notification-failed',
      async () => {
        const events = (await status(id)).events.filter((e) => e.type === 'notification-failed');
        return events.length >= 2 ? events : undefined;
      },
      20_000,
    );
    assert.match(
      failed[0].message,
      /^started was not delivered to notify\[0\]: the webhook .*\/broken answered HTTP 500: down for maintenance, \d+ times over \ds \(retryFor 3s\)$/,
    );
    assert.ok(rx.at('/broken').length >= 2, 'retried');
  });

  it('a release closes with its result; its slow last delivery arrives from its notifier while the next release runs', async () => {
    // The completed delivery takes 6 s to be answered; the run does not wait for it.
    rx.on('/slow', async (r) =>
      (r.body as NotificationPayload).event === 'completed'
        ? new Promise((answer) => setTimeout(() => answer({ status: 200 }), 6000))
        : { status: 200 },
    );
    const id = await start({ notify: [{ webhook: { url: `${rx.url}/slow` }, on: ['completed'] }] });
    assert.equal((await stack.cli('watch', id)).code, 0);
    // `watch` answers from the status the run reports as it ends; the run itself closes a moment
    // later on a busy machine, and still long before the 6 s delivery is answered.
    const closed = await waitFor(
      'the run closed with its result, before its last delivery',
      async () => {
        const d = await stack.client.workflow.getHandle(id).describe();
        return d.status.name === 'COMPLETED' ? d : undefined;
      },
      4000,
    );
    const nextId = await start({});
    assert.ok((await stack.client.workflow.getHandle(nextId).describe()).runId !== closed.runId);
    await waitFor('the completed delivery', async () => (rx.at('/slow').length ? true : undefined), 20_000);
    assert.deepEqual(
      bodies('/slow').map((b) => [b.event, b.runId]),
      [['completed', closed.runId]],
    );
    assert.equal((await stack.cli('watch', nextId)).code, 0);
  });

  it('a webhook to a closed port: the next release starts at once and completes; status says why in a sentence', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/dead`;
    const sink = { webhook: { url: dead }, retryFor: '5s' };
    const id = await start({ notify: [sink] });
    assert.equal((await stack.cli('watch', id)).code, 0);
    const began = Date.now();
    const nextId = await start({ notify: [sink] });
    const startedIn = Date.now() - began;
    // Before, this start waited 30 s for the previous run's deliveries and was refused.
    assert.ok(startedIn < 10_000, `start took ${startedIn} ms`);
    const done = await stack.cli('watch', nextId);
    assert.equal(done.code, 0, done.stdout);
    const failed = await waitFor(
      'the failed completed delivery',
      async () => {
        const events = (await status(nextId)).events.filter((e) => e.type === 'notification-failed');
        return events.some((e) => e.message.startsWith('completed')) ? events : undefined;
      },
      30_000,
    );
    const sentence = new RegExp(
      `^completed was not delivered to notify\\[0\\]: the webhook ${dead.replace(/[.]/g, '\\.')} refused the connection \\(nothing listens there\\), \\d+ times over \\d+s \\(retryFor 5s\\)$`,
    );
    assert.match(failed.at(-1)!.message, sentence);
    assert.ok(!failed.some((e) => /Temporal|retry policy|Not enough time/i.test(e.message)), 'no Temporal wording');
    const human = (await stack.cli('status', nextId)).stdout;
    assert.match(human, /notification-failed +completed was not delivered to notify\[0\]/);
    // The handed-over path (patch detached-notifier), for the replay test: the release and its notifier.
    await recordHistory(stack, 'detached-notifier-release', nextId);
    await recordHistory(stack, 'detached-notifier', (await status(nextId)).notifier!.workflowIds[0]);
  });

  it('a slow sink with timeout 15s answering in 12 s gets each event exactly once', async () => {
    rx.on('/slow12', () => new Promise((answer) => setTimeout(() => answer({ status: 200 }), 12_000)));
    const id = await start({ notify: [{ webhook: { url: `${rx.url}/slow12` }, timeout: '15s', on: ['completed'] }] });
    assert.equal((await stack.cli('watch', id)).code, 0);
    const s = await status(id);
    assert.equal(s.notifier?.pending, 1, 'the delivery is pending while the sink thinks');
    const notifier = stack.client.workflow.getHandle(s.notifier!.workflowIds[0]);
    await notifier.result();
    assert.deepEqual(
      bodies('/slow12').map((b) => b.event),
      ['completed'],
    );
    assert.equal((await status(id)).notifier?.pending, 0);
    assert.ok(!(await status(id)).events.some((e) => e.type === 'notification-failed'));
  });

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
