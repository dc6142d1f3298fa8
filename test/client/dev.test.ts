// `bluegreen dev` as a developer uses it: custom ports, a release to completion, Ctrl-C with
// a release in flight, a restart that resumes it, and no process left behind.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import YAML from 'yaml';
import { projectRoot } from '../support/binaries';
import { freePort, waitFor } from '../support/processes';

const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-devcmd-'));
const stateDir = path.join(dir, 'state');
let running: ReturnType<typeof spawn> | undefined;

after(async () => {
  // After a failure: stop the stack as Ctrl-C would, then sweep whatever is still ours.
  if (running && running.exitCode === null) {
    running.kill('SIGTERM');
    await Promise.race([new Promise((r) => running!.once('exit', r)), new Promise((r) => setTimeout(r, 20_000))]);
  }
  for (const line of leftovers()) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

function startDev(ports: {
  temporal: number;
  ui: number;
  route53: number;
  prometheus: number;
  frontDoor: number;
  frontDoorApi: number;
}) {
  const child = spawn(
    process.execPath,
    [
      bin,
      'dev',
      '--temporal-port',
      String(ports.temporal),
      '--ui-port',
      String(ports.ui),
      '--route53-port',
      String(ports.route53),
      '--prometheus-port',
      String(ports.prometheus),
      '--front-door-port',
      String(ports.frontDoor),
      '--front-door-api-port',
      String(ports.frontDoorApi),
      '--state-dir',
      stateDir,
    ],
    {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  running = child;
  return { child, output: () => output };
}

function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    ),
  );
}

/** Every pid of ours still alive: servers, worker and the apps, found through /proc. */
function leftovers(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(stateDir) || environ.includes(`BLUEGREEN_STATE_DIR=${stateDir}`)) found.push(`${pid}: ${cmd}`);
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

describe('bluegreen dev', () => {
  it('serves Temporal, the Web UI and Route 53 on custom ports, resumes in-flight releases after a restart, and leaves nothing running', async () => {
    const ports = {
      temporal: await freePort(),
      ui: await freePort(),
      route53: await freePort(),
      prometheus: await freePort(),
      frontDoor: await freePort(),
      frontDoorApi: await freePort(),
    };
    const appPorts = { blue: await freePort(), green: await freePort() };
    const started = Date.now();
    let dev = startDev(ports);
    await waitFor('dev banner', async () => (dev.output().includes('local stack is up') ? true : undefined), 90_000);
    const readyMs = Date.now() - started;
    assert.ok(readyMs < 60_000, `ready after ${readyMs}ms`);
    assert.match(dev.output(), new RegExp(`Web UI\\s+http://127.0.0.1:${ports.ui}`));
    // HAProxy is installed here: the front door listens, its backend not yet released (both at 0).
    assert.match(
      dev.output(),
      new RegExp(
        `Front door\\s+http://127.0.0.1:${ports.frontDoor}\\s+HAProxy, Runtime API 127.0.0.1:${ports.frontDoorApi}`,
      ),
    );
    assert.equal((await fetch(`http://127.0.0.1:${ports.frontDoor}/`)).status, 503);

    assert.equal((await fetch(`http://127.0.0.1:${ports.ui}/`)).status, 200);
    const conn = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    await conn.workflowService.getSystemInfo({});
    await conn.close();
    const zones = await (
      await fetch(`http://127.0.0.1:${ports.route53}/2013-04-01/hostedzone`, {
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=dev/20260101/us-east-1/route53/aws4_request' },
      })
    ).text();
    assert.match(zones, /example\.com\./);

    const spec = YAML.parse(readFileSync(path.join(projectRoot, 'examples', 'shop.yaml'), 'utf8'));
    spec.environment.command = ['node', path.join(projectRoot, 'examples', 'app', 'server.js')];
    spec.environment.ports = appPorts;
    // The probe's p95 on a machine busy with other test files says more about the neighbours than
    // about the demo app (a run saw 965 ms): this test judges the dev stack, not latency.
    spec.traffic.analysis.maxLatencyMs = 5000;
    const v1 = path.join(dir, 'v1.yaml');
    writeFileSync(v1, YAML.stringify(spec));
    const env = { TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}` };
    const first = await cli(env, 'start', v1, '--watch');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    // Prometheus scrapes the app the release started, labelled with its service, color and version.
    assert.match(dev.output(), new RegExp(`Prometheus\\s+http://127.0.0.1:${ports.prometheus}`));
    await waitFor(
      'the v1 app in Prometheus',
      async () => {
        const query = 'sum(http_requests_total{service="shop",color="blue",version="1.0.0"})';
        const res = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?${new URLSearchParams({ query })}`);
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        return Number(body.data.result[0]?.value[1]) > 0 ? true : undefined;
      },
      20_000,
    );

    // v2 with a long step: stop the stack while it is shifting.
    const v2 = path.join(dir, 'v2.yaml');
    writeFileSync(
      v2,
      YAML.stringify({ ...spec, version: '2.0.0', traffic: { ...spec.traffic, steps: [10, 100], interval: '20s' } }),
    );
    const second = await cli(env, 'start', v2, '--json');
    const { id } = JSON.parse(second.stdout);
    await waitFor(
      'mid-shift',
      async () => {
        const green = JSON.parse((await cli(env, 'status', id, '--json')).stdout).weights.green;
        return green > 0 && green < 100 ? true : undefined;
      },
      30_000,
    );
    dev.child.kill('SIGINT');
    await new Promise((r) => dev.child.once('exit', r));
    assert.equal(dev.child.exitCode, 0, dev.output());
    assert.deepEqual(leftovers(), [], 'nothing may run after Ctrl-C');

    dev = startDev(ports);
    await waitFor(
      'dev banner again',
      async () => (dev.output().includes('local stack is up') ? true : undefined),
      90_000,
    );
    assert.match(
      dev.output(),
      /Restarted\s+shop blue 1.0.0.*shop green 2.0.0|Restarted\s+shop green 2.0.0.*shop blue 1.0.0/,
    );
    const resumed = await cli(env, 'watch', id);
    assert.equal(resumed.code, 0, resumed.stdout + resumed.stderr);
    const status = JSON.parse((await cli(env, 'status', id, '--json')).stdout);
    assert.deepEqual(status.weights, { blue: 0, green: 100 });
    assert.equal(
      ((await fetch(`http://127.0.0.1:${appPorts.green}/`).then((r) => r.json())) as { version: string }).version,
      '2.0.0',
    );

    dev.child.kill('SIGTERM');
    await new Promise((r) => dev.child.once('exit', r));
    assert.equal(dev.child.exitCode, 0);
    assert.deepEqual(leftovers(), []);
  });
});
