// The local provider with real processes: started detached, found again by their marker,
// never started twice, and gone after decommission.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ColorRequest } from '../../../activities';
import { findMarkedProcesses, isRunning } from '../../../activities/environments/local/processes';
import { LocalProvider } from '../../../activities/environments/local/provider';
import { freePort, waitFor } from '../../support/processes';
import { projectRoot } from '../../support/binaries';
import { parseSpec } from '../../../client/spec-file';
import type { LocalEnvironmentSpec } from '../../../workflows/spec';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-local-'));
const appDir = path.join(projectRoot, 'examples');
const act = createActivities({ stateDir });
const cleanup: ColorRequest[] = [];

after(async () => {
  for (const req of cleanup) await act.decommissionColor(req);
});

async function request(
  overrides: Partial<LocalEnvironmentSpec> = {},
  version = '1.0.0',
  color: 'blue' | 'green' = 'blue',
): Promise<ColorRequest> {
  const environment = parseSpec({
    service: 'svc',
    version,
    environment: {
      provider: 'local',
      command: ['node', 'app/server.js'],
      ports: { blue: await freePort(), green: await freePort() },
      stopGracePeriod: '2s',
      ...overrides,
    },
    dns: { provider: 'route53', hostedZoneId: 'Z', recordName: 'svc.example.com', targets: { blue: 'b', green: 'g' } },
  }).environment;
  const req = {
    environment,
    specDir: appDir,
    service: `svc-${Math.random().toString(36).slice(2, 8)}`,
    color,
    version,
  };
  cleanup.push(req);
  return req;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('local provider', () => {
  it('starts a real process that serves on its port with the BLUEGREEN_* variables', async () => {
    const req = await request({ env: { GREETING: 'hi' } });
    const p = await act.provisionColor(req);
    assert.equal(p.reused, false);
    const body = JSON.parse((await get(p.endpoint + '/')).body);
    assert.deepEqual(
      { version: body.version, color: body.color, service: body.service },
      { version: '1.0.0', color: 'blue', service: req.service },
    );
  });

  it('provision is idempotent: a retry adopts the running process instead of starting another', async () => {
    const req = await request();
    const first = await act.provisionColor(req);
    const second = await act.provisionColor(req);
    assert.equal(second.reused, true);
    assert.equal(second.endpoint, first.endpoint);
    const provider = new LocalProvider(req.environment as LocalEnvironmentSpec, { stateDir, specDir: appDir });
    assert.equal((await provider.locate(req)).running, true);
  });

  it('a different version on the idle color is replaced, not doubled', async () => {
    const req = await request();
    await act.provisionColor(req);
    const upgraded = { ...req, version: '2.0.0' };
    const p = await act.provisionColor(upgraded);
    assert.equal(p.reused, false);
    assert.equal(JSON.parse((await get(p.endpoint + '/')).body).version, '2.0.0');
  });

  it('decommission stops the process group; a second decommission is a no-op', async () => {
    const req = await request();
    const p = await act.provisionColor(req);
    const res = await act.decommissionColor(req);
    assert.equal(res.stopped, 1);
    await assert.rejects(fetch(p.endpoint + '/healthz'));
    const again = await act.decommissionColor(req);
    assert.equal(again.stopped, 0);
    assert.match(again.detail, /was not running/);
  });

  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const script = path.join(stateDir, 'stubborn.js');
    writeFileSync(
      script,
      "process.on('SIGTERM', () => {}); require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT); setInterval(() => {}, 1000);",
    );
    const req = await request({ command: ['node', script], stopGracePeriod: '500ms' });
    await act.provisionColor(req);
    const before = findMarkedProcesses(markerOf(req));
    assert.equal(before.length, 1);
    const res = await act.decommissionColor(req);
    assert.match(res.detail, /needed SIGKILL after 500ms/);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(isRunning(before[0].pid), false);
  });

  it('a provision cancelled while its color starts stops that process and reports cancelled', async () => {
    const req = await request();
    const env = new MockActivityEnvironment();
    const run = env.run(act.provisionColor, req);
    const stateFile = path.join(stateDir, 'local', `${req.service}-${req.color}.json`);
    const started = await waitFor('the color to start', async () => (existsSync(stateFile) ? true : undefined), 5000);
    assert.ok(started);
    env.cancel();
    await assert.rejects(
      run,
      (err: Error) => err instanceof CancelledFailure && /was cancelled; its process/.test(err.message),
    );
    assert.deepEqual(findMarkedProcesses(markerOf(req)), []);
    assert.equal(existsSync(stateFile), false, 'the cancelled color would be restored by `bluegreen dev`');
  });

  it('refuses a port another program holds, naming the field to change', async () => {
    const server = http.createServer((_q, s) => s.end('not ours'));
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      const req = await request({ ports: { blue: port, green: port + 1 } });
      await assert.rejects(act.provisionColor(req), /port \d+ \(environment.ports.blue\) is already in use/);
    } finally {
      server.close();
    }
  });

  it('a command that dies at once reports its own output', async () => {
    const req = await request({ command: ['node', '-e', "console.error('boom: missing config'); process.exit(3)"] });
    await assert.rejects(act.provisionColor(req), /exited right after start[\s\S]*boom: missing config/);
  });

  it('a missing ${env:NAME} reference names the variable', async () => {
    const req = await request({ env: { TOKEN: '${env:BLUEGREEN_TEST_UNSET_VAR}' } });
    await assert.rejects(
      act.provisionColor(req),
      /environment.env.TOKEN references \$\{env:BLUEGREEN_TEST_UNSET_VAR\}/,
    );
  });
});

function markerOf(req: ColorRequest): string {
  const provider = new LocalProvider(req.environment as LocalEnvironmentSpec, {
    stateDir,
    specDir: appDir,
  }) as unknown as { marker: (i: ColorRequest) => string };
  return provider.marker(req);
}
