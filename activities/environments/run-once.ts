// One run of a short-lived command the spec names (a smoke test, a metric script): spawned as its
// own process group with the minimal environment, bound to its timeout and to the activity's
// cancellation (process-group.ts), its output kept as a bounded tail. What the exit means is the
// caller's business; this only reports how the run ended.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { childEnvironment } from './child-env';
import { groupAlive, stopGroups, superviseGroup, TERM_GRACE_MS } from './process-group';

export interface RunOnceOptions {
  argv: string[];
  cwd: string;
  /** The whole environment of the child (see child-env.ts: never the worker's own). */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  graceMs?: number;
  /** Called with each new piece of output (stdout and stderr interleaved). */
  onOutput?: (tail: string) => void;
}

export interface RunOnceResult {
  /** How it ended: 'exit' with a code, 'signal', stopped on 'timeout' or 'cancelled', or 'spawn-error'. */
  ended: 'exit' | 'signal' | 'timeout' | 'cancelled' | 'spawn-error';
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout only: a metric script's number is on its last stdout line, whatever it logs to stderr. */
  stdout: string;
  /** stdout and stderr as they came, the last 16 KiB. */
  output: string;
  /** Spawn failure (no such program) or how a stopped group went ("SIGTERM", "SIGKILL after 10s"). */
  detail: string;
  ms: number;
}

const TAIL_BYTES = 16_384;

export async function runOnce(options: RunOnceOptions): Promise<RunOnceResult> {
  const graceMs = options.graceMs ?? TERM_GRACE_MS;
  const started = Date.now();
  const [file, ...args] = options.argv;
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-TAIL_BYTES);
    output = (output + chunk.toString()).slice(-TAIL_BYTES);
    options.onOutput?.(output);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-TAIL_BYTES);
    options.onOutput?.(output);
  });
  const supervision =
    child.pid === undefined
      ? null
      : superviseGroup(child.pid, { timeoutMs: options.timeoutMs, signal: options.signal, graceMs });
  const end = await new Promise<{ code: number | null; sig: NodeJS.Signals | null } | Error>((resolve) => {
    child.once('error', resolve);
    child.once('close', (code, sig) => resolve({ code, sig }));
  });
  supervision?.dispose();
  // The leader may end before the rest of its group: a stop is over when the group is gone.
  const outcome = await supervision?.stopped();
  const stoppedBy = supervision?.stoppedBy ?? null;
  const how = outcome === 'killed' ? `SIGKILL after ${graceMs / 1000}s` : 'SIGTERM';
  // A script that exited but left something behind in its group (a server it started with &)
  // must not outlive its check: nothing it started is supposed to keep running.
  if (!stoppedBy && child.pid !== undefined && groupAlive(child.pid)) await stopGroups([child.pid], graceMs);
  const ms = Date.now() - started;
  if (end instanceof Error)
    return { ended: 'spawn-error', code: null, signal: null, stdout, output, detail: end.message, ms };
  const base = { code: end.code, signal: end.sig, stdout, output, ms };
  if (stoppedBy) return { ...base, ended: stoppedBy, detail: how };
  return { ...base, ended: end.sig ? 'signal' : 'exit', detail: '' };
}

/** The last `n` lines of `text`, without trailing blank lines. */
export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/** What a check command needs besides its spec: the values of this moment and where it runs. */
export interface CheckInvocation {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * Argv, cwd and environment of a check command (`verify.command`, a `command` metric): template
 * variables filled in its arguments and env values, `${env:NAME}` resolved by `resolveEnv` (which
 * also remembers what to redact), the minimal environment plus BLUEGREEN_* describing the color.
 */
export function checkInvocation(
  spec: { run: string[]; env?: Record<string, string>; cwd?: string },
  vars: Record<string, string>,
  specDir: string,
  resolveEnv: (env: Record<string, string>) => Record<string, string>,
): CheckInvocation {
  const fill = (text: string) =>
    text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in vars ? vars[key] : whole));
  const templated = Object.fromEntries(Object.entries(spec.env ?? {}).map(([k, v]) => [k, fill(v)]));
  return {
    argv: spec.run.map(fill),
    cwd: path.resolve(specDir, spec.cwd ?? '.'),
    env: childEnvironment(process.env, {
      ...resolveEnv(templated),
      BLUEGREEN_SERVICE: vars.service ?? '',
      BLUEGREEN_COLOR: vars.color ?? '',
      BLUEGREEN_VERSION: vars.version ?? '',
      BLUEGREEN_ENDPOINT: vars.endpoint ?? '',
    }),
  };
}

/** How a run that did not exit 0 ended, in words: "exited with code 1", "timed out after 5m (stopped with SIGTERM)". */
export function describeEnd(result: RunOnceResult, argv: string[], timeout: string): string {
  switch (result.ended) {
    case 'spawn-error':
      return `cannot run ${JSON.stringify(argv)}: ${result.detail}`;
    case 'timeout':
      return `timed out after ${timeout} (stopped with ${result.detail})`;
    case 'cancelled':
      return `was cancelled (stopped with ${result.detail})`;
    case 'signal':
      return `was killed by ${result.signal}`;
    case 'exit':
      return `exited with code ${result.code}`;
  }
}
