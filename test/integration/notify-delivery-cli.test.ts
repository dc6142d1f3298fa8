// Notifications on the real servers (a Temporal dev server, moto's Route 53, a real worker
// running the demo app) as a local HTTP receiver gets them: signed webhooks and Slack messages
// of a completed release with the secret nowhere, a rolled-back release's, and a receiver that
// fails without ever blocking the release.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { NotificationPayload } from '../../workflows/notifications';
import { waitFor } from '../support/processes';
import { notifyCli } from '../support/notify-cli';
import type { Receiver } from '../support/receiver';
import type { Stack } from '../support/stack';

const SECRET = 'integration-hook-secret-7f3a';

let stack: Stack;
let rx: Receiver;
let version = 0;
// The worker inherits this: the spec names it only as ${env:BG_IT_HOOK_SECRET}.
process.env.BG_IT_HOOK_SECRET = SECRET;
const { status, start, bodies } = notifyCli({
  onStack: (s) => (stack = s),
  onReceiver: (r) => (rx = r),
  nextVersion: () => ++version,
});

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
});
