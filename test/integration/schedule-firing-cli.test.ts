// Scheduled releases on real servers: a firing right after a finished release runs, and a failing
// run pauses its schedule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopReleases } from '../support/cli-release';
import { stackForFile } from '../support/file-stack';
import { closedPort, waitFor } from '../support/processes';
import { recurringSpecs } from '../support/schedule';
import type { Stack } from '../support/stack';

let stack: Stack;
const { status } = shopReleases(() => stack);
const recurringSpec = recurringSpecs(() => stack);
stackForFile((s) => (stack = s).releaseFirst('1.0.0'));

describe('scheduled releases on real servers', () => {
  it('a firing right after a release whose webhook is dead runs: the finished release does not hold the record', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/dead`;
    const overrides = { notify: [{ webhook: { url: dead } }] };
    const released = await stack.cli(
      'start',
      stack.writeSpec('dead-sink.yaml', await stack.appSpec('6.5.0', { overrides })),
      '--watch',
    );
    assert.equal(released.code, 0, released.stdout + released.stderr);
    const spec = await recurringSpec('right-after', '6.6.0');
    const created = JSON.parse(
      (await stack.cli('schedule', 'create', spec, '--every', '24h', '--id', 'right-after-test', '--json')).stdout,
    );
    const triggeredAt = new Date();
    assert.equal((await stack.cli('schedule', 'trigger', created.id)).code, 0);
    const fired = await waitFor(
      'the firing',
      async () => {
        for await (const w of stack.client.workflow.list({ query: 'WorkflowType="scheduledRelease"' })) {
          if (w.startTime < triggeredAt || w.status.name === 'RUNNING') continue;
          return (await stack.client.workflow.getHandle(w.workflowId, w.runId).result()) as {
            outcome: string;
            reason: string;
          };
        }
        return undefined;
      },
      60_000,
    );
    // Before, the dead webhook's retries (2 minutes) kept the previous run open and this firing was skipped.
    assert.equal(fired.outcome, 'started', fired.reason);
    const s = await status();
    assert.equal(s.version, '6.6.0');
    assert.equal(s.result?.outcome, 'completed');
    await stack.cli('schedule', 'delete', created.id);
  });

  it('a scheduled release that rolls back pauses its schedule', async () => {
    const spec = await recurringSpec('broken', '7.0.0-broken', { env: { ERROR_RATE: '0.5' } });
    // A regular firing (Temporal does not pause schedules for failed manual triggers).
    const created = JSON.parse(
      (await stack.cli('schedule', 'create', spec, '--every', '10s', '--id', 'broken-test', '--json')).stdout,
    );
    const paused = await waitFor(
      'schedule paused',
      async () => {
        const listed = JSON.parse((await stack.cli('schedule', 'list', '--json')).stdout);
        const mine = listed.find((s: { id: string }) => s.id === created.id);
        return mine?.paused ? mine : undefined;
      },
      60_000,
    );
    assert.match(paused.note, /paused due to workflow failure: .*rolled-back: analysis breach/);
    assert.equal((await status()).result?.outcome, 'rolled-back');
    await stack.cli('schedule', 'delete', created.id);
  });
});
