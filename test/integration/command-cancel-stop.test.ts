// Commands a release runs when their worker is stopped, end to end: a worker stopped
// mid-provision stops its command, and another worker runs it again to a completed release.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { groupAlive } from '../../activities/environments/process-group';
import { commandScripts, lines } from '../support/command-scripts';
import type { Stack } from '../support/stack';

let stack: Stack;
const { dir, startHangingOnce } = commandScripts('bluegreen-command-cancel-stop-it-', (s) => (stack = s));

describe('cancellation reaches commands', () => {
  it('a worker stopped mid-provision stops its command; another worker runs it again and the release completes', async () => {
    const log = path.join(dir, 'shutdown.log');
    const { id, first } = await startHangingOnce('shutdown', log);
    await stack.stopWorker();
    assert.equal(groupAlive(first.pid), false, 'the stopped worker left its command running');
    await stack.startWorker();
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.deepEqual(
      lines(log).map((l) => l.what),
      ['start', 'stop', 'start', 'end'],
    );
  });
});
