// Scheduled releases on real servers: Temporal Schedules created and driven through the CLI, and
// overlap with a running release skipped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopReleases } from '../support/cli-release';
import { stackForFile } from '../support/file-stack';
import { waitFor } from '../support/processes';
import { recurringSpecs } from '../support/schedule';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
const { status, weights } = shopReleases(() => stack);
const recurringSpec = recurringSpecs(() => stack);
stackForFile((s) => (stack = s).releaseFirst('1.0.0'));

const id = 'bluegreen-shop.example.com';

describe('scheduled releases on real servers', () => {
  it('schedule create + trigger runs a release; list shows it; the same version again is a no-op; delete removes it', async () => {
    const spec = await recurringSpec('nightly', '4.0.0');
    const created = await stack.cli(
      'schedule',
      'create',
      spec,
      '--cron',
      '0 2 * * 1-5',
      '--timezone',
      'Europe/Berlin',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const scheduleId = JSON.parse(created.stdout).id;
    assert.equal(scheduleId, 'bluegreen-schedule-shop.example.com');

    const listed = JSON.parse((await stack.cli('schedule', 'list', '--json')).stdout);
    const mine = listed.find((s: { id: string }) => s.id === scheduleId);
    assert.ok(mine, JSON.stringify(listed));
    assert.match(mine.timing, /Europe\/Berlin/);
    assert.equal(mine.paused, false);
    assert.ok(mine.nextRuns.length > 0);

    assert.equal((await stack.cli('schedule', 'trigger', scheduleId)).code, 0);
    await waitFor(
      'release 4.0.0',
      async () => ((await status()).version === '4.0.0' && (await status()).result ? true : undefined),
      60_000,
    );
    assert.equal((await status()).result?.outcome, 'completed');
    await recordHistory(stack, 'version-from');
    const live = await weights();

    // Same version again: the run ends at once as a no-op, weights untouched.
    assert.equal((await stack.cli('schedule', 'trigger', scheduleId)).code, 0);
    await waitFor(
      'no-op run',
      async () => {
        const s = await status();
        return s.result && /no-op/.test(s.result.reason) ? s : undefined;
      },
      60_000,
    );
    await recordHistory(stack, 'version-from-no-op');
    assert.deepEqual(await weights(), live);

    const deleted = await stack.cli('schedule', 'delete', scheduleId);
    assert.equal(deleted.code, 0);
    const after = JSON.parse((await stack.cli('schedule', 'list', '--json')).stdout);
    assert.ok(!after.some((s: { id: string }) => s.id === scheduleId));
    const gone = await stack.cli('schedule', 'delete', scheduleId);
    assert.equal(gone.code, 2);
  });

  it('a firing while another release of the record runs is skipped, and says so', async () => {
    const slow = await stack.cli(
      'start',
      stack.writeSpec(
        'slow.yaml',
        await stack.appSpec('5.0.0', { overrides: { traffic: { steps: [10, 100], interval: '1h' } } }),
      ),
      '--json',
    );
    assert.equal(slow.code, 0, slow.stderr);
    await waitFor('shifting', async () => ((await status()).phase === 'shifting' ? true : undefined), 30_000);
    const spec = await recurringSpec('overlap', '6.0.0');
    const created = JSON.parse(
      (await stack.cli('schedule', 'create', spec, '--every', '24h', '--id', 'overlap-test', '--json')).stdout,
    );
    await stack.cli('schedule', 'trigger', created.id);
    const skipped = await waitFor(
      'skipped run',
      async () => {
        for await (const w of stack.client.workflow.list({
          query: 'WorkflowType="scheduledRelease" AND ExecutionStatus="Completed"',
        })) {
          const result = await stack.client.workflow.getHandle(w.workflowId, w.runId).result();
          if (result.outcome === 'skipped') return result;
        }
        return undefined;
      },
      30_000,
    );
    assert.match(
      skipped.reason,
      /skipped: a release of shop.example.com is already running \(bluegreen-shop.example.com\)/,
    );
    assert.equal((await status()).version, '5.0.0', 'the running release is untouched');
    await stack.cli('abort', id, '--reason', 'test cleanup');
    await stack.cli('watch', id);
    await stack.cli('schedule', 'delete', created.id);
  });
});
