// The command provider runs the team's own scripts: variables in, timeout enforced, secrets by
// reference only.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type ColorRequest } from '../../../activities';
import { parseSpec } from '../../../client/spec-file';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-command-'));
const act = createActivities({ stateDir: dir });

function request(environment: Record<string, unknown>): ColorRequest {
  const spec = parseSpec({
    service: 'svc',
    version: '3.1.0',
    environment: { provider: 'command', endpoint: 'https://{color}.svc.internal', ...environment },
    dns: { provider: 'route53', hostedZoneId: 'Z', recordName: 'svc.example.com', targets: { blue: 'b', green: 'g' } },
  });
  return { environment: spec.environment, specDir: dir, service: 'svc', color: 'green', version: '3.1.0' };
}

describe('command provider', () => {
  it('runs provision with BLUEGREEN_* variables and resolves ${env:} secrets inside the activity', async () => {
    process.env.BLUEGREEN_TEST_SECRET = 's3cret';
    const out = path.join(dir, 'provision.out');
    const req = request({
      provision: [
        'sh',
        '-c',
        `echo "$BLUEGREEN_ACTION $BLUEGREEN_SERVICE $BLUEGREEN_COLOR $BLUEGREEN_VERSION $BLUEGREEN_ENDPOINT $TOKEN" > ${out}; echo done`,
      ],
      decommission: ['true'],
      env: { TOKEN: '${env:BLUEGREEN_TEST_SECRET}' },
    });
    const p = await act.provisionColor(req);
    assert.equal(p.endpoint, 'https://green.svc.internal');
    assert.equal(readFileSync(out, 'utf8').trim(), 'provision svc green 3.1.0 https://green.svc.internal s3cret');
    // The spec (what goes into workflow history) still holds only the reference.
    assert.equal((req.environment as { env: Record<string, string> }).env.TOKEN, '${env:BLUEGREEN_TEST_SECRET}');
  });

  it('a failing command reports its exit code and output tail, retryably', async () => {
    const req = request({
      provision: ['sh', '-c', 'echo step one; echo kubectl failed >&2; exit 7'],
      decommission: ['true'],
    });
    await assert.rejects(act.provisionColor(req), (err: Error & { nonRetryable?: boolean }) => {
      assert.match(err.message, /exited with code 7[\s\S]*kubectl failed/);
      assert.equal(err.nonRetryable, false);
      return true;
    });
  });

  it('the timeout kills a hung command', async () => {
    const req = request({ provision: ['sleep', '30'], decommission: ['true'], timeout: '300ms' });
    const started = Date.now();
    await assert.rejects(act.provisionColor(req), /timed out after 300ms/);
    assert.ok(Date.now() - started < 5000);
  });

  it('shell: true runs through /bin/sh for pipes', async () => {
    const req = request({ provision: ['echo', 'a b c', '|', 'wc', '-w'], decommission: ['true'], shell: true });
    const p = await act.provisionColor(req);
    assert.equal(p.detail.trim(), '3');
  });

  it('a silent long command keeps heartbeating, so the heartbeat timeout only catches a dead worker', async () => {
    const quiet = createActivities({ stateDir: dir, keepAliveMs: 100 });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    await env.run(quiet.provisionColor, request({ provision: ['sleep', '1'], decommission: ['true'] }));
    assert.ok(beats >= 5, `only ${beats} heartbeats in 1s of silence`);
  });

  it('a program that does not exist is a configuration error, not retried', async () => {
    const req = request({ provision: ['/no/such/deployer'], decommission: ['true'] });
    await assert.rejects(
      act.provisionColor(req),
      (err: Error & { nonRetryable?: boolean }) =>
        err.nonRetryable === true && /cannot run environment.provision/.test(err.message),
    );
  });
});
