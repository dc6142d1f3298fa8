// The command provider passes the environment contract driving a small platform of its own: a
// script that starts a real HTTP server per color (remembered in a pid file, so provisioning
// twice adopts it) and stops it again, as a team's kubectl or nomad wrapper would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { createEnvironmentProvider } from '../../../activities/environments';
import { parseSpec } from '../../../client/spec-file';
import { freePort } from '../../support/processes';
import { environmentContract } from './contract';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-command-contract-'));
const platform = path.join(dir, 'platform.js');
writeFileSync(
  platform,
  `
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const pidFile = process.env.PID_FILE + '.' + process.env.BLUEGREEN_COLOR;
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const running = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8')) : 0;
if (process.env.BLUEGREEN_ACTION === 'decommission') {
  if (running && alive(running)) process.kill(running, 'SIGTERM');
  fs.rmSync(pidFile, { force: true });
  console.log(running ? 'stopped ' + running : 'nothing to stop');
} else if (running && alive(running)) {
  console.log('already running as ' + running);
} else {
  // Stays in this command's process group (a cancelled provision stops it) with its output
  // elsewhere (the provision ends once this script does).
  const server = spawn(process.execPath, ['-e', "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)"], { stdio: 'ignore' });
  fs.writeFileSync(pidFile, String(server.pid));
  server.unref();
  const wait = Number(process.env.SLOW_MS || 0);
  const ready = () => fetch('http://127.0.0.1:' + process.env.PORT).then(() => true, () => false);
  (async () => {
    const started = Date.now();
    while (!(await ready()) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, wait));
    console.log('started ' + server.pid);
  })();
}
`,
);

describe('command provider contract', () => {
  environmentContract({
    locateKnowsRunning: false,
    async fresh(options = {}) {
      const tag = Math.random().toString(36).slice(2, 10);
      const port = await freePort();
      const environment = parseSpec({
        service: 'svc',
        version: '1.0.0',
        environment: {
          provider: 'command',
          endpoint: `http://127.0.0.1:${port}/{color}`,
          provision: ['node', platform],
          decommission: ['node', platform],
          env: {
            CONTRACT_TAG: tag,
            PORT: String(port),
            PID_FILE: path.join(dir, tag),
            SLOW_MS: options.slowStart ? '60000' : '0',
          },
        },
        dns: {
          provider: 'route53',
          hostedZoneId: 'Z',
          recordName: 'svc.example.com',
          targets: { blue: 'b', green: 'g' },
        },
      }).environment;
      const provider = createEnvironmentProvider(environment, { stateDir: dir, specDir: dir });
      return {
        provider,
        tag,
        instance: { service: `svc-${tag}`, color: 'green', version: '1.0.0', recordName: `${tag}.example.com` },
      };
    },
  });
});
