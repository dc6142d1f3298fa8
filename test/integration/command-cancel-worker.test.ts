// Commands a release runs when their worker is killed, end to end: a worker killed with -9
// mid-provision never leaves two copies of the command running once a new worker retries it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { groupAlive } from '../../activities/environments/process-group';
import { activityOf, commandScripts, lines } from '../support/command-scripts';
import type { Stack } from '../support/stack';

let stack: Stack;
const { dir, startHangingOnce, history } = commandScripts('bluegreen-command-cancel-worker-it-', (s) => (stack = s));

describe('cancellation reaches commands', () => {
  it('a worker killed with -9 mid-provision: the retry on a new worker never runs beside the first copy', async () => {
    const log = path.join(dir, 'crash.log');
    // The first run outlasts the heartbeat timeout; the retry is quick, so the release goes on.
    const { id, first } = await startHangingOnce('crash', log);
    await sleep(1000);
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    await new Promise((r) => stack.worker!.child.once('exit', r));
    stack.worker = undefined;
    assert.ok(groupAlive(first.pid), 'the command outlives its worker');
    await stack.startWorker();

    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.equal(groupAlive(first.pid), false);

    // Each copy runs from its start to its end or stop; no two of those spans overlap.
    const events = lines(log);
    const spans = [...new Set(events.map((l) => l.pid))].map((pid) => {
      const mine = events.filter((l) => l.pid === pid);
      const end = mine.find((l) => l.what !== 'start');
      assert.ok(end, `copy ${pid} never ended: ${JSON.stringify(events)}`);
      return { pid, from: mine[0].at, to: end.at };
    });
    assert.equal(spans.length, 2, JSON.stringify(events));
    const [a, b] = spans.sort((x, y) => x.from - y.from);
    assert.ok(a.to <= b.from, `the two copies ran side by side for ${a.to - b.from} ms: ${JSON.stringify(events)}`);
    assert.equal(events.find((l) => l.pid === first.pid && l.what !== 'start')?.what, 'stop');
    // The retry was the new worker's attempt 2.
    const h = await history(id);
    const attempts = h.flatMap((e) =>
      e.activityTaskStartedEventAttributes && activityOf(h, e) === 'provisionColor'
        ? [e.activityTaskStartedEventAttributes.attempt ?? 1]
        : [],
    );
    assert.deepEqual(attempts, [2], `provision attempts recorded: ${attempts.join(', ')}`);
    console.log(
      `first copy stopped ${b.from - a.to} ms before the retry started; ${b.from - first.at} ms after its start`,
    );
  });
});
