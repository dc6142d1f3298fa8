// verify.command's runner with real processes, for what the end-to-end test does not reach in
// seconds: the timeout, a cancellation that stops the whole group, and secrets kept out of the
// heartbeats as well as the result.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { groupAlive } from '../../../activities/environments/process-group';
import { runSmoke, type SmokeRequest } from '../../../activities/probes/smoke';

const specDir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-smoke-'));
const vars = {
  endpoint: 'http://127.0.0.1:8082',
  color: 'green' as const,
  version: '2.0.0',
  service: 'shop',
  record: 'shop.example.com',
};
const request = (script: string, extra: Partial<SmokeRequest['command']> = {}): SmokeRequest => ({
  command: { run: ['sh', '-c', script], timeout: '30s', ...extra },
  specDir,
  vars,
});

describe('smoke test runner (real processes)', () => {
  it('passes on exit 0 with the templates filled; fails on its timeout with the output tail', async () => {
    const ok = await runSmoke(
      {
        ...request(''),
        command: { run: ['sh', '-c', 'echo "$1 as $BLUEGREEN_COLOR"', 'x', '{{endpoint}}'], timeout: '30s' },
      },
      () => undefined,
    );
    assert.deepEqual(
      { passed: ok.passed, how: ok.how, tail: ok.tail },
      {
        passed: true,
        how: 'exited with code 0',
        tail: 'http://127.0.0.1:8082 as green',
      },
    );
    const slow = await runSmoke(
      request('echo "waiting for checkout"; sleep 30', { timeout: '300ms' }),
      () => undefined,
    );
    assert.equal(slow.passed, false);
    assert.equal(slow.how, 'timed out after 300ms (stopped with SIGTERM)');
    assert.equal(slow.tail, 'waiting for checkout');
  });

  it('a cancellation stops the whole group and throws CancelledFailure; secrets stay out of heartbeats', async () => {
    process.env.BG_TEST_SMOKE_TOKEN = 'smoke-token-0815';
    const pidFile = path.join(specDir, 'child.pid');
    const beats: string[] = [];
    const abort = new AbortController();
    try {
      const running = runSmoke(
        request(`echo "token $TOKEN"; sleep 60 & echo $! > ${pidFile}; wait`, {
          env: { TOKEN: '${env:BG_TEST_SMOKE_TOKEN}' },
        }),
        (m) => {
          beats.push(m);
          if (m.includes('token')) setTimeout(() => abort.abort(), 200);
        },
        abort.signal,
      );
      await assert.rejects(running, (err: Error) => {
        assert.ok(err instanceof CancelledFailure);
        assert.match(err.message, /verify\.command was cancelled \(stopped with SIGTERM\); last output:\ntoken \*\*\*/);
        return true;
      });
      assert.equal(groupAlive(Number(readFileSync(pidFile, 'utf8'))), false, 'the sleep the test started is gone');
      assert.ok(
        beats.some((b) => b.includes('token ***')),
        beats.join('\n'),
      );
      assert.ok(!beats.some((b) => b.includes('smoke-token-0815')));
    } finally {
      delete process.env.BG_TEST_SMOKE_TOKEN;
    }
  });
});
