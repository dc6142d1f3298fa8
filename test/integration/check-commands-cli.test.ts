// The team's own scripts as safety nets, end to end on the real stack (CLI, Temporal dev server,
// moto's Route 53, a worker running local colors): verify.command gates traffic, a command
// metric judges every hold, and an abort stops a smoke test that is still running.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { groupAlive } from '../../activities/environments/process-group';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
let dir: string;

before(async () => {
  stack = await startStack({ env: { BG_SMOKE_TOKEN: 'smoke-secret-4711' } });
  await stack.releaseFirst('1.0.0');
  dir = path.dirname(stack.writeSpec('probe.yaml', {}));
});
after(async () => {
  await stack?.stop();
});

const weights = () => stack.colorWeights();

/** A smoke test that asks the new color's /healthz with Node's fetch; exit 0 on 200. */
const passingSmoke = {
  run: [
    process.execPath,
    '-e',
    "fetch(process.argv[1] + '/healthz').then((r) => { console.log('GET /healthz of', process.env.BLUEGREEN_COLOR, r.status); process.exit(r.ok ? 0 : 1); })",
    '{{endpoint}}',
  ],
  timeout: '30s',
};

async function release(
  version: string,
  overrides: { verify?: object; metrics?: object[] },
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const spec = (await stack.appSpec(version)) as Record<string, Record<string, unknown>>;
  const file = stack.writeSpec(`shop-${version}.yaml`, {
    ...spec,
    verify: { ...spec.verify, ...overrides.verify },
    traffic: {
      ...spec.traffic,
      steps: [50, 100],
      analysis: { ...(spec.traffic.analysis as object), metrics: overrides.metrics ?? [] },
    },
  });
  return stack.cli('start', file, ...args);
}

describe('check commands on real servers', () => {
  it('a passing smoke test and a command metric printing 0 with max 0 let the release complete', async () => {
    writeFileSync(path.join(dir, 'count-errors.sh'), 'echo "orders checked for $1" >&2\necho 0\n');
    const r = await release(
      '2.0.0',
      {
        verify: { command: passingSmoke },
        metrics: [{ name: 'checkout-errors', max: 0, command: { run: ['sh', './count-errors.sh', '{{color}}'] } }],
      },
      '--watch',
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /smoke test of green passed/);
    assert.match(r.stdout, /result: completed: 2.0.0 serves 100% on green/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
    const status = JSON.parse((await stack.cli('status', 'bluegreen-shop.example.com', '--json')).stdout) as {
      analysis?: { metrics: { name: string; value: number; verdict: string }[] };
    };
    const metric = status.analysis?.metrics.find((m) => m.name === 'checkout-errors');
    assert.deepEqual(metric && { value: metric.value, verdict: metric.verdict }, { value: 0, verdict: 'passed' });
    await recordHistory(stack, 'smoke-test-release');
  });

  it('a failing smoke test rolls back before any weight changes, its output (redacted) in the reason', async () => {
    const before = await weights();
    const r = await release(
      '3.0.0',
      {
        verify: {
          command: {
            run: ['sh', '-c', 'echo "checkout as $TOKEN"; echo "POST /checkout: HTTP 500" >&2; exit 2'],
            env: { TOKEN: '${env:BG_SMOKE_TOKEN}' },
          },
        },
      },
      '--watch',
    );
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /smoke test of blue failed: verify\.command exited with code 2; last output:\s+checkout as \*\*\*\s+POST \/checkout: HTTP 500/,
    );
    assert.doesNotMatch(r.stdout + r.stderr, /smoke-secret-4711/);
    assert.doesNotMatch(r.stdout, /shifted|in sync/);
    assert.deepEqual(await weights(), before);
    await recordHistory(stack, 'smoke-test-failure');
  });

  it('a command metric printing 7 with max 0 rolls back, naming the metric', async () => {
    const r = await release(
      '4.0.0',
      { metrics: [{ name: 'checkout-errors', max: 0, command: { run: ['sh', '-c', 'echo 7'] } }] },
      '--watch',
    );
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /checkout-errors failed: 7 > max 0/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
  });

  it('an abort during a long smoke test stops it: no process of it is left', async () => {
    const pidFile = path.join(dir, 'smoke.pid');
    const started = await release(
      '5.0.0',
      { verify: { command: { run: ['sh', '-c', `echo $$ > ${pidFile}; sleep 120`], timeout: '10m' } } },
      '--json',
    );
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    const pid = await waitFor(
      'the smoke test',
      async () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined),
      60_000,
    );
    assert.equal(groupAlive(pid), true);
    const abortedAt = Date.now();
    assert.equal((await stack.cli('abort', id, '--reason', 'smoke abort test')).code, 0);
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3, watched.stdout + watched.stderr);
    // The rollback waits for the cancelled test: once the release has ended, its group is gone.
    assert.equal(groupAlive(pid), false, 'the smoke test is still running');
    const tookMs = Date.now() - abortedAt;
    console.log(`abort to rolled back (smoke test stopped): ${tookMs} ms`);
    assert.ok(tookMs < 20_000, `abort to rolled back took ${tookMs}ms`);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
  });
});
