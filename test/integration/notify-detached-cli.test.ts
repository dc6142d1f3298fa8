// A release's deliveries outlive its run, on the real servers: the run closes with its result
// while its notifier goes on delivering beside the next release (a slow and an unanswered
// sink), and status says in a sentence what failed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotificationPayload } from '../../workflows/notifications';
import { closedPort, notifyCli } from '../support/notify-cli';
import { waitFor } from '../support/processes';
import type { Receiver } from '../support/receiver';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
let rx: Receiver;
const { status, start, bodies } = notifyCli({ onStack: (s) => (stack = s), onReceiver: (r) => (rx = r) });

describe('notifications, gates and freeze on real servers', () => {
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
});
