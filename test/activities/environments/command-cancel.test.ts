// A command stops when its activity is cancelled (SIGTERM to its process group, SIGKILL after the
// grace period), and a color never runs two copies of its command, even after a worker died.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ColorRequest } from '../../../activities';
import { CommandProvider } from '../../../activities/environments/command/provider';
import { groupAlive } from '../../../activities/environments/process-group';
import { parseSpec } from '../../../client/spec-file';
import type { CommandEnvironmentSpec } from '../../../workflows/spec';
import { projectRoot } from '../../support/binaries';
import { lines as logLines } from '../../support/command-scripts';
import { waitFor } from '../../support/processes';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-command-cancel-'));

/** A provision script that logs `start|stop|end <pid> <ns>` lines, sleeps, then writes a marker. */
function script(
  name: string,
  seconds: number,
  options: { onTerm?: string; log?: string } = {},
): { file: string; log: string; marker: string } {
  const log = options.log ?? path.join(dir, `${name}.log`);
  const marker = path.join(dir, `${name}.done`);
  const file = path.join(dir, `${name}.sh`);
  writeFileSync(
    file,
    [
      // sh reports a killed job on stderr; with its worker gone that pipe is broken, and the
      // SIGPIPE would end the script before its trap logs the stop.
      'exec 2>/dev/null',
      `echo "start $$ $(date +%s%N)" >> ${log}`,
      // Ignoring TERM ('') is inherited by the sleep: nothing but SIGKILL ends this one.
      options.onTerm === '' ? `trap '' TERM` : `trap 'echo "stop $$ $(date +%s%N)" >> ${log}; exit 143' TERM`,
      `sleep ${seconds}`,
      `echo "end $$ $(date +%s%N)" >> ${log}`,
      `touch ${marker}`,
    ].join('\n'),
  );
  return { file, log, marker };
}

function request(environment: Record<string, unknown>, record = 'svc.example.com'): ColorRequest {
  const spec = parseSpec({
    service: 'svc',
    version: '3.1.0',
    environment: {
      provider: 'command',
      endpoint: 'https://{color}.svc.internal',
      decommission: ['true'],
      ...environment,
    },
    dns: { provider: 'route53', hostedZoneId: 'Z', recordName: record, targets: { blue: 'b', green: 'g' } },
  });
  return {
    environment: spec.environment,
    specDir: dir,
    service: 'svc',
    color: 'green',
    version: '3.1.0',
    recordName: record,
  };
}

const firstPid = async (log: string) =>
  waitFor('the command to start', async () => logLines(log).find((l) => l.what === 'start')?.pid, 10_000);

describe('command cancellation', () => {
  it('a cancelled provision stops its process group at once and reports the activity cancelled', async () => {
    const act = createActivities({ stateDir: dir, keepAliveMs: 100 });
    const s = script('cancelled', 3);
    const env = new MockActivityEnvironment();
    const run = env.run(act.provisionColor, request({ provision: ['/bin/sh', s.file] }));
    const pid = await firstPid(s.log);
    const cancelledAt = Date.now();
    env.cancel();
    await assert.rejects(run, (err: Error) => {
      assert.ok(err instanceof CancelledFailure, `${err.name}: ${err.message}`);
      assert.match(err.message, /^environment.provision was cancelled; its process group was stopped with SIGTERM/);
      return true;
    });
    const stoppedAfter = Date.now() - cancelledAt;
    assert.ok(stoppedAfter < 2000, `took ${stoppedAfter} ms`);
    assert.equal(groupAlive(pid), false, 'a process of the cancelled command is still running');
    assert.deepEqual(
      logLines(s.log).map((l) => l.what),
      ['start', 'stop'],
    );
    // What the script would have done after its sleep never happens.
    await sleep(3500);
    assert.equal(existsSync(s.marker), false);
  });

  it('a command that ignores SIGTERM is killed after the grace period', async () => {
    const s = script('stubborn', 30, { onTerm: '' });
    const req = request({ provision: ['/bin/sh', s.file] });
    const provider = new CommandProvider(req.environment as CommandEnvironmentSpec, dir, { termGraceMs: 500 });
    const controller = new AbortController();
    const run = provider.provision(req, () => undefined, controller.signal);
    const pid = await firstPid(s.log);
    const cancelledAt = Date.now();
    controller.abort();
    await assert.rejects(run, /stopped with SIGKILL after 0.5s/);
    assert.ok(Date.now() - cancelledAt >= 500);
    assert.equal(groupAlive(pid), false);
  });

  it('a retry after its worker died stops the copy still running before it starts again', async () => {
    const s = script('orphan', 30);
    const req = request({ provision: ['/bin/sh', s.file] }, 'orphan.example.com');
    // The lost attempt: a worker process running the provision, killed with -9 mid-command.
    const code = `require(${JSON.stringify(path.join(projectRoot, 'dist', 'activities'))}).createActivities({ stateDir: ${JSON.stringify(dir)} }).provisionColor(${JSON.stringify(req)})`;
    const worker = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    const orphan = await firstPid(s.log);
    // The command may log its pid before its worker has written the record of it (the next
    // statement after spawn), and a worker killed in between leaves nothing to find (a full run
    // on a busy machine did). The crash this test means comes after the record.
    await waitFor(
      'the record of the running command',
      async () => {
        const records = readdirSync(path.join(dir, 'command')).filter((f) => f.endsWith('.json'));
        const pgids = records.map(
          (f) => (JSON.parse(readFileSync(path.join(dir, 'command', f), 'utf8')) as { pgid: number }).pgid,
        );
        return pgids.includes(orphan) ? true : undefined;
      },
      10_000,
    );
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    assert.ok(groupAlive(orphan), 'the command outlives its worker');

    // The retry runs a short command: the orphan must be gone before it starts.
    const retry = script('orphan-retry', 1, { log: s.log });
    const act = createActivities({ stateDir: dir });
    const beats: unknown[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(act.provisionColor, {
      ...req,
      environment: { ...req.environment, provision: ['/bin/sh', retry.file] },
    });
    assert.equal(groupAlive(orphan), false);
    const lines = logLines(s.log);
    const stop = lines.find((l) => l.pid === orphan && l.what === 'stop');
    const second = lines.find((l) => l.pid !== orphan && l.what === 'start');
    assert.ok(stop && second, JSON.stringify(lines));
    assert.ok(stop.at <= second.at, `the retry started ${stop.at - second.at} ms before the orphan stopped`);
    assert.ok(
      beats.some((b) => /stopping the earlier provision \(process group \d+/.test(String(b))),
      JSON.stringify(beats),
    );
  });
});
