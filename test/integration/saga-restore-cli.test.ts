// The rollback and `status` when the router or the task queue fails, on real servers: Route 53
// is moto behind the fault proxy, colors are real processes, the CLI runs as an operator runs it.
// - a rollback whose restore fails leaves the new color up (it may carry traffic) and says what
//   to do; `repair` finishes it once Route 53 answers;
// - a status no worker answers names the release's task queue.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';
import { waitFor } from '../support/processes';
import { ID, RECORD, shopRelease } from '../support/shop-release';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
const { weights, environment, running, status, startRelease } = shopRelease({
  proxy: true,
  onStack: (s) => (stack = s),
});
const ports = async () => (await environment()).ports;

// Side by side: the unanswered status is of a record of its own, on a queue no worker polls, so
// it never reaches Route 53 (and its fault proxy) nor the shop's release; no test kills a worker.
describe('rollback and status when Route 53 fails', { concurrency: true }, () => {
  it('a restore that Route 53 refuses leaves the new color up and DNS as it was; repair finishes the rollback', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '500ms' } } },
      (_s, w, n) => w[n] === 10,
    );
    // The release has seen its shift land (Route 53 said INSYNC) before the outage begins.
    await waitFor(
      'the shift confirmed',
      async () => ((await status()).weights[next] === 10 ? true : undefined),
      30_000,
    );
    // From now on Route 53 refuses every change, permanently (as after a record edited by hand).
    stack.proxy!.inject('ChangeResourceRecordSets', { kind: 'error', code: 'InvalidChangeBatch' }, 1000);
    const aborted = await stack.cli('abort', ID, '--reason', 'bad build');
    assert.equal(aborted.code, 0, aborted.stderr);

    const watched = await stack.cli('watch', ID);
    assert.equal(watched.code, 4, `needs a human exits 4:\n${watched.stdout}${watched.stderr}`);
    assert.match(watched.stdout, new RegExp(`restore ${live} to 100% failed: .*InvalidChangeBatch`));
    assert.match(
      watched.stdout,
      new RegExp(
        `rollback stopped: Route 53 was last known at blue ${live === 'blue' ? 90 : 10}% / green ${live === 'blue' ? 10 : 90}%`,
      ),
    );
    assert.match(watched.stdout, /run `bluegreen repair shop\.example\.com`/);

    // Nothing was torn down: the new color may carry traffic, and does.
    assert.deepEqual(await weights(), { [live]: 90, [next]: 10 }, 'DNS unchanged');
    const up = await running();
    assert.equal(up[next], v, 'the new color is still running');
    assert.ok(up[live], 'the old color is still running');
    const answer = await fetch(`http://127.0.0.1:${(await ports())[next]}/`, { signal: AbortSignal.timeout(2000) });
    assert.equal(((await answer.json()) as { color: string }).color, next, 'and still serves');
    const s = await status();
    assert.equal(s.result?.outcome, 'failed');
    assert.ok(
      s.events.some((e) => e.type === 'rollback-stopped' && /not run: decommission/.test(e.message)),
      'the events say which undo was held back',
    );

    // The replay fixture of this path (patch stop-after-failed-traffic-undo), when RECORD_HISTORIES=1.
    await recordHistory(stack, 'rollback-stopped');

    // Route 53 answers again: repair restores the old color and retires the new one.
    stack.proxy!.reset();
    const repaired = await stack.cli('repair', RECORD);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /result: completed: repaired: roll back/);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    const after = await running();
    assert.equal(after[next], undefined, 'the new color is gone');
    assert.ok(after[live], 'the old color still runs');
  });

  it("a status nobody answers names the release's task queue, not the CLI's", async () => {
    // Started by a CLI whose BLUEGREEN_TASK_QUEUE no worker polls; read by one set to the stack's queue.
    const spec = stack.writeSpec(
      'elsewhere.yaml',
      await stack.appSpec('9.9.9', {
        overrides: {
          dns: {
            provider: 'route53',
            zoneName: 'example.com',
            recordName: 'elsewhere.example.com',
            ttl: 1,
            targets: { blue: 'blue.elsewhere.example.com', green: 'green.elsewhere.example.com' },
          },
        },
      }),
    );
    const started = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(projectRoot, 'bin', 'bluegreen.js'), 'start', spec, '--json'],
        { env: { ...stack.env, BLUEGREEN_TASK_QUEUE: 'nobody-polls-this' } },
        (err, _stdout, stderr) => resolve({ code: err ? 1 : 0, stderr }),
      ),
    );
    assert.equal(started.code, 0, started.stderr);
    const id = 'bluegreen-elsewhere.example.com';
    const unanswered = await stack.cli('status', id);
    assert.notEqual(unanswered.code, 0);
    assert.match(unanswered.stderr, /no worker answered its status query within 5s \(task queue nobody-polls-this\)/);
    assert.match(unanswered.stderr, /BLUEGREEN_TASK_QUEUE=nobody-polls-this/);
    const ended = await stack.temporalCli('workflow', 'terminate', '--workflow-id', id, '--reason', 'test cleanup');
    assert.equal(ended.code, 0, ended.stderr);
  });
});
