// Stopping a spawned group must never reach a process that merely inherited its pid.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { groupAlive, stopGroups } from '../../../activities/environments/process-group';

const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

/** A live process that leads no group, as a reused pid would be: it stays in the test's group. */
async function bystander(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await once(child, 'spawn');
  return child;
}

describe('process groups', () => {
  it('a gone group whose pid now names an unrelated process: nothing is signalled', async () => {
    const other = await bystander();
    assert.equal(groupAlive(other.pid!), false, 'the pid leads no group');
    assert.equal(await stopGroups([other.pid!], 200), 'gone');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(other.exitCode, null, 'still running');
    assert.equal(other.signalCode, null, 'never signalled');
  });

  it('a marked process that leads no group is stopped alone', async () => {
    const marked = await bystander();
    assert.equal(groupAlive(marked.pid!, 'marked'), true);
    const exited = once(marked, 'exit');
    assert.equal(await stopGroups([marked.pid!], 2000, undefined, 'marked'), 'terminated');
    await exited;
    assert.equal(marked.signalCode, 'SIGTERM');
  });

  it('a spawned group is stopped whole: leader and members', async () => {
    const leader = spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true, stdio: 'ignore' });
    children.push(leader);
    await once(leader, 'spawn');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(groupAlive(leader.pid!), true);
    assert.equal(await stopGroups([leader.pid!], 2000), 'terminated');
    assert.equal(groupAlive(leader.pid!), false, 'the background sleep went with its group');
  });
});
