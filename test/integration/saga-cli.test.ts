// The rollback and `status` when the router or a worker fails, on real servers: Route 53 is moto
// behind the fault proxy, colors are real processes, the CLI runs as an operator runs it.
// - a rollback whose restore fails leaves the new color up (it may carry traffic) and says what
//   to do; `repair` finishes it once Route 53 answers;
// - `status` shows the call Temporal is retrying, its attempt and last error;
// - a worker lost during a hold is noticed within about 20 s.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import { projectRoot } from '../support/binaries';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

type Color = 'blue' | 'green';
let stack: Stack;
let version = 0;
const RECORD = 'shop.example.com';
const ID = 'bluegreen-shop.example.com';

before(async () => {
  stack = await startStack({ proxy: true });
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
});

const weights = () => stack.colorWeights(RECORD);

async function ports(): Promise<Record<Color, number>> {
  return ((await stack.appSpec('x')) as { environment: { ports: Record<Color, number> } }).environment.ports;
}

/** Which version each color runs now (undefined: no process). */
async function running(): Promise<Record<Color, string | undefined>> {
  const environment = (await stack.appSpec('x')) as { environment: object };
  const provider = new LocalProvider(environment.environment as never, {
    stateDir: stack.stateDir,
    specDir: '/',
    namespace: stack.namespace,
  });
  const out = {} as Record<Color, string | undefined>;
  for (const color of ['blue', 'green'] as const) {
    const l = await provider.locate({ service: 'shop', color, version: 'x', recordName: RECORD });
    out[color] = l.running ? l.version : undefined;
  }
  return out;
}

async function status(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', ID, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

/** Starts the next version with `overrides`; resolves once `ready` holds for Route 53's weights. */
async function startRelease(
  overrides: Record<string, unknown>,
  ready: (w: { blue?: number; green?: number }, next: Color) => boolean,
): Promise<{ live: Color; next: Color; version: string }> {
  const before = await weights();
  const live: Color = before.blue === 100 ? 'blue' : 'green';
  const next: Color = live === 'blue' ? 'green' : 'blue';
  const v = `${++version}.0.0`;
  const file = stack.writeSpec(`v${version}.yaml`, await stack.appSpec(v, { overrides }));
  const r = await stack.cli('start', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  await waitFor('the release to get going', async () => (ready(await weights(), next) ? true : undefined), 60_000);
  return { live, next, version: v };
}

describe('rollback and status when Route 53 fails', () => {
  it('a restore that Route 53 refuses leaves the new color up and DNS as it was; repair finishes the rollback', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '500ms' } } },
      (w, n) => w[n] === 10,
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

  /** The activities that write Route 53 weights: batched for the zone, or one release's own call. */
  const CHANGES = /^(route53SubmitBatch|route53ChangeWeights)$/;

  it('status --json shows the call Temporal is retrying, its attempt and last error, and Route 53 now', async () => {
    // Four refusals: attempts 1-4 fail over about 15 s (1 s, 2 s, 4 s, 8 s apart), the fifth lands:
    // long enough for a loaded machine to read status twice inside the outage.
    stack.proxy!.inject('ChangeResourceRecordSets', { kind: 'error', code: 'Throttling' }, 4);
    const { live, next } = await startRelease({ traffic: { steps: [10, 100], interval: '1h' } }, () => true);
    let last: ReleaseStatus | undefined;
    const seen = await waitFor(
      'status to show the retrying change',
      async () => {
        last = await status();
        return last.retrying?.find((r) => CHANGES.test(r.activity) && r.attempt >= 2) ? last : undefined;
      },
      30_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nlast status: ${JSON.stringify(last, null, 1)}\nproxy: ${JSON.stringify(stack.proxy!.hits)}`,
      );
    });
    const r = seen.retrying!.find((c) => CHANGES.test(c.activity))!;
    assert.match(r.call, /changing the weights in Route 53|changing Route 53 weights/);
    assert.match(r.lastError, /Throttling/);
    // Batched (the zone's batcher makes the change for this release and others), or the release's own call.
    if (r.activity === 'route53SubmitBatch') assert.match(r.batcher ?? '', /-route53-/);
    else assert.equal(r.maxAttempts, 8);
    assert.ok(Date.parse(r.since) <= Date.now() && Date.now() - Date.parse(r.since) < 60_000, r.since);
    assert.deepEqual(seen.route53Now?.weights, { [live]: 100, [next]: 0 }, 'the router as it is now');
    const text = await stack.cli('status', ID);
    assert.match(
      text.stdout,
      /retry {3}(changing the weights in Route 53|changing Route 53 weights).*: attempt \d+( of \d+)?, since .*last error: .*Throttling/,
    );

    // The outage ends: the shift lands and the retry line goes away.
    await waitFor('the shift to land', async () => ((await weights())[next] === 10 ? true : undefined), 60_000);
    const calm = await waitFor(
      'the release to confirm the shift',
      async () => {
        const s = await status();
        return s.weights[next] === 10 ? s : undefined;
      },
      30_000,
    );
    assert.equal(calm.retrying, undefined, 'nothing is retrying any more');
    assert.equal(calm.route53Now, undefined, 'and status reads Route 53 only while something retries');
    assert.equal((await stack.cli('abort', ID, '--reason', 'test cleanup')).code, 0);
    assert.equal((await stack.cli('watch', ID)).code, 3);
  });

  it('a worker killed during a hold is noticed within about 20 s: the analysis moves to another worker', async () => {
    const { live } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '1s' } } },
      (w, n) => w[n] === 10,
    );
    const handle = stack.client.workflow.getHandle(ID);
    const watching = async () =>
      (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'watchAnalysis');
    await waitFor(
      'the hold to start judging',
      async () => ((await watching())?.lastHeartbeatTime ? true : undefined),
      30_000,
    );
    const killedAt = Date.now();
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    stack.worker = await stack.spawnWorker();
    await waitFor(
      'the analysis to run on the new worker',
      async () => ((await watching())?.attempt ?? 1) >= 2 || undefined,
      60_000,
    );
    const noticedMs = Date.now() - killedAt;
    console.log(`a lost worker was noticed after ${(noticedMs / 1000).toFixed(1)} s`);
    // 20 s heartbeat timeout, heartbeats at most 10 s apart: 10-20 s, plus room for a loaded machine.
    assert.ok(noticedMs < 30_000, `noticed after ${noticedMs} ms`);
    assert.equal((await stack.cli('abort', ID, '--reason', 'test cleanup')).code, 0);
    assert.equal((await stack.cli('watch', ID)).code, 3);
    assert.equal((await weights())[live], 100);
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
