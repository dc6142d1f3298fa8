// `bluegreen repair` on real servers: releases terminated the way the Web UI terminates them
// (`temporal workflow terminate`), then repaired with the CLI. Asserts weights in Route 53
// (moto), processes up or gone, the old color still serving, exit codes, and convergence when
// the worker is killed in the middle of a repair.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { ActionRefusedError, connect, NotFoundError } from '../../client';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import type { NotificationPayload } from '../../workflows/notifications';
import { startIncompatibleWorker } from '../support/incompatible/worker';
import { freePort, waitFor } from '../support/processes';
import { startReceiver, type Receiver } from '../support/receiver';
import { recordHistory, startStack, type Stack } from '../support/stack';

type Color = 'blue' | 'green';
let stack: Stack;
let rx: Receiver;
let version = 0;
const RECORD = 'shop.example.com';
const ID = 'bluegreen-shop.example.com';

before(async () => {
  rx = await startReceiver();
  stack = await startStack();
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
  await rx?.close();
});

const weights = (record = RECORD) => stack.colorWeights(record);

async function environment(): Promise<{ ports: Record<Color, number> }> {
  return ((await stack.appSpec('x')) as { environment: { ports: Record<Color, number> } }).environment;
}

/** Which version each color of a service runs (undefined: no process). */
async function running(service = 'shop', ports?: Record<Color, number>): Promise<Record<Color, string | undefined>> {
  const env = { ...(await environment()), ...(ports ? { ports } : {}) };
  const provider = new LocalProvider(env as never, {
    stateDir: stack.stateDir,
    specDir: '/',
    namespace: stack.namespace,
  });
  const out = {} as Record<Color, string | undefined>;
  // The local provider keys processes by record: each service here releases <service>.example.com.
  const recordName = `${service}.example.com`;
  for (const color of ['blue', 'green'] as const) {
    const l = await provider.locate({ service, color, version: 'x', recordName });
    out[color] = l.running ? l.version : undefined;
  }
  return out;
}

/** What the color answers on its port right now. */
async function serves(color: Color): Promise<{ color: string; version: string }> {
  const res = await fetch(`http://127.0.0.1:${(await environment()).ports[color]}/`, {
    signal: AbortSignal.timeout(2000),
  });
  return (await res.json()) as { color: string; version: string };
}

async function status(id = ID): Promise<ReleaseStatus> {
  const r = await stack.cli('status', id, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

const temporalCli = (...args: string[]) => stack.temporalCli(...args);

/** What the Web UI's "Terminate" does: ends the run with no workflow code run. */
async function terminate(id = ID): Promise<void> {
  const r = await temporalCli('workflow', 'terminate', '--workflow-id', id, '--reason', 'clicked Terminate in the UI');
  assert.equal(r.code, 0, r.stderr);
}

/** Starts a release of the next version; resolves once `ready` holds. */
async function startRelease(
  overrides: Record<string, unknown>,
  ready: (s: ReleaseStatus, w: { blue?: number; green?: number }, next: Color) => boolean,
  extra: { env?: Record<string, string> } = {},
): Promise<{ live: Color; next: Color; version: string }> {
  const before = await weights();
  const live: Color = before.blue === 100 ? 'blue' : 'green';
  const next: Color = live === 'blue' ? 'green' : 'blue';
  const v = `${++version}.0.0`;
  const file = stack.writeSpec(`v${version}.yaml`, await stack.appSpec(v, { ...extra, overrides }));
  const r = await stack.cli('start', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  await waitFor(
    'the moment to terminate',
    async () => (ready(await status(), await weights(), next) ? true : undefined),
    60_000,
  );
  return { live, next, version: v };
}

describe('repair on real servers', () => {
  it('terminated mid-shift: status names repair; repair restores the old color; a second repair does nothing; the next release completes', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease({ traffic: { steps: [10, 50, 100], interval: '1h' } }, (_s, w, next) => (w[next] ?? 0) > 0);
    assert.deepEqual(await weights(), { [live]: 90, [next]: 10 });
    await terminate();

    // status: says it was terminated, shows Route 53 now, names the repair and what it would do.
    const text = await stack.cli('status', ID);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /shifting — TERMINATED, no rollback ran/);
    assert.match(text.stdout, /ended\s+terminated .*clicked Terminate in the UI/);
    assert.match(
      text.stdout,
      new RegExp(`route53 .*${live === 'blue' ? 'blue 90% / green 10%' : 'blue 10% / green 90%'}\\s+now`),
    );
    assert.match(text.stdout, /repair\s+bluegreen repair shop\.example\.com/);
    assert.match(text.stdout, new RegExp(`it would roll back: ${live} to 100 %, decommission the new color ${next}`));
    const json = await status();
    assert.equal(json.ended?.how, 'terminated');
    assert.deepEqual(json.route53Now?.weights, { [live]: 90, [next]: 10 });
    assert.equal(json.result?.outcome, 'failed');
    // watch of a terminated release ends (needs a human) instead of waiting forever.
    assert.equal((await stack.cli('watch', ID)).code, 4);
    const listed = await stack.cli('list');
    assert.match(listed.stdout, /TERMINATED: no rollback ran; run `bluegreen repair shop\.example\.com`/);
    assert.equal((await running())[next], v, 'the half-released color still runs before the repair');

    const repaired = await stack.cli('repair', RECORD);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /found\s+run \w+ was terminated during shifting/);
    assert.match(repaired.stdout, /decommissioned\s+stopped/);
    assert.match(repaired.stdout, /result: completed: repaired: roll back/);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    const up = await running();
    assert.equal(up[next], undefined, 'the new color is gone');
    assert.ok(up[live], 'the old color still runs');
    assert.equal((await serves(live)).color, live, 'and still serves');
    const act = createActivities({ stateDir: stack.stateDir, temporal: stack.client });
    assert.equal(
      await act.liveVersion(RECORD),
      `${version - 1}.0.0`,
      'a repair that rolled back leaves the version before live',
    );
    // The -v2 recordings have the repair-notifies patch; repair-mid-shift.json (before it) stays as it was.
    await recordHistory(stack, 'repair-mid-shift-v2');

    const again = await stack.cli('repair', ID);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /result: completed: nothing to do/);
    assert.doesNotMatch(again.stdout, /shifted/);
    assert.match((await stack.cli('list')).stdout, /TERMINATED, repaired since/);

    const nextRelease = await stack.cli(
      'start',
      stack.writeSpec(`v${++version}.yaml`, await stack.appSpec(`${version}.0.0`)),
      '--watch',
    );
    assert.equal(nextRelease.code, 0, nextRelease.stdout + nextRelease.stderr);
    assert.deepEqual(await weights(), { [live]: 0, [next]: 100 });
    assert.deepEqual(await running(), { [live]: undefined, [next]: `${version}.0.0` });
  });

  it('repair is refused (exit 2) while a release runs, pointing at abort', async () => {
    const { live } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h' } },
      (s) => s.phase === 'shifting',
    );
    const refused = await stack.cli('repair', RECORD);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /refused: release bluegreen-shop\.example\.com is running \(shifting\).*\n.*bluegreen abort/,
    );
    // The library throws its documented, exported error types for the same refusals.
    const client = await connect({ address: stack.temporal.address, namespace: stack.namespace });
    try {
      await assert.rejects(client.repair(RECORD), (err: Error) => {
        assert.ok(err instanceof ActionRefusedError, `${err.name}: ${err.message}`);
        assert.equal(err.action, 'repair');
        assert.equal(err.releaseId, ID);
        assert.equal(err.exitCode, 2);
        return true;
      });
      await assert.rejects(client.repair('nothing.example.com'), (err: Error) => {
        assert.ok(err instanceof NotFoundError, `${err.name}: ${err.message}`);
        assert.equal(err.kind, 'release');
        assert.equal(err.id, 'bluegreen-nothing.example.com');
        assert.match(err.message, /no release of nothing\.example\.com found/);
        assert.equal(err.exitCode, 2);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.equal((await stack.cli('abort', ID, '--reason', 'test cleanup')).code, 0);
    assert.equal((await stack.cli('watch', ID)).code, 3);
    assert.equal((await weights())[live], 100);
    const none = await stack.cli('repair', 'nothing.example.com');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no release of nothing.example.com found/);
  });

  it('Request Cancellation (what the Web UI sends) rolls back by itself: repair then has nothing to do', async () => {
    const { live, next } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h' } },
      (_s, w, next) => (w[next] ?? 0) > 0,
    );
    const cancelled = await temporalCli('workflow', 'cancel', '--workflow-id', ID);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal((await stack.cli('watch', ID)).code, 3);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.equal((await running())[next], undefined);
    const r = await stack.cli('repair', RECORD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /result: completed: nothing to do: the record is as the last release left it/);
  });

  it('terminated in the warm period: repair decommissions the old color and leaves the new one at 100 %', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease(
      {
        traffic: { steps: [50, 100], interval: '1s' },
        decommission: { delay: '1h' },
        notify: [{ webhook: { url: `${rx.url}/hook` }, on: ['started', 'completed'] }],
      },
      (s) => s.phase === 'baking',
    );
    await terminate();
    const fromRelease = rx.at('/hook').length;
    const r = await stack.cli('repair', RECORD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /finish the release/);
    // The release's sinks hear of the repair: it changes production. The repair's notifier delivers
    // them, the last one possibly just after the repair's run closed.
    const told = await waitFor(
      'the repair completed delivery',
      async () => {
        const got = rx
          .at('/hook')
          .slice(fromRelease)
          .map((h) => h.body as NotificationPayload);
        return got.length >= 2 ? got : undefined;
      },
      15_000,
    );
    assert.deepEqual(
      told.map((p) => [p.kind, p.event]),
      [
        ['repair', 'started'],
        ['repair', 'completed'],
      ],
    );
    assert.match(told[1].message, /^repaired: finish the release/);
    assert.deepEqual(
      rx
        .at('/hook')
        .slice(fromRelease)
        .map((h) => h.headers['x-bluegreen-kind']),
      ['repair', 'repair'],
    );
    // The finished version is the live one now: a versionFrom release of it would be a no-op.
    const act = createActivities({ stateDir: stack.stateDir, temporal: stack.client });
    assert.equal(await act.liveVersion(RECORD), v);
    assert.deepEqual(await weights(), { [live]: 0, [next]: 100 });
    assert.deepEqual(await running(), { [live]: undefined, [next]: v });
    assert.equal((await serves(next)).version, v);
    await recordHistory(stack, 'repair-warm-period-v2');
  });

  it('a worker killed during repair: the repair still converges once a worker is back', async () => {
    // The live color drains for 20s after SIGTERM, so the repair's decommission is caught mid-way.
    const env = (await environment()) as object;
    const draining = (vars: Record<string, string>) => ({ environment: { ...env, env: vars, stopGracePeriod: '40s' } });
    const setUp = await stack.cli(
      'start',
      stack.writeSpec(
        `v${++version}.yaml`,
        await stack.appSpec(`${version}.0.0`, { overrides: draining({ STOP_DELAY_MS: '20000' }) }),
      ),
      '--watch',
    );
    assert.equal(setUp.code, 0, setUp.stdout + setUp.stderr);
    const {
      live,
      next,
      version: v,
    } = await startRelease(
      { ...draining({}), traffic: { steps: [50, 100], interval: '1s' }, decommission: { delay: '1h' } },
      (s) => s.phase === 'baking',
    );
    await terminate();

    const repairing = stack.cli('repair', RECORD);
    await waitFor(
      'the repair decommissioning the old color',
      async () => {
        const d = await stack.client.workflow.getHandle(ID).describe();
        return d.type === 'repair' &&
          (d.raw.pendingActivities ?? []).some((a) => a.activityType?.name === 'decommissionColor')
          ? true
          : undefined;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    await new Promise((r) => stack.worker!.child.once('exit', r));
    stack.worker = undefined;
    assert.ok((await running())[live], 'the old color is still draining while no worker runs');
    await stack.startWorker();

    const r = await repairing;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await weights(), { [live]: 0, [next]: 100 });
    assert.deepEqual(await running(), { [live]: undefined, [next]: v });
    assert.equal((await status()).result?.outcome, 'completed');
    // The decommission the worker died in was run again by the new worker (attempt 2).
    const history = await stack.client.workflow.getHandle(ID).fetchHistory();
    const attempts = (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
    assert.ok(Math.max(...attempts) >= 2, `activity attempts: ${attempts.join(', ')}`);
  });

  it('terminated first release: repair removes what it created', async () => {
    const ports = { blue: await freePort(), green: await freePort() };
    const base = (await stack.appSpec('1.0.0')) as { environment: object; dns: object };
    const file = stack.writeSpec('fresh.yaml', {
      ...base,
      service: 'fresh',
      environment: { ...base.environment, ports },
      dns: {
        ...base.dns,
        recordName: 'fresh.example.com',
        targets: { blue: 'b.fresh.example.com', green: 'g.fresh.example.com' },
      },
      approval: { beforeTraffic: true },
    });
    const started = await stack.cli('start', file, '--json');
    assert.equal(started.code, 0, started.stderr);
    const id = 'bluegreen-fresh.example.com';
    await waitFor('gate', async () => ((await status(id)).phase === 'awaiting-approval' ? true : undefined), 30_000);
    assert.equal((await running('fresh', ports)).blue, '1.0.0');
    await terminate(id);
    const r = await stack.cli('repair', 'fresh.example.com');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /undo the first release/);
    assert.deepEqual(await running('fresh', ports), { blue: undefined, green: undefined });
    assert.deepEqual(await weights('fresh.example.com'), {});
  });

  it('watch() surfaces an error that is not a timeout instead of retrying it forever', async () => {
    // A namespace that does not exist answers the same on every read: nothing to wait for.
    const client = await connect({ address: stack.temporal.address, namespace: 'no-such-namespace' });
    try {
      const retried: string[] = [];
      let giveUp = false;
      const timer = setTimeout(() => (giveUp = true), 6000);
      const onRetry = (err: Error) => {
        retried.push(err.message.split('\n')[0]);
        if (giveUp) throw new Error('still retrying');
      };
      const outcome = await (async () => {
        for await (const seen of client.getHandle(ID).watch({ intervalMs: 200, onRetry })) void seen;
      })().then(
        () => undefined,
        (err: Error) => err,
      );
      clearTimeout(timer);
      assert.ok(outcome, 'watch() ended without an error');
      assert.notEqual(outcome.message, 'still retrying', `watch() retried for 6 s: ${retried.join(' | ')}`);
      assert.match(outcome.message, /no-such-namespace/);
      assert.deepEqual(retried, []);
    } finally {
      await client.close();
    }
  });

  it('repair() surfaces a status query that fails on the worker (nondeterminism) instead of planning without it', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease({ approval: { beforeTraffic: true } }, (s) => s.phase === 'awaiting-approval');
    assert.equal((await running())[next], v, 'the new color is provisioned, no traffic yet');
    await stack.stopWorker();
    // Queries go to the stopped worker's sticky queue until Temporal drops it (as it does for a
    // worker that is gone); drop it now, so the next worker on the queue answers them.
    await stack.client.workflowService.resetStickyTaskQueue({
      namespace: stack.namespace,
      execution: { workflowId: ID },
    });
    await terminate();
    const taskQueue = stack.env.BLUEGREEN_TASK_QUEUE!;
    const incompatible = await startIncompatibleWorker(stack.temporal.address, taskQueue, stack.namespace);
    const client = await connect({ address: stack.temporal.address, namespace: stack.namespace, taskQueue });
    try {
      // Route 53 is settled (the live color at 100 %): planned without what the run knew, the
      // repair would be "nothing to do" and leave the provisioned color running.
      await assert.rejects(client.repair(RECORD), (err: Error) => {
        assert.match(err.message, /cannot read what run [\w-]+ of bluegreen-shop\.example\.com knew/);
        assert.match(err.message, /nondetermin/i);
        return true;
      });
      assert.equal((await stack.client.workflow.getHandle(ID).describe()).type, 'release', 'no repair started');
    } finally {
      await client.close();
      await incompatible.stop();
      await stack.startWorker();
    }
    // With workflow code that replays the run, repair reads what it knew and rolls it back.
    const r = await stack.cli('repair', RECORD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /roll back/);
    assert.equal((await running())[next], undefined, 'the provisioned color is gone');
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
  });

  it("a custom task queue (the library's taskQueue): status of a terminated release reads Route 53 through it", async () => {
    // Only a worker on the custom queue runs: whatever goes to the default queue is never answered.
    // A record of its own: colors of shop.example.com are pinned to the default queue's hosts.
    const queue = 'bluegreen-custom';
    await stack.stopWorker();
    const worker = await stack.spawnWorker({ BLUEGREEN_TASK_QUEUE: queue });
    const client = await connect({ address: stack.temporal.address, namespace: stack.namespace, taskQueue: queue });
    const record = 'queued.example.com';
    const ports = { blue: await freePort(), green: await freePort() };
    const base = (await stack.appSpec('1.0.0')) as { environment: object; dns: object };
    const spec = (v: string, traffic: object) =>
      stack.writeSpec(`queued-${v}.yaml`, {
        ...base,
        service: 'queued',
        version: v,
        environment: { ...base.environment, ports },
        dns: {
          ...base.dns,
          recordName: record,
          targets: { blue: 'b.queued.example.com', green: 'g.queued.example.com' },
        },
        traffic,
      });
    try {
      const first = await client.start(spec('1.0.0', { steps: [100], interval: '1s' }));
      assert.equal((await first.result()).outcome, 'completed');
      await client.start(spec('2.0.0', { steps: [10, 100], interval: '1h' }));
      await waitFor(
        'the first step in Route 53',
        async () => (((await weights(record)).green ?? 0) > 0 ? true : undefined),
        60_000,
      );
      await terminate('bluegreen-queued.example.com');

      const s = await client.getHandle('bluegreen-queued.example.com').status();
      assert.equal(s.ended?.how, 'terminated');
      assert.deepEqual(s.route53Now?.weights, { blue: 90, green: 10 }, s.route53Now?.error);
      assert.match(s.result?.needsHuman?.[0] ?? '', /it would roll back/);

      const repair = await client.repair(record);
      assert.equal((await repair.release.result()).outcome, 'completed');
      assert.deepEqual(await weights(record), { blue: 100, green: 0 });
      assert.deepEqual(await running('queued', ports), { blue: '1.0.0', green: undefined });
    } finally {
      await client.close();
      await worker.stop();
      await stack.startWorker();
    }
  });
});
