// Runs many `bluegreen` command lines in one Node process (see cli-batch.ts): each through the
// CLI's own `run()`, with its stdout and stderr captured and its CPU time measured. Reads the
// cases from the JSON file named by argv[2] and writes the results to argv[3].
import { readFileSync, writeFileSync } from 'node:fs';
import { run } from '../../client/main';
import type { BatchCase, BatchResult } from './cli-batch';

async function runOne(args: string[]): Promise<BatchResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  // The CLI prints through console.* and process.std*.write; both end in these two writes.
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof out;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof err;
  const cpu = process.cpuUsage();
  let code: number;
  try {
    code = await run(args);
  } catch (e) {
    stderr += `run() threw: ${String(e)}`;
    code = -1;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const used = process.cpuUsage(cpu);
  return { code, stdout, stderr, cpuMs: Math.round((used.user + used.system) / 1000) };
}

async function main(): Promise<void> {
  const cases = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BatchCase[];
  const results: BatchResult[] = [];
  for (const c of cases) results.push(await runOne(c.args));
  writeFileSync(process.argv[3], JSON.stringify(results));
  process.exit(0);
}

// `node --test dist/test/` loads every file under test/ as a test file: without its two paths this
// one is being loaded that way, and does nothing.
if (process.argv[2] && process.argv[3]) void main();
