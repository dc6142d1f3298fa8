// One command at a time per color. A command runs detached from the worker (its own process
// group), so a worker killed with -9 leaves it running; Temporal then retries the activity once
// the heartbeat timeout passes, and the retry would start a second copy beside the first. Each
// run records its process group under the state folder, keyed like the local provider's state
// (namespace, record, color); the next run for that color (a retry, or the decommission that
// undoes a provision) stops a group still recorded there before it starts.
//
// Stop rather than wait: the group belongs to an attempt whose worker is gone, so nobody will
// read its output or report its result; waiting could take the whole command timeout and would
// still end in a rerun. Provision and decommission commands must be idempotent, so running the
// command again from the start is safe, and SIGTERM first gives Terraform or kubectl the chance
// to release their locks. Only this host's runs are seen: a retry that lands on another worker
// host cannot stop the copy on the dead worker's host (docs/production.md).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { colorKey } from '../color-key';
import { groupAlive, processStartTime, stopGroups, TERM_GRACE_MS } from '../process-group';
import type { ColorInstance, Progress } from '../provider';

interface RunRecord {
  /** The command's process group (its leader's pid). */
  pgid: number;
  /** The leader's start time (/proc), so a reused pid is never mistaken for the command. */
  startTime: string | null;
  action: string;
  workerPid: number;
  startedAt: string;
}

export class RunningCommand {
  private readonly file: string;

  constructor(stateDir: string, namespace: string | undefined, instance: ColorInstance) {
    this.file = path.join(stateDir, 'command', `${colorKey(stateDir, namespace, instance).file}.json`);
  }

  /** Stops the group an earlier, lost attempt left running for this color, if there is one. */
  async stopOrphan(progress: Progress, graceMs = TERM_GRACE_MS): Promise<void> {
    const earlier = this.read();
    if (!earlier || !isSameGroup(earlier)) return;
    progress(
      `stopping the earlier ${earlier.action} (process group ${earlier.pgid}, started ${earlier.startedAt} by worker pid ${earlier.workerPid}) before running again`,
    );
    await stopGroups([earlier.pgid], graceMs);
    rmSync(this.file, { force: true });
  }

  record(pgid: number, action: string): void {
    const run: RunRecord = {
      pgid,
      startTime: processStartTime(pgid),
      action,
      workerPid: process.pid,
      startedAt: new Date().toISOString(),
    };
    mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(run, null, 2));
    renameSync(`${this.file}.tmp`, this.file);
  }

  /** Forgets the run once its group is gone (unless a later run has replaced the record). */
  release(pgid: number): void {
    if (this.read()?.pgid === pgid) rmSync(this.file, { force: true });
  }

  private read(): RunRecord | null {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as RunRecord;
    } catch {
      return null;
    }
  }
}

/** Whether the recorded group still runs: its leader (same pid, same start time), or members
 * that outlived it (a group id is not reused while a member holds it). */
function isSameGroup(run: RunRecord): boolean {
  const leaderStart = processStartTime(run.pgid);
  if (leaderStart !== null) return run.startTime === null || leaderStart === run.startTime;
  return groupAlive(run.pgid);
}
