// The release core end to end, as an operator runs it: the `bluegreen` CLI against a Temporal
// dev server, moto's Route 53 API and a real worker running real local processes. Asserts
// weights in Route 53, processes up or gone, and exit codes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import { projectRoot } from '../support/binaries';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const weights = () => stack.colorWeights();

async function running(): Promise<Record<string, string | undefined>> {
  const spec = (await stack.appSpec('x')) as { environment: never };
  const provider = new LocalProvider(spec.environment, {
    stateDir: stack.stateDir,
    specDir: '/',
    namespace: stack.namespace,
  });
  const out: Record<string, string | undefined> = {};
  for (const color of ['blue', 'green'] as const) {
    const l = await provider.locate({ service: 'shop', color, version: 'x', recordName: 'shop.example.com' });
    out[color] = l.running ? l.version : undefined;
  }
  return out;
}

async function release(version: string, extra?: Parameters<Stack['appSpec']>[1]) {
  const file = stack.writeSpec(`shop-${version}.yaml`, await stack.appSpec(version, extra));
  return stack.cli('start', file, '--watch');
}

const record = (name: string) => recordHistory(stack, name);

describe('release core on real servers', () => {
  it('release 1 exits 0 with its color at 100%', async () => {
    const r = await release('1.0.0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /result: completed: 1.0.0 serves 100% on blue/);
    assert.deepEqual(await weights(), { blue: 100, green: 0 });
    assert.deepEqual(await running(), { blue: '1.0.0', green: undefined });
    await record('first-release');
  });

  it('release 2 exits 0 with the other color at 100% and the old process gone', async () => {
    const r = await release('2.0.0');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
    assert.deepEqual(await running(), { blue: undefined, green: '2.0.0' });
    // Every step went through Route 53: 10, 50, 100.
    assert.match(
      r.stdout,
      /blue 90% \/ green 10% in sync[\s\S]*blue 50% \/ green 50% in sync[\s\S]*blue 0% \/ green 100% in sync/,
    );
    await record('second-release');
  });

  it('an app that fails analysis exits 3 with the live color still at 100% and no new process left', async () => {
    const r = await release('3.0.0-broken', { env: { ERROR_RATE: '0.5' } });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /analysis breach during step 1: probe\.error-rate failed: 0\.5 > max 0\.05/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
    assert.deepEqual(await running(), { blue: undefined, green: '2.0.0' });
    await record('analysis-breach');
  });

  it('an app whose health check fails exits 3 the same way', async () => {
    const r = await release('4.0.0-unhealthy', {
      env: { HEALTHY: 'false' },
      overrides: { verify: { http: { attempts: 3, interval: '100ms', timeout: '500ms' } } },
    });
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /health check of blue failed after 3 attempts: HTTP 503/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
    assert.deepEqual(await running(), { blue: undefined, green: '2.0.0' });
    await record('health-check-failure');
  });

  it('an invalid spec exits 2, prints every problem with its path, and starts nothing', async () => {
    const before = await stack.client.workflow.count('WorkflowType="release"');
    const bad = stack.writeSpec('bad.yaml', {
      ...(await stack.appSpec('5')),
      traffic: { steps: [10, 5, 100], interval: 'soon' },
    });
    const r = await stack.cli('start', bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /traffic.steps\[1\]: must be greater than the step before it \(10\)/);
    assert.match(r.stderr, /traffic.interval: expected a duration/);
    const after = await stack.client.workflow.count('WorkflowType="release"');
    assert.equal(after.count, before.count);
  });

  it('a second start for the same record exits 2 and names the running release', async () => {
    const slow = stack.writeSpec(
      'slow.yaml',
      await stack.appSpec('6.0.0', { overrides: { traffic: { steps: [10, 100], interval: '30s' } } }),
    );
    const first = await stack.cli('start', slow, '--json');
    assert.equal(first.code, 0, first.stderr);
    const { id } = JSON.parse(first.stdout);
    assert.equal(id, 'bluegreen-shop.example.com');
    const second = await stack.cli('start', slow);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /already running: bluegreen-shop.example.com \(shop 6.0.0/);
    // status --json carries the documented fields.
    const status = JSON.parse((await stack.cli('status', id, '--json')).stdout) as ReleaseStatus;
    for (const key of [
      'id',
      'service',
      'version',
      'phase',
      'liveColor',
      'newColor',
      'weights',
      'step',
      'paused',
      'events',
    ])
      assert.ok(key in status, `status lacks ${key}`);
    const abort = await stack.cli('abort', id, '--reason', 'test cleanup');
    assert.equal(abort.code, 0, abort.stderr);
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
  });

  it('a worker restart mid-release loses nothing: the colors keep serving and the release completes', async () => {
    const file = stack.writeSpec(
      'restart.yaml',
      await stack.appSpec('7.0.0', { overrides: { traffic: { steps: [10, 50, 100], interval: '3s' } } }),
    );
    const { id } = JSON.parse((await stack.cli('start', file, '--json')).stdout);
    const before = await weights();
    const next = before.blue === 100 ? 'green' : 'blue';
    await waitFor('first step', async () => (((await weights())[next] ?? 0) > 0 ? true : undefined), 30_000);
    await stack.stopWorker();
    // Both colors are detached from the worker: still up while it is gone.
    const up = await running();
    assert.equal(up[next], '7.0.0');
    assert.equal(Object.values(up).filter(Boolean).length, 2);
    await new Promise((r) => setTimeout(r, 4000));
    await stack.startWorker();
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.equal((await weights())[next], 100);
    assert.deepEqual(Object.values(await running()).filter(Boolean), ['7.0.0']);
  });

  it('Temporal unreachable is said plainly with exit 1', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(projectRoot, 'bin', 'bluegreen.js'), 'list'],
        { env: { ...stack.env, TEMPORAL_ADDRESS: '127.0.0.1:1' } },
        (err, _o, stderr) => resolve({ code: typeof err?.code === 'number' ? err.code : 0, stderr }),
      );
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach Temporal at 127.0.0.1:1/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
