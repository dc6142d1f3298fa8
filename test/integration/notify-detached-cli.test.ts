// A release's deliveries outlive its run, on the real servers: the run closes with its result
// while its notifier goes on delivering a slow sink's last event beside the next release.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NotificationPayload } from '../../workflows/notifications';
import { notifyCli } from '../support/notify-cli';
import { waitFor } from '../support/processes';
import type { Receiver } from '../support/receiver';
import type { Stack } from '../support/stack';

let stack: Stack;
let rx: Receiver;
const { start, bodies } = notifyCli({ onStack: (s) => (stack = s), onReceiver: (r) => (rx = r) });

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
});
