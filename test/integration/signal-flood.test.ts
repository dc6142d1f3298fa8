// A flood of large signals, as anyone with the Web UI can send, must not get a release terminated
// for its history size. The dev server runs with small history limits so that the flood is well
// past them: the release continues as new wherever it waits (for approval, paused before a step,
// paused inside a hold), every run's history stays under the limits, the status stays right
// throughout, and the release completes on resume.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pauseSignal, type ReleaseStatus } from '../../workflows/messages';
import { runSizes } from '../support/history';
import { waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

const MiB = 1024 * 1024;
// Far below the defaults (4 MiB suggested, 50 MiB terminates) so the test stays short: the 50 MiB
// below would have the server terminate a run that never continued as new five times over.
const SUGGEST_AT = 2 * MiB;
const TERMINATE_AT = 6 * MiB;

let stack: Stack;

before(async () => {
  stack = await startStack({
    dynamicConfig: [
      `limit.historySize.suggestContinueAsNew=${SUGGEST_AT}`,
      `limit.historySize.warn=${SUGGEST_AT}`,
      `limit.historySize.error=${TERMINATE_AT}`,
    ],
  });
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
});

describe('a flood of 1 MB signals', () => {
  it('keeps a waiting release running on bounded history, with the right status, until it completes on resume', async () => {
    const file = stack.writeSpec(
      'flooded.yaml',
      await stack.appSpec('1.0.0', {
        overrides: {
          approval: { beforeTraffic: true },
          traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '1s' } },
        },
      }),
    );
    const started = await stack.cli('start', file, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    const handle = stack.client.workflow.getHandle(id);
    const status = () => handle.query<ReleaseStatus>('status');
    const until = (what: string, ok: (s: ReleaseStatus) => boolean) =>
      waitFor(what, async () => (ok(await status()) ? true : undefined), 30_000);

    const refusals = (st: ReleaseStatus) =>
      st.events.filter((e) => e.type === 'rejected' && /payload is \d+ characters/.test(e.message));
    const reason = 'x'.repeat(MiB);
    let sent = 0;
    const timings: string[] = [];
    /** Sends `count` pause signals of 1 MB, checking the status after every fifth. */
    async function flood(where: string, count: number, expect: (s: ReleaseStatus) => void): Promise<void> {
      const t0 = Date.now();
      for (let i = 1; i <= count; i++) {
        await handle.signal(pauseSignal, { reason, by: 'web-ui' });
        sent++;
        // As from the Web UI: the next signal once the release has answered this one (a refusal in its status).
        await until(`signal ${sent} answered`, (st) => refusals(st).length === sent);
        if (i % 5 === 0 || i === count) {
          const s = await status();
          expect(s);
          const inRoute53 = await stack.colorWeights();
          assert.deepEqual(
            { blue: inRoute53.blue ?? 0, green: inRoute53.green ?? 0 },
            s.weights,
            `Route 53 and the status agree (${where}, after ${i})`,
          );
        }
      }
      timings.push(`${where}: ${count} signals in ${Date.now() - t0} ms`);
    }

    // 1. Awaiting approval before any traffic.
    await until('approval gate', (s) => s.phase === 'awaiting-approval');
    await flood('awaiting approval', 15, (s) => {
      assert.equal(s.phase, 'awaiting-approval');
      assert.equal(s.pendingApproval, 'beforeTraffic');
      assert.deepEqual(s.weights, { blue: 100, green: 0 });
      assert.equal(s.paused, false);
    });

    // 2. Paused before the first step: paused while awaiting approval, then approved.
    assert.equal((await stack.cli('pause', id, '--reason', 'change freeze')).code, 0);
    assert.equal((await stack.cli('approve', id)).code, 0);
    await until('paused before step 1', (s) => s.next?.action === 'paused: waiting for resume');
    await flood('paused before step 1', 15, (s) => {
      assert.equal(s.phase, 'verifying');
      assert.equal(s.paused, true);
      assert.equal(s.pauseReason, 'change freeze');
      assert.equal(s.pendingApproval, undefined);
      assert.deepEqual(s.step, { index: 0, total: 2 });
      assert.deepEqual(s.weights, { blue: 100, green: 0 });
    });

    // 3. Paused inside the hold of step 1, traffic split.
    assert.equal((await stack.cli('resume', id)).code, 0);
    await until('step 1', (s) => s.weights.green === 10);
    assert.equal((await stack.cli('pause', id, '--reason', 'watching the dashboards')).code, 0);
    await flood('paused in the hold of step 1', 20, (s) => {
      assert.equal(s.phase, 'shifting');
      assert.equal(s.paused, true);
      assert.equal(s.pauseReason, 'watching the dashboards');
      assert.deepEqual(s.step, { index: 1, total: 2 });
      assert.deepEqual(s.weights, { blue: 90, green: 10 });
    });
    assert.equal(sent, 50);

    // Every signal was refused (too large) and said so in the status, which the runs carried over.
    const s = await status();
    assert.equal(refusals(s).length, 50, 'each flooded signal is a refusal in the status');
    assert.ok(
      refusals(s).every((e) => e.message.length < 200 && e.by === 'web-ui'),
      'refusals stay short',
    );

    // The hour of step 1 is not waited out: promote (taken while paused), then resume.
    assert.equal((await stack.cli('promote', id)).code, 0);
    assert.equal((await stack.cli('resume', id)).code, 0);
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.deepEqual(await stack.colorWeights(), { blue: 0, green: 100 });
    const done = await status();
    assert.equal(done.phase, 'completed');
    assert.equal(done.events.filter((e) => e.type === 'started').length, 1, 'one release, from start to end');

    const runs = await runSizes(stack.client, id);
    const continued = done.events.filter((e) => e.type === 'continue-as-new');
    assert.equal(continued.length, runs.length - 1);
    const total = runs.reduce((sum, r) => sum + r.bytes, 0);
    assert.ok(total > 50 * MiB, `all runs together hold the 50 MiB of signals (${total} bytes)`);
    for (const r of runs) {
      assert.ok(r.bytes < TERMINATE_AT, `run ${r.runId}: ${r.bytes} bytes`);
      assert.ok(r.events < 500, `run ${r.runId}: ${r.events} events`);
    }
    console.log(
      `signal flood: ${runs.length} runs; MiB per run ${runs.map((r) => (r.bytes / MiB).toFixed(1)).join(', ')}; events per run ${runs.map((r) => r.events).join(', ')}; ${timings.join('; ')}`,
    );
  });
});
