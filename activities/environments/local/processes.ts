// Linux process helpers for the local provider. A process we start carries a marker variable
// in its environment; /proc lets us find it again after a worker restart or a retried activity
// even if our state file was never written.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const MARKER_VARIABLE = 'BLUEGREEN_INSTANCE';

export interface MarkedProcess {
  pid: number;
  env: Record<string, string>;
}

function readEnviron(pid: number): Record<string, string> | null {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
    const env: Record<string, string> = {};
    for (const entry of raw.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return env;
  } catch {
    return null;
  }
}

export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name; Z and X are dead.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The local provider finds its processes through /proc: without it (macOS, Windows) it must
 * refuse plainly rather than start a second copy of a color it cannot see. */
export function findMarkedProcesses(marker: string, procDir = '/proc'): MarkedProcess[] {
  if (!existsSync(path.join(procDir, 'self', 'environ')))
    throw new ProcUnavailableError(
      `the local provider finds its processes through ${procDir}, which this system lacks (platform ${process.platform}): run the worker on Linux, or use the command provider`,
    );
  const found: MarkedProcess[] = [];
  for (const entry of readdirSync(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const env = readEnviron(pid);
    if (env?.[MARKER_VARIABLE] === marker && isRunning(pid)) found.push({ pid, env });
  }
  return found;
}

export class ProcUnavailableError extends Error {
  // Permanent: a retry on the same host cannot grow a /proc.
  override name = 'EnvironmentMisconfigured';
}
