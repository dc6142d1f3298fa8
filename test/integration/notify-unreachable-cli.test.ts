// A sink nothing listens on, on the real servers: the next release starts at once and completes
// while the previous run's notifier still tries, and status says in a sentence, with no Temporal
// wording, what was not delivered and why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notifyCli } from '../support/notify-cli';
import { closedPort, waitFor } from '../support/processes';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
const { status, start } = notifyCli({ onStack: (s) => (stack = s) });

describe('notifications, gates and freeze on real servers', () => {
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
