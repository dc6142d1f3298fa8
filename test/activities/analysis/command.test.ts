// The command metric provider with real processes: the number on the last stdout line is
// judged; a failed exit, no number or the timeout is inconclusive with the reason; the script
// gets template variables, the spec's folder as cwd, a minimal environment, and its secrets
// never come back in a reason.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeRound } from '../../../activities/analysis';
import { groupAlive } from '../../../activities/environments/process-group';
import { analysisRequest } from '../../support/analysis';

const specDir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-command-metric-'));

async function measure(command: Record<string, unknown>, bounds: Record<string, number> = { max: 0 }) {
  const req = analysisRequest(
    { metrics: [{ name: 'checkout-errors', ...bounds, command }] },
    {},
    'http://127.0.0.1:8080',
  );
  const [m] = await analyzeRound({ ...req, specDir });
  return m;
}

const sh = (script: string) => ({ run: ['sh', '-c', script] });

describe('command metric provider (real processes)', () => {
  it('prints 0 with max 0: passed; prints 7: failed, naming the value and the bound', async () => {
    const passed = await measure(sh('echo "counting errors" >&2; echo "checked 40 orders"; echo 0'));
    assert.equal(passed.verdict, 'passed', passed.message);
    assert.equal(passed.value, 0);
    const failed = await measure(sh('echo 7'));
    assert.equal(failed.verdict, 'failed');
    assert.equal(failed.name, 'checkout-errors');
    assert.match(failed.message, /7 > max 0/);
  });

  it('a non-zero exit, no number or nothing printed is inconclusive with the reason', async () => {
    const exited = await measure(sh('echo "cannot reach the orders database" >&2; exit 3'));
    assert.equal(exited.verdict, 'inconclusive');
    assert.match(exited.message, /exited with code 3: cannot reach the orders database/);
    const words = await measure(sh('echo 3; echo n/a'));
    assert.equal(words.verdict, 'inconclusive');
    assert.match(words.message, /last line of its output is not a number: "n\/a"/);
    const silent = await measure(sh('true'));
    assert.match(silent.message, /printed nothing/);
    const missing = await measure({ run: ['./no-such-script.sh'] });
    assert.equal(missing.verdict, 'inconclusive');
    assert.match(missing.message, /cannot run \["\.\/no-such-script\.sh"\]: spawn \.\/no-such-script\.sh ENOENT/);
  });

  it('a command past its timeout is stopped, with what it started, and is inconclusive', async () => {
    const pidFile = path.join(specDir, 'slow.pid');
    const started = Date.now();
    const m = await measure({ ...sh(`sleep 30 & echo $! > ${pidFile}; wait`), timeout: '300ms' });
    assert.equal(m.verdict, 'inconclusive');
    assert.match(m.message, /timed out after 300ms \(stopped with SIGTERM\)/);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started}ms`);
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    assert.equal(groupAlive(sleeper), false, 'the sleep the script started is gone too');
  });

  it('fills template variables, runs in the spec folder with a minimal environment, redacts secrets', async () => {
    writeFileSync(
      path.join(specDir, 'count.sh'),
      [
        'echo "args: $1 $2 $3" >&2',
        '[ -z "$AWS_SECRET_ACCESS_KEY" ] || { echo "leaked the worker credentials" >&2; exit 9; }',
        '[ "$1" = green ] && [ "$2" = http://127.0.0.1:8080 ] && [ "$3" = shop ] && [ "$BLUEGREEN_COLOR" = green ] || exit 8',
        'echo "token $TOKEN rejected" >&2',
        'exit 1',
      ].join('\n'),
    );
    process.env.AWS_SECRET_ACCESS_KEY = 'worker-credential';
    process.env.BG_TEST_METRIC_TOKEN = 's3cret-token-value';
    try {
      const m = await measure({
        run: ['sh', './count.sh', '{{color}}', '{{endpoint}}', '{{service}}'],
        env: { TOKEN: '${env:BG_TEST_METRIC_TOKEN}' },
      });
      assert.equal(m.verdict, 'inconclusive');
      assert.match(m.message, /exited with code 1: .*token \*\*\* rejected/s);
      assert.doesNotMatch(m.message, /s3cret/);
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.BG_TEST_METRIC_TOKEN;
    }
  });
});
