// Secrets stay in: spawned processes (local apps, provision commands) get a minimal environment
// with none of the worker's credentials, and the value of a ${env:NAME} reference never leaves
// an activity (details, heartbeats, errors). Also: a timed-out command gets SIGTERM before SIGKILL.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ColorRequest } from '../../../activities';
import { parseSpec } from '../../../client/spec-file';
import { freePort } from '../../support/processes';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-secrets-'));
const act = createActivities({ stateDir: dir });
const SECRET = 'hunter2-very-secret-token';
const cleanup: ColorRequest[] = [];

// What a production worker holds: none of it may reach an app unless the spec names it.
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'AKIAWORKER',
  AWS_SECRET_ACCESS_KEY: 'worker-aws-secret',
  AWS_REGION: 'eu-west-1',
  TEMPORAL_API_KEY: 'worker-temporal-key',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  DATABASE_URL: 'postgres://worker',
  BLUEGREEN_TEST_TOKEN: SECRET,
});

after(async () => {
  for (const req of cleanup) await act.decommissionColor(req);
});

function request(environment: Record<string, unknown>, service = 'svc'): ColorRequest {
  const spec = parseSpec({
    service,
    version: '3.1.0',
    environment,
    dns: { provider: 'route53', hostedZoneId: 'Z', recordName: 'svc.example.com', targets: { blue: 'b', green: 'g' } },
  });
  return { environment: spec.environment, specDir: dir, service, color: 'green', version: '3.1.0' };
}

const command = (provision: string[], extra: Record<string, unknown> = {}) =>
  request({
    provider: 'command',
    endpoint: 'https://{color}.svc.internal',
    provision,
    decommission: ['true'],
    ...extra,
  });

function parseEnv(text: string, separator: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(separator)
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function assertMinimal(env: Record<string, string>, allowed: string[]): void {
  const leaked = Object.keys(env).filter(
    (k) => (/^(AWS_|TEMPORAL_)/.test(k) || k === 'DATABASE_URL') && !allowed.includes(k),
  );
  assert.deepEqual(leaked, [], `worker variables leaked: ${leaked.join(', ')}`);
  assert.ok(env.PATH, 'PATH is passed');
  assert.ok(env.BLUEGREEN_SERVICE);
}

describe('spawned processes get a minimal environment', () => {
  it('a provision command sees PATH, BLUEGREEN_* and what the spec names, no AWS_* or TEMPORAL_*', async () => {
    const out = path.join(dir, 'command.env');
    await act.provisionColor(command(['sh', '-c', `env > ${out}`], { env: { AWS_REGION: '${env:AWS_REGION}' } }));
    const env = parseEnv(readFileSync(out, 'utf8'), '\n');
    assertMinimal(env, ['AWS_REGION']);
    assert.equal(env.AWS_REGION, 'eu-west-1', 'the spec asked for AWS_REGION by reference');
    assert.equal(env.BLUEGREEN_ACTION, 'provision');
  });

  it("a local app's /proc/<pid>/environ holds no worker credentials", async () => {
    const req = request({
      provider: 'local',
      command: ['node', '-e', 'setInterval(() => {}, 1000)'],
      ports: { blue: await freePort(), green: await freePort() },
      stopGracePeriod: '1s',
      env: { TOKEN: '${env:BLUEGREEN_TEST_TOKEN}' },
    });
    cleanup.push(req);
    await act.provisionColor(req);
    const pids = processesOf(req);
    assert.equal(pids.length, 1);
    const env = parseEnv(readFileSync(`/proc/${pids[0]}/environ`, 'utf8'), '\0');
    assertMinimal(env, []);
    assert.equal(env.TOKEN, SECRET, 'the referenced secret is passed on purpose');
    assert.ok(env.PORT);
  });
});

/** The pids of the request's color: ours carry its BLUEGREEN_* variables and a marker. */
function processesOf(req: ColorRequest): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = parseEnv(readFileSync(`/proc/${entry}/environ`, 'utf8'), '\0');
      if (env.BLUEGREEN_SERVICE === req.service && env.BLUEGREEN_COLOR === req.color && env.BLUEGREEN_INSTANCE)
        pids.push(Number(entry));
    } catch {
      /* not ours to read */
    }
  }
  return pids;
}

describe('resolved secrets are redacted from everything leaving an activity', () => {
  it('details and heartbeats of a command that prints the secret show ***', async () => {
    const req = command(['sh', '-c', 'echo "token is $TOKEN"; sleep 0.3; echo "still $TOKEN"'], {
      env: { TOKEN: '${env:BLUEGREEN_TEST_TOKEN}' },
    });
    const heartbeats: unknown[] = [];
    const env = new MockActivityEnvironment();
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const done = (await env.run(act.provisionColor, req)) as { detail: string };
    assert.match(done.detail, /token is \*\*\*/);
    assert.ok(!done.detail.includes(SECRET));
    assert.ok(heartbeats.length > 0, 'progress was heartbeated');
    assert.ok(!JSON.stringify(heartbeats).includes(SECRET), `a heartbeat leaked: ${JSON.stringify(heartbeats)}`);
  });

  it('errors and output tails of a failing command show ***', async () => {
    const req = command(['sh', '-c', 'echo "login with $TOKEN failed" >&2; exit 3'], {
      env: { TOKEN: 'Bearer ${env:BLUEGREEN_TEST_TOKEN}' },
    });
    await assert.rejects(act.provisionColor(req), (err: Error) => {
      assert.match(err.message, /login with Bearer \*\*\* failed/);
      assert.ok(!`${err.message}${err.stack}`.includes(SECRET));
      return true;
    });
  });

  it('the last output of a local app that dies at start shows ***', async () => {
    const script = path.join(dir, 'crash.js');
    writeFileSync(script, 'console.log(`cannot connect with ${process.env.TOKEN}`); process.exit(1);\n');
    const req = request(
      {
        provider: 'local',
        command: ['node', script],
        ports: { blue: await freePort(), green: await freePort() },
        env: { TOKEN: '${env:BLUEGREEN_TEST_TOKEN}' },
      },
      'crashing',
    );
    await assert.rejects(act.provisionColor(req), (err: Error) => {
      assert.match(err.message, /cannot connect with \*\*\*/);
      assert.ok(!`${err.message}${err.stack}`.includes(SECRET));
      return true;
    });
  });
});

describe('command timeout', () => {
  it('sends SIGTERM first, so the command can clean up (Terraform locks), and reports the timeout', async () => {
    const marker = path.join(dir, 'cleaned-up');
    const req = command(['sh', '-c', `trap 'echo cleaning up; touch ${marker}; exit 143' TERM; sleep 30 & wait`], {
      timeout: '500ms',
    });
    await assert.rejects(act.provisionColor(req), (err: Error) => {
      assert.match(err.message, /timed out after 500ms/);
      assert.match(err.message, /cleaning up/);
      return true;
    });
    assert.ok(readFileSync(marker, 'utf8') === '', 'the TERM trap ran');
  });
});
