// `bluegreen dev` when things are not as it left them: an app it recorded cannot come back (its
// folder was deleted) — dev starts anyway and names it; and a dev that fails to start stops
// every server and app it had started (checked by port and through /proc).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { portInUse } from '../../client/local-stack';
import { projectRoot } from '../support/binaries';
import { freePort, waitFor } from '../support/processes';

const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
const root = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-devfail-'));
const children: ReturnType<typeof spawn>[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const pid of leftovers(root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Pids whose command line or environment mentions `dir`, or that carry a marker of ours. */
function leftovers(dir: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(dir) || environ.includes(dir) || environ.includes(`BLUEGREEN_INSTANCE=${path.basename(dir)}`))
        found.push(Number(pid));
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** A state folder recording two apps: one that can come back, one whose folder is gone. */
async function stateWithApps(stateDir: string, appPort: number): Promise<void> {
  const local = path.join(stateDir, 'local');
  mkdirSync(local, { recursive: true });
  const app = (service: string, cwd: string, port: number) => ({
    service,
    color: 'blue',
    version: '1.0.0',
    recordName: `${service}.example.com`,
    marker: `${path.basename(stateDir)}:${service}`,
    pid: 0,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    command: ['node', 'server.js'],
    cwd,
    envSpec: {},
    log: path.join(stateDir, `${service}.log`),
    startedAt: new Date().toISOString(),
  });
  writeFileSync(
    path.join(local, 'kept.json'),
    JSON.stringify(app('kept', path.join(projectRoot, 'examples', 'app'), appPort)),
  );
  writeFileSync(
    path.join(local, 'gone.json'),
    JSON.stringify(app('gone', path.join(stateDir, 'deleted-app'), await freePort())),
  );
}

async function startDev(stateDir: string) {
  const ports = { temporal: await freePort(), ui: await freePort(), route53: await freePort() };
  const child = spawn(
    process.execPath,
    [
      bin,
      'dev',
      '--temporal-port',
      `${ports.temporal}`,
      '--ui-port',
      `${ports.ui}`,
      '--route53-port',
      `${ports.route53}`,
      '--front-door-port',
      `${await freePort()}`,
      '--front-door-api-port',
      `${await freePort()}`,
      '--state-dir',
      stateDir,
    ],
    { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  child.stdout!.on('data', (b) => (output += b));
  child.stderr!.on('data', (b) => (output += b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ports, exited, output: () => output };
}

describe('bluegreen dev resilience', () => {
  it('starts even when a recorded app cannot come back, naming it and why; restores the others', async () => {
    const stateDir = path.join(root, 'restore');
    const appPort = await freePort();
    await stateWithApps(stateDir, appPort);
    const dev = await startDev(stateDir);
    await waitFor(
      'banner',
      async () => (dev.output().includes('local stack is up') ? true : dev.child.exitCode !== null ? true : undefined),
      90_000,
    );
    assert.equal(dev.child.exitCode, null, dev.output());
    assert.match(
      dev.output(),
      /Not restarted\s+gone blue 1\.0\.0 on gone\.example\.com: its folder .*deleted-app does not exist/,
    );
    assert.match(dev.output(), /Restarted\s+kept blue 1\.0\.0 on kept\.example\.com/);
    assert.equal((await fetch(`http://127.0.0.1:${appPort}/`)).status, 200);
    dev.child.kill('SIGTERM');
    assert.equal(await dev.exited, 0, dev.output());
    assert.equal(await portInUse(appPort), false, 'the restored app stopped with dev');
    assert.deepEqual(leftovers(stateDir), []);
  });

  it('Ctrl-C while dev is still starting stops everything it had started', async () => {
    const stateDir = path.join(root, 'interrupted');
    const appPort = await freePort();
    await stateWithApps(stateDir, appPort);
    const dev = await startDev(stateDir);
    // Interrupt once the servers are being started, before the banner.
    await waitFor(
      'servers starting',
      async () => (dev.output().includes('starting Temporal') ? true : undefined),
      30_000,
    );
    dev.child.kill('SIGINT');
    await dev.exited;
    assert.ok(
      !dev.output().includes('local stack is up') || /stopped; nothing left running/.test(dev.output()),
      dev.output(),
    );
    for (const [name, port] of Object.entries({ ...dev.ports, app: appPort }))
      assert.equal(await portInUse(port), false, `${name} (port ${port}) still answers after Ctrl-C during start`);
    assert.deepEqual(leftovers(stateDir), []);
  });

  it('a dev that fails to start stops every server and app it had started', async () => {
    const stateDir = path.join(root, 'failing');
    const appPort = await freePort();
    await stateWithApps(stateDir, appPort);
    // The last step of the start writes dev.json; a folder in its place makes it fail after
    // Temporal, the Web UI, Route 53, the apps and the worker are all up.
    mkdirSync(path.join(stateDir, 'dev.json'), { recursive: true });
    const dev = await startDev(stateDir);
    const code = await dev.exited;
    assert.equal(code, 1, dev.output());
    assert.match(dev.output(), /bluegreen dev: .*dev\.json/);
    for (const [name, port] of Object.entries({ ...dev.ports, app: appPort }))
      assert.equal(await portInUse(port), false, `${name} (port ${port}) still answers after a failed start`);
    assert.deepEqual(leftovers(stateDir), []);
  });
});
