// Local-provider state is keyed by record and namespace: two records released under one service
// name (staging and prod), or two Temporal namespaces sharing one state folder, never adopt or
// stop each other's processes. Also: restoring skips (and names) an app whose folder is gone.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ColorRequest } from '../../../activities';
import { isRunning } from '../../../activities/environments/local/processes';
import { restoreLocalProcesses, stopLocalProcesses } from '../../../activities/environments/local/provider';
import { parseSpec } from '../../../client/spec-file';
import { projectRoot } from '../../support/binaries';
import { freePort } from '../../support/processes';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-keys-'));
const act = createActivities({ stateDir });

after(async () => {
  await stopLocalProcesses(stateDir, 2000);
});

async function request(recordName: string): Promise<ColorRequest> {
  const spec = parseSpec({
    service: 'shop',
    version: '1.0.0',
    environment: {
      provider: 'local',
      command: ['node', 'app/server.js'],
      ports: { blue: await freePort(), green: await freePort() },
      stopGracePeriod: '2s',
    },
    dns: { provider: 'route53', zoneName: 'example.com', recordName, targets: { blue: 'b', green: 'g' } },
  });
  return {
    environment: spec.environment,
    specDir: path.join(projectRoot, 'examples'),
    service: 'shop',
    color: 'green',
    version: '1.0.0',
    recordName,
  };
}

const inNamespace = (namespace: string) => new MockActivityEnvironment({ workflowNamespace: namespace });
const pidOf = (detail: string) => Number(/pid (\d+)/.exec(detail)?.[1]);

describe('local provider keys', () => {
  it('staging and prod of one service each get their own process, and decommission stops only its own', async () => {
    const staging = await request('shop.staging.example.com');
    const prod = await request('shop.example.com');
    const a = await act.provisionColor(staging);
    const b = await act.provisionColor(prod);
    assert.equal(b.reused, false, `prod adopted staging's process: ${b.detail}`);
    assert.notEqual(pidOf(a.detail), pidOf(b.detail));
    const down = await act.decommissionColor(staging);
    assert.equal(down.stopped, 1);
    assert.ok(!isRunning(pidOf(a.detail)), 'staging stopped');
    assert.ok(isRunning(pidOf(b.detail)), 'prod still runs');
    await act.decommissionColor(prod);
  });

  it('two namespaces sharing a state folder do not share a record’s processes', async () => {
    const req = await request('api.example.com');
    const one = (await inNamespace('team-a').run(act.provisionColor, req)) as { detail: string; reused: boolean };
    const other = {
      ...req,
      environment: { ...req.environment, ports: { blue: await freePort(), green: await freePort() } },
    };
    const two = (await inNamespace('team-b').run(act.provisionColor, other)) as { detail: string; reused: boolean };
    assert.equal(two.reused, false);
    assert.notEqual(pidOf(one.detail), pidOf(two.detail));
    const files = readdirSync(path.join(stateDir, 'local')).filter((f) => f.startsWith('team-'));
    assert.equal(files.filter((f) => f.endsWith('.json')).length, 2, files.join(', '));
    await inNamespace('team-a').run(act.decommissionColor, req);
    assert.ok(isRunning(pidOf(two.detail)), "team-b's process survives team-a's decommission");
    await inNamespace('team-b').run(act.decommissionColor, other);
  });

  it('restore names an app whose folder is gone, and an unreadable state, with why, instead of failing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-restore-'));
    const local = path.join(dir, 'local');
    mkdirSync(local);
    writeFileSync(
      path.join(local, 'gone.json'),
      JSON.stringify({
        service: 'gone',
        color: 'blue',
        version: '9.9.9',
        recordName: 'gone.example.com',
        marker: 'test:gone:blue',
        pid: 0,
        port: await freePort(),
        endpoint: '',
        command: ['node', 'server.js'],
        cwd: path.join(dir, 'deleted-app'),
        envSpec: {},
        log: path.join(dir, 'gone.log'),
        startedAt: new Date().toISOString(),
      }),
    );
    writeFileSync(path.join(local, 'broken.json'), '{ not json');
    const report = await restoreLocalProcesses(dir);
    assert.deepEqual(report.restarted, []);
    assert.equal(report.failed.length, 2);
    assert.match(
      report.failed.join('\n'),
      /gone blue 9\.9\.9 on gone\.example\.com: its folder .*deleted-app does not exist/,
    );
    assert.match(report.failed.join('\n'), /broken\.json: unreadable state/);
  });
});
