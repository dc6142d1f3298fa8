// Many CLI command lines that never reach a server (bad arguments, bad specs) cost a Node start
// each when run one process apiece: hundreds of them were the suite's largest CPU bill. This runs
// them all in one child process through the CLI's own `run()` (the code bin/bluegreen.js runs),
// with the same exit codes and output. Tests keep a few real `bluegreen` processes beside it for
// what only a whole process shows (start-up cost, the bundled CLI, process exit codes).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from './binaries';

export interface BatchCase {
  args: string[];
}

export interface BatchResult {
  code: number;
  stdout: string;
  stderr: string;
  /** CPU time the command itself used (user + system), without Node's start. */
  cpuMs: number;
}

export async function runCliBatch(
  cases: BatchCase[],
  env: NodeJS.ProcessEnv,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<BatchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-cli-batch-'));
  const input = path.join(dir, 'cases.json');
  const output = path.join(dir, 'results.json');
  writeFileSync(input, JSON.stringify(cases));
  const child = path.join(projectRoot, 'dist', 'test', 'support', 'cli-batch-child.js');
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [child, input, output],
      { cwd: options.cwd ?? projectRoot, env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`the CLI batch failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
    ),
  );
  return JSON.parse(readFileSync(output, 'utf8')) as BatchResult[];
}
