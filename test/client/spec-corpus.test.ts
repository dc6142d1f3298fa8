// Bad input refused: every spec of a generated corpus of at least 100 invalid or hostile specs
// gets exit 2 from both `validate` and `start`, with a message naming the field (or what is wrong
// with the file), in under 2 s, and nothing is started: TEMPORAL_ADDRESS points at a port that
// counts connections, and it must see none. The corpus runs through the CLI's run() in one process
// (test/support/cli-batch.ts); a sample of it also runs as real `bluegreen` processes, which must
// agree, and whose whole-process CPU time (Node's start included) is held to the same 2 s.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { projectRoot } from '../support/binaries';
import { startTripwire, type Tripwire } from '../support/tripwire';
import { corpus, validSpec } from '../support/spec-corpus';
import { runCliBatch } from '../support/cli-batch';

const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
let tripwire: Tripwire;

/** Runs the CLI under bash's `time`, so the check is on CPU seconds (user + system) rather than
 * wall time, which on a shared, busy machine says more about the neighbours than about us. */
function run(args: string[]): Promise<{ code: number; stderr: string; ms: number; cpuMs: number }> {
  const started = Date.now();
  const script = 'TIMEFORMAT="cpu %3U %3S"; time "$@"';
  return new Promise((resolve) =>
    execFile(
      'bash',
      ['-c', script, 'bash', process.execPath, bin, ...args],
      { cwd: projectRoot, timeout: 20_000, env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: tripwire.address } },
      (err, _stdout, stderr) => {
        const cpu = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stderr);
        resolve({
          code: (err as { code?: number } | null)?.code ?? 0,
          stderr: stderr.replace(/cpu [\d.]+ [\d.]+\s*$/, ''),
          ms: Date.now() - started,
          cpuMs: cpu ? Math.round((Number(cpu[1]) + Number(cpu[2])) * 1000) : Infinity,
        });
      },
    ),
  );
}

/** Runs `work` over `items`, `width` at a time (the machine is shared). */
async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

describe('invalid and hostile specs', () => {
  before(async () => {
    tripwire = await startTripwire();
  });
  after(() => tripwire.close());

  it('the corpus base is a valid spec (so each case fails for its own reason)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-corpus-'));
    const file = path.join(dir, 'valid.yaml');
    writeFileSync(file, YAML.stringify(validSpec));
    const r = await run(['validate', file]);
    assert.equal(r.code, 0, r.stderr);
  });

  it('each of at least 100 is refused by validate and start with exit 2, naming the field, in under 2 s of CPU', async () => {
    const cases = corpus();
    assert.ok(cases.length >= 100, `corpus has ${cases.length} cases`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-corpus-'));
    const failures: string[] = [];
    const files = cases.map((c, i) => {
      const file = path.join(dir, `case-${String(i).padStart(3, '0')}.yaml`);
      writeFileSync(file, c.content);
      return file;
    });
    const verbs = ['validate', 'start'] as const;
    const batch = await runCliBatch(
      files.flatMap((file) => verbs.map((verb) => ({ args: [verb, file] }))),
      { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: tripwire.address },
    );
    let slowestCpu = 0;
    const check = (verb: string, c: (typeof cases)[number], r: { code: number; stderr: string; cpuMs: number }) => {
      slowestCpu = Math.max(slowestCpu, r.cpuMs);
      if (r.code !== 2) failures.push(`${verb} ${c.name}: exit ${r.code}: ${r.stderr.slice(0, 300)}`);
      else if (!c.expect.test(r.stderr))
        failures.push(`${verb} ${c.name}: message does not match ${c.expect}:\n${r.stderr.slice(0, 400)}`);
      else if (r.cpuMs >= 2000) failures.push(`${verb} ${c.name}: used ${r.cpuMs}ms of CPU`);
    };
    cases.forEach((c, i) => verbs.forEach((verb, v) => check(verb, c, batch[i * verbs.length + v])));
    // A sample as whole processes: the same exit code and message, and under 2 s of CPU with Node's start.
    const sample = cases.map((c, i) => ({ c, i })).filter(({ i }) => i % 20 === 0);
    let slowest = 0;
    await pool(sample, 2, async ({ c, i }) => {
      for (const [v, verb] of verbs.entries()) {
        const r = await run([verb, files[i]]);
        slowest = Math.max(slowest, r.ms);
        check(verb, c, r);
        if (r.stderr !== batch[i * verbs.length + v].stderr)
          failures.push(`${verb} ${c.name}: the process printed otherwise than run():\n${r.stderr.slice(0, 400)}`);
      }
    });
    assert.deepEqual(failures, []);
    assert.equal(tripwire.connections(), 0, 'start connected to Temporal for a refused spec');
    console.log(
      `${cases.length} cases x 2 verbs refused (${sample.length} also as processes); most CPU ${slowestCpu}ms, slowest process wall ${slowest}ms`,
    );
  });
});
