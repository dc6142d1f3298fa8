// Stopping what bluegreen spawned. Every process it starts leads its own process group, so a
// stop reaches `sh -c` wrappers and whatever they started (terraform providers, kubectl). One
// rule for every spawn site (provision and decommission commands, a local color, a future
// smoke command): SIGTERM to the group first, so Terraform or kubectl can release their locks
// and leave state consistent; SIGKILL only if the group is still there after a grace period.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a command has between SIGTERM and SIGKILL, on its timeout or a cancellation. */
export const TERM_GRACE_MS = 10_000;

/**
 * What a pid handed to a stop names. `group`: a process group bluegreen spawned (its leader's
 * pid); once that group is gone the pid means nothing, as the kernel may have given it to an
 * unrelated process. `marked`: a process found just now by its marker, ours even if it leads no
 * group, so it is signalled alone when it has none.
 */
export type StopTarget = 'group' | 'marked';

/** Signals a process group; a marked process that leads none alone. */
export function signalGroup(pid: number, sig: NodeJS.Signals, target: StopTarget = 'group'): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // A spawned group that is gone is never signalled by its bare pid: once reused, that pid
    // names someone else's process (it once shut down a test file's Temporal workers).
    if (target !== 'marked') return;
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Whether any live (not zombie) process is in group `pgid`; for a marked process, also whether
 * the process `pgid` itself lives.
 */
export function groupAlive(pgid: number, target: StopTarget = 'group'): boolean {
  if (!existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  // kill(-pgid, 0) also answers for a group whose last member is a zombie nobody reaped yet:
  // /proc says which members still run.
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    if (stat.pgrp === pgid || (target === 'marked' && Number(entry) === pgid)) return true;
  }
  return false;
}

interface ProcStat {
  state: string;
  pgrp: number;
  /** Clock ticks after boot: with the pid, identifies one process across pid reuse. */
  startTime: string;
}

function procStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state, ppid, pgrp, ..., starttime (22nd field).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]), startTime: fields[19] };
  } catch {
    return null;
  }
}

/** When process `pid` started (null when it is gone or the system has no /proc). */
export function processStartTime(pid: number): string | null {
  return procStat(pid)?.startTime ?? null;
}

export type StopOutcome = 'gone' | 'terminated' | 'killed';

/**
 * SIGTERM to each group, SIGKILL to those still there after `graceMs`; resolves once all are
 * gone: 'gone' if none was running, 'terminated' if SIGTERM sufficed, 'killed' otherwise.
 */
export async function stopGroups(
  pids: number[],
  graceMs: number,
  waiting: (alive: number) => void = () => undefined,
  target: StopTarget = 'group',
): Promise<StopOutcome> {
  const isAlive = (pid: number) => groupAlive(pid, target);
  let alive = pids.filter(isAlive);
  if (alive.length === 0) return 'gone';
  for (const pid of alive) signalGroup(pid, 'SIGTERM', target);
  const deadline = Date.now() + graceMs;
  while (alive.length > 0 && Date.now() < deadline) {
    waiting(alive.length);
    await sleep(100);
    alive = alive.filter(isAlive);
  }
  if (alive.length === 0) return 'terminated';
  for (const pid of alive) signalGroup(pid, 'SIGKILL', target);
  // SIGKILL cannot be refused; a moment for the kernel to tear the processes down.
  for (let i = 0; i < 50 && alive.some(isAlive); i++) await sleep(100);
  return 'killed';
}

export interface Supervision {
  /** Why the group was stopped: its deadline passed or the activity was cancelled; null if not stopped. */
  readonly stoppedBy: 'timeout' | 'cancelled' | null;
  /** Resolves when a stop that began has finished (the group is gone); at once if none began. */
  stopped(): Promise<StopOutcome | null>;
  /** Forgets the deadline and the signal (the process ended by itself). */
  dispose(): void;
}

/**
 * Binds a spawned group to a deadline and to the activity's cancellation: whichever comes first
 * stops the group (SIGTERM, then SIGKILL after `graceMs`).
 */
export function superviseGroup(
  pid: number,
  options: { timeoutMs?: number; signal?: AbortSignal; graceMs?: number },
): Supervision {
  const graceMs = options.graceMs ?? TERM_GRACE_MS;
  let stoppedBy: Supervision['stoppedBy'] = null;
  let stopping: Promise<StopOutcome> | null = null;
  const stop = (why: 'timeout' | 'cancelled') => {
    if (stopping) return;
    stoppedBy = why;
    stopping = stopGroups([pid], graceMs);
  };
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
  const onAbort = () => stop('cancelled');
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get stoppedBy() {
      return stoppedBy;
    },
    stopped: () => stopping ?? Promise.resolve(null),
    dispose() {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}
