// A sink that thinks for most of its timeout, on the real servers: the release's notifier keeps
// the delivery pending beside the closed run and the sink gets each event exactly once, with no
// notification-failed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { notifyCli } from '../support/notify-cli';
import { waitFor } from '../support/processes';
import type { Receiver } from '../support/receiver';
import type { Stack } from '../support/stack';

let stack: Stack;
let rx: Receiver;
const { status, start, bodies } = notifyCli({ onStack: (s) => (stack = s), onReceiver: (r) => (rx = r) });

describe('notifications, gates and freeze on real servers', () => {
  it('a slow sink with timeout 15s answering in 12 s gets each event exactly once', async () => {
    rx.on('/slow12', () => new Promise((answer) => setTimeout(() => answer({ status: 200 }), 12_000)));
    const id = await start({ notify: [{ webhook: { url: `${rx.url}/slow12` }, timeout: '15s', on: ['completed'] }] });
    assert.equal((await stack.cli('watch', id)).code, 0);
    // Read while the sink thinks (12 s). A closed run's status is a query the worker answers by
    // replaying it: on a machine busy enough to miss the 5 s deadline, the status falls back to
    // what Temporal's description alone says (no notifier), so the read is retried.
    const s = await waitFor(
      'the delivery pending while the sink thinks',
      async () => {
        const now = await status(id);
        return now.notifier ? now : undefined;
      },
      10_000,
    );
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
});
