// examples/client-script.ts, the CI-style script, against the real servers: it prints progress
// and exits with the release's exit code (0 completed, 3 rolled back, 2 invalid spec).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';
import { waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
  // A first release puts blue live, so the script's releases shift traffic step by step.
  await stack.releaseFirst();
});
after(async () => {
  await stack?.stop();
});

const script = path.join(projectRoot, 'dist', 'examples', 'client-script.js');

function runScript(spec: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [script, spec], { env: stack.env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

const weights = () => stack.colorWeights();

describe('examples/client-script.ts', () => {
  it('prints progress as the release goes and exits 0 when it completes', async () => {
    const r = await runScript(stack.writeSpec('ok.yaml', await stack.appSpec('1.0.0')));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^\[bluegreen\] started bluegreen-shop\.example\.com \(run [0-9a-f-]+\)$/);
    for (const expected of [/provisioning/, /shifting step 1\/3, blue 90% \/ green 10%/, /baking/, /decommission/])
      assert.ok(
        lines.some((l) => expected.test(l)),
        `${expected} in\n${r.stdout}`,
      );
    assert.match(lines.at(-1)!, /^\[bluegreen\] completed: 1\.0\.0 serves 100% on green/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
  });

  it('exits 3 when the release rolls back, with the reason', async () => {
    const r = await runScript(
      stack.writeSpec('broken.yaml', await stack.appSpec('2.0.0', { env: { ERROR_RATE: '0.5' } })),
    );
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /\[bluegreen\] rolled-back: .*analysis breach during step 1/);
    assert.deepEqual(await weights(), { blue: 0, green: 100 });
  });

  it('exits 2 for an invalid spec and lists every problem with its path', async () => {
    const spec = (await stack.appSpec('3.0.0')) as Record<string, unknown>;
    const r = await runScript(
      stack.writeSpec('invalid.yaml', { ...spec, service: 'Shop!', traffic: { steps: [50, 10] } }),
    );
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /service: use 1-63 lowercase/);
    assert.match(r.stderr, /traffic\.steps\[1\]: must be greater than the step before it \(50\)/);
  });

  it('exits 4 and says what to check when the release ends without its rollback (terminated by hand)', async () => {
    const spec = await stack.appSpec('4.0.0', { overrides: { traffic: { steps: [10, 50, 100], interval: '1h' } } });
    const running = runScript(stack.writeSpec('held.yaml', spec));
    await waitFor('first step', async () => (((await weights()).blue ?? 0) > 0 ? true : undefined), 30_000);
    const terminated = await stack.temporalCli(
      'workflow',
      'terminate',
      '--workflow-id',
      'bluegreen-shop.example.com',
      '--reason',
      'by hand',
    );
    assert.equal(terminated.code, 0, terminated.stderr);
    const r = await running;
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /\[bluegreen\] failed: the workflow was terminated.* during shifting.*so its rollback never ran/,
    );
    assert.match(r.stdout, /NEEDS A HUMAN: run `bluegreen repair shop\.example\.com`/);
  });
});
