// A fresh machine: `npm test` installs Debian's chromium, prometheus and haproxy itself when it runs as
// root with apt-get, and otherwise stops with the one command to run. apt-get and id are
// stand-ins on PATH here; the real install is what .ci/run does on a clean machine.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';

const script = path.join(projectRoot, 'scripts', 'system-packages.sh');

function shims(uid: number): { dir: string; log: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-apt-'));
  const log = path.join(dir, 'apt.log');
  writeFileSync(path.join(dir, 'id'), `#!/bin/sh\necho ${uid}\n`);
  writeFileSync(path.join(dir, 'apt-get'), `#!/bin/sh\necho "$@" >> ${log}\n`);
  for (const f of ['id', 'apt-get']) chmodSync(path.join(dir, f), 0o755);
  // Only what the script needs besides: no prometheus, chromium or haproxy on this PATH.
  for (const tool of ['dirname', 'python3'])
    symlinkSync(
      execFileSync('sh', ['-c', `command -v ${tool}`])
        .toString()
        .trim(),
      path.join(dir, tool),
    );
  return { dir, log };
}

function run(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) =>
    execFile('/bin/bash', [script], { env: { ...process.env, ...env } }, (err, _out, stderr) =>
      resolve({ code: (err as { code?: number } | null)?.code ?? 0, stderr }),
    ),
  );
}

describe('system packages for the tests', () => {
  it('as root with apt-get: installs the missing chromium, prometheus and haproxy', async () => {
    const { dir, log } = shims(0);
    const r = await run({
      PATH: dir,
      CHROMIUM_PATH: '/nonexistent/chromium',
      PROMETHEUS_PATH: '/nonexistent/prometheus',
      HAPROXY_PATH: '/nonexistent/haproxy',
    });
    assert.equal(r.code, 0, r.stderr);
    const calls = readFileSync(log, 'utf8');
    assert.match(calls, /^update -qq$/m);
    assert.match(calls, /^install -y -qq --no-install-recommends chromium prometheus haproxy$/m);
  });

  it('not root: stops with the one command to run', async () => {
    const { dir } = shims(1000);
    const r = await run({
      PATH: dir,
      CHROMIUM_PATH: '/nonexistent/chromium',
      PROMETHEUS_PATH: '/nonexistent/p',
      HAPROXY_PATH: '/nonexistent/h',
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /missing chromium prometheus haproxy; install with: sudo apt-get install -y chromium prometheus haproxy/,
    );
  });

  it('everything present: exits 0 at once without touching apt', async () => {
    const { dir, log } = shims(0);
    const r = await run({
      PATH: `${dir}:/usr/bin:/bin`,
      CHROMIUM_PATH: '/bin/sh',
      PROMETHEUS_PATH: '/bin/sh',
      HAPROXY_PATH: '/bin/sh',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.throws(() => readFileSync(log), /ENOENT/);
  });

  it('.ci/run calls exactly the README test line', () => {
    const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const quickstart = /```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n');
    assert.ok(quickstart.includes('npm test'));
    const ci = readFileSync(path.join(projectRoot, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#') && !/^(set |cd |started=|echo )/.test(l));
    assert.deepEqual(ci, ['npm test']);
  });
});
