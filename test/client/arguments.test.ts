// Command-line arguments: every verb refuses unknown flags, missing values and empty ids with
// exit 2 before it connects anywhere (TEMPORAL_ADDRESS points at a port that records connections).
// The many cases run through the CLI's run() in one process (test/support/cli-batch.ts); one real
// `bluegreen` process per test shows the same from the outside.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';
import { startTripwire, type Tripwire } from '../support/tripwire';
import { runCliBatch } from '../support/cli-batch';

const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
let tripwire: Tripwire;

const cliEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: '1',
  TEMPORAL_ADDRESS: tripwire.address,
  BLUEGREEN_STATE_DIR: '/nonexistent/state',
});

/** One real `bluegreen` process. */
const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: projectRoot, timeout: 20_000, env: cliEnv() },
      (err, stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    ),
  );

/** Many command lines in one process; then one of them again as a real process, which must agree. */
async function runAll(argvs: string[][]): Promise<{ code: number; stdout: string; stderr: string }[]> {
  const results = await runCliBatch(
    argvs.map((args) => ({ args })),
    cliEnv(),
  );
  const last = argvs[argvs.length - 1];
  const real = await run(...last);
  assert.equal(real.code, results[results.length - 1].code, `${last.join(' ')} as a process`);
  assert.equal(real.stderr, results[results.length - 1].stderr, `${last.join(' ')} as a process`);
  return results;
}

const verbs: string[][] = [
  ['validate', 'examples/shop.yaml'],
  ['plan', 'examples/shop.yaml'],
  ['start', 'examples/shop.yaml'],
  ['status', 'some-id'],
  ['watch', 'some-id'],
  ['list'],
  ['pause', 'some-id'],
  ['resume', 'some-id'],
  ['abort', 'some-id', '--reason', 'x'],
  ['approve', 'some-id'],
  ['promote', 'some-id'],
  ['schema'],
  ['worker'],
  ['dev'],
  ['schedule', 'create', 'examples/shop.yaml', '--every', '1h'],
  ['schedule', 'list'],
  ['schedule', 'pause', 'some-id'],
  ['schedule', 'delete', 'some-id'],
];

describe('CLI arguments', () => {
  before(async () => {
    tripwire = await startTripwire();
  });
  after(() => tripwire.close());

  it('every verb, worker and dev included, refuses an unknown flag with exit 2 and points to its help', async () => {
    const argvs = verbs.map((argv) => [...argv, '--bogus']);
    const results = await runAll(argvs);
    for (const [i, argv] of verbs.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `${argv.join(' ')} --bogus: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, /Unknown option '--bogus'[\s\S]*--help/, argv.join(' '));
    }
    assert.equal(tripwire.connections(), 0, 'nothing connected to Temporal');
  });

  it('a flag without its value exits 2 for every verb that takes one', async () => {
    const argvs = [
      ['start', 'examples/shop.yaml', '--delay'],
      ['start', 'examples/shop.yaml', '--at'],
      ['list', '--service'],
      ['pause', 'some-id', '--reason'],
      ['approve', 'some-id', '--note'],
      ['dev', '--state-dir'],
      ['dev', '--temporal-port'],
      ['schedule', 'create', 'examples/shop.yaml', '--every'],
      ['schedule', 'create', 'examples/shop.yaml', '--cron'],
    ];
    const results = await runAll(argvs);
    for (const [i, argv] of argvs.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, /argument missing/, argv.join(' '));
    }
    assert.equal(tripwire.connections(), 0);
  });

  it('empty ids, a bare `schedule` and absurd timings exit 2 before connecting', async () => {
    const timings = [
      [['--every', '0s'], /--every: "0s" is too short: at least 1s/],
      [['--every', '99999d'], /--every: "99999d" is too long: at most 365d/],
      [['--cron', '0 2 * * *', '--timezone', 'Mars/Olympus'], /unknown time zone/],
    ] as const;
    const [status, bare, ...results] = await runAll([
      ['status', ''],
      ['schedule'],
      ...timings.map(([flags]) => ['schedule', 'create', 'examples/shop.yaml', ...flags]),
    ]);
    assert.equal(status.code, 2, status.stderr);
    assert.match(status.stderr, /<id> is empty/);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /Usage: bluegreen schedule/);
    for (const [i, [flags, message]] of timings.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(tripwire.connections(), 0);
  });

  it('start --delay/--at: at most a year ahead, checked before anything starts (exit 2, also with --json)', async () => {
    const cases: [string[], RegExp][] = [
      [['--delay', '99999999999999d'], /--delay: "99999999999999d" is too long: at most 365d/],
      [['--delay', '366d', '--json'], /at most 365d/],
      [['--delay', 'soon'], /--delay: invalid duration/],
      [['--delay', ''], /--delay: invalid duration/],
      [['--at', new Date(Date.now() + 400 * 86_400_000).toISOString()], /too far ahead: at most 365d/],
      [['--at', '2001-01-01T00:00:00Z'], /in the past/],
      [['--at', 'tomorrow'], /not an ISO-8601 time/],
      [['--delay', '1h', '--at', '2030-01-01T00:00:00Z'], /not both/],
    ];
    const results = await runAll(cases.map(([flags]) => ['start', 'examples/shop.yaml', ...flags]));
    for (const [i, [flags, message]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `${flags.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, message, flags.join(' '));
    }
    assert.equal(tripwire.connections(), 0, 'nothing was started');
  });
});
