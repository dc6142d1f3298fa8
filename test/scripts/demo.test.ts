// The README's demo line in CI mode: v1 and v2 complete, the broken v3 is rolled back, and the
// demo exits 0 with nothing left running.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';
import { freePort } from '../support/processes';

describe('demo', () => {
  it('runs v1, v2 and a broken v3 with the expected outcomes and exits 0', async () => {
    const stateDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'bluegreen-demo-')), 'state');
    const args = [
      '--ci',
      '--temporal-port',
      String(await freePort()),
      '--ui-port',
      String(await freePort()),
      '--route53-port',
      String(await freePort()),
      '--prometheus-port',
      String(await freePort()),
      '--front-door-port',
      String(await freePort()),
      '--front-door-api-port',
      String(await freePort()),
      '--state-dir',
      stateDir,
    ];
    const result = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [path.join(projectRoot, 'dist', 'scripts', 'demo.js'), ...args],
        { env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000 },
        (err, stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, out: stdout + stderr }),
      ),
    );
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /shop 1\.0\.0\s+completed\s+as expected/);
    assert.match(result.out, /shop 2\.0\.0\s+completed\s+as expected/);
    assert.match(result.out, /shop 3\.0\.0\s+rolled-back\s+as expected: analysis breach/);
    assert.match(result.out, /live now: green answers .*"version":"2\.0\.0"/);
    assert.match(
      result.out,
      /http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/bluegreen-shop\.example\.com\/[0-9a-f-]+\/history/,
    );
    assert.match(result.out, /demo: both outcomes as expected/);
    // HAProxy is installed here too: the same app through the front door, no request lost.
    assert.match(result.out, /step blue 90% \/ green 10%: HAProxy sent blue \d+, green \d+ request\(s\)/);
    assert.match(result.out, /step blue 0% \/ green 100%: HAProxy sent blue 0, green \d+/);
    assert.match(result.out, /front door shop 2\.0\.0\s+completed\s+as expected; \d+ requests sent, 0 failed/);
    // Prometheus is installed here (npm test installs it): the demo says it judges by it.
    assert.match(result.out, /v2 and v3 are judged by a Prometheus error-ratio query \(http:\/\/127\.0\.0\.1:\d+\)/);
  });
});
