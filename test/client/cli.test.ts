// The CLI verbs that need no server: help that teaches, validate, plan and schema, and the
// exit codes operators script against.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';

const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: projectRoot, env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: '127.0.0.1:1' } },
      (err, stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    ),
  );

describe('bluegreen CLI', () => {
  it('--help lists every verb and the exit codes', async () => {
    const r = await run('--help');
    assert.equal(r.code, 0);
    for (const verb of [
      'validate',
      'plan',
      'analyze',
      'start',
      'status',
      'watch',
      'list',
      'pause',
      'resume',
      'abort',
      'approve',
      'promote',
      'repair',
      'worker',
      'dev',
      'schema',
    ])
      assert.match(r.stdout, new RegExp(`\\b${verb}\\b`));
    assert.match(r.stdout, /3 rolled back, 4 failed/);
  });

  it('every verb has its own --help', async () => {
    for (const verb of [
      'validate',
      'plan',
      'start',
      'status',
      'watch',
      'list',
      'pause',
      'resume',
      'abort',
      'approve',
      'promote',
      'repair',
      'worker',
      'dev',
      'schema',
      'schedule',
    ]) {
      const r = await run(verb, '--help');
      assert.equal(r.code, 0, `${verb} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: bluegreen ${verb}`));
    }
  });

  it('unknown verbs and options exit 2 and point to help', async () => {
    assert.equal((await run('deploy')).code, 2);
    const r = await run('start', 'examples/shop.yaml', '--wacth');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--wacth'[\s\S]*bluegreen start --help/);
    const missing = await run('abort', 'some-id');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /abort needs --reason/);
  });

  it('validate: exit 0 for the examples, exit 2 with every problem for a bad spec', async () => {
    assert.equal((await run('validate', 'examples/shop.yaml')).code, 0);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-cli-'));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'service: shop\nversion: "1"\nenvironment: { provider: docker }\ndns: { provider: route53 }\ntraffic: { steps: [50, 10] }\n',
    );
    const r = await run('validate', bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /environment.provider: /);
    assert.match(r.stderr, /dns.recordName: /);
    assert.match(r.stderr, /traffic.steps\[1\]: must be greater than the step before it \(50\)/);
    const yaml = path.join(dir, 'broken.yaml');
    writeFileSync(yaml, 'service: [unclosed\n');
    const y = await run('validate', yaml);
    assert.equal(y.code, 2);
    assert.match(y.stderr, /line \d+:/);
  });

  it('plan prints each step, the TTL-adjusted wait, gates, the warm period and the minimum duration', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-plan-'));
    const spec = path.join(dir, 'slow-dns.yaml');
    writeFileSync(
      spec,
      'service: shop\nversion: "2"\nenvironment: { provider: local, command: [app], ports: { blue: 1, green: 2 } }\n' +
        'dns: { provider: route53, zoneName: example.com, recordName: shop.example.com, ttl: 300, targets: { blue: b, green: g } }\n' +
        'traffic: { steps: [10, 50, 100], interval: 1m }\ndecommission: { delay: 15m }\napproval: { beforeDecommission: true }\n',
    );
    const r = await run('plan', spec);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /step 1\/3: blue\s+90% \/ green\s+10%, hold 5m/);
    assert.match(r.stdout, /raised from 1m to the DNS TTL \(300s\)/);
    assert.match(r.stdout, /gate: wait for approve before decommissioning blue/);
    assert.match(r.stdout, /keep blue warm 15m/);
    assert.match(r.stdout, /minimum total duration: 25m/);
    const json = JSON.parse((await run('plan', spec, '--json')).stdout);
    assert.equal(json.minimumTotalMs, 25 * 60_000);
  });

  it('plan lists the analysis metrics with their ranges and what their limits do', async () => {
    const r = await run('plan', path.join(projectRoot, 'examples', 'shop-v3-broken.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /analysis every 1s during every hold: 20 requests to \//);
    assert.match(r.stdout, /error-ratio \(prometheus\): ≤ 0\.05/);
    assert.match(r.stdout, /rollback on failed measurement 1 of a metric; pause on inconclusive measurement 16/);
  });

  it('schema prints the JSON Schema generated from the zod schema', async () => {
    const r = await run('schema');
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout);
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.ok(schema.properties.traffic.properties.steps);
  });
});
