// The typed client library: what a CI pipeline or deploy script uses to start and follow
// releases, and what every `bluegreen` CLI verb calls — one code path. It loads the spec parser
// (zod, YAML) only when a spec is read, so `bluegreen status` does not pay for it.
import { WorkflowFailedError } from '@temporalio/client';
import type { ActionOutcome, OperatorAction, ReleaseResult, ReleaseStatus } from '../../workflows/messages';
import { connectTemporal } from '../connect';
import type { ConnectionOverrides, Temporal } from './temporal';
import {
  endedResult,
  listReleases,
  operatorIdentity,
  readStatus,
  sendAction,
  startRelease,
  type ListedRelease,
} from '../releases';
import { createSchedule, listSchedules, scheduleAction, type ListedSchedule } from '../schedules';
import type { LoadedSpec } from '../spec-file';
import { resolveSpec, type SpecSource } from './spec';
import { closingWaitMs, startDelayMs } from './delay';
import { isTransient } from '../transient';
export { startDelayMs };
import { ActionRefusedError, BlueGreenError, InvalidArgumentError, NotFoundError } from './errors';

export interface ConnectOptions extends ConnectionOverrides {
  /** Task queue the bluegreen workers poll; default BLUEGREEN_TASK_QUEUE, then `bluegreen`. */
  taskQueue?: string;
  /** Who starts and acts on releases (in events and history); default BLUEGREEN_IDENTITY, then user@host. */
  identity?: string;
}

export interface StartOptions {
  /** Start later: a duration ("30m", "2h") or milliseconds. `release.abort()` cancels it before it starts. */
  delay?: string | number;
  /** Start at this time (a Date, or ISO-8601 with a zone). Give `delay` or `at`, not both. */
  at?: Date | string;
  /** For a spec object: the folder its relative paths (commands, cwd) resolve against. Default: the current directory. */
  specDir?: string;
  /**
   * The record's previous release may have its result (`watch()` and `status()` show it) while
   * its run still runs its afterRelease gates or delivers its last notifications. Wait this long
   * for it to close before refusing with ReleaseAlreadyRunningError: ms, or a duration ("2m"),
   * at most 1h. Default 30 s; 0 refuses at once.
   */
  waitForPrevious?: string | number;
}

export interface WatchOptions {
  /** How often to ask the release for its status (ms). Default 1000. */
  intervalMs?: number;
  /** Called when a status read gets no answer in time (a worker or server restarting); watching goes on.
   * Any other error (not found, a query the workers fail) ends the watch: it is thrown. */
  onRetry?: (error: Error) => void;
}

export interface ListOptions {
  service?: string;
  /** Only releases that are still running. */
  running?: boolean;
  /** At most this many, newest first. Default 50. */
  limit?: number;
}

export interface ScheduleOptions {
  /** A cron expression, e.g. "0 2 * * 1-5". Give `cron` or `every`. */
  cron?: string;
  /** An interval, e.g. "24h". */
  every?: string;
  /** IANA time zone of the cron expression; default UTC. */
  timezone?: string;
  /** Schedule id; default bluegreen-schedule-<record name>. */
  id?: string;
}

export interface StartedRepair {
  /** The repair, followed like a release (status, watch, result) under the record's release id. */
  release: Release;
  recordName: string;
  /** The release run being repaired and how it ended (TERMINATED, TIMED_OUT, FAILED, ...). */
  repairing: { runId: string; closedAs: string; closedAt?: string };
}

export interface CreatedSchedule {
  id: string;
  /** Advice about the spec, e.g. a pinned version that every run would release again. */
  warnings: string[];
}

export type { ListedRelease, ListedSchedule, LoadedSpec, SpecSource };
export { resolveSpec };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One release, addressed by its id (`bluegreen-<record>`, one per DNS record) and, when it was
 * started through this client, its run: a handle from `start()` keeps reading that release even
 * after a newer release of the same record has begun.
 */
export class Release {
  constructor(
    private readonly temporal: Temporal,
    /** The Temporal workflow id; every CLI verb and Temporal tool accepts it. */
    readonly id: string,
    /** The Temporal run id, when the handle is pinned to one release of the record. */
    readonly runId?: string,
  ) {}

  /** Phase, colors, weights, step, next action, events and, once ended, the result (`bluegreen status --json`). */
  status(): Promise<ReleaseStatus> {
    // While a call retries, a one-off read also asks Route 53 for its weights (`route53Now`).
    return readStatus(this.temporal, this.id, this.runId, { routerNow: true });
  }

  /**
   * Yields the status each time it changes, ending after the status that carries the result.
   * Keeps watching through worker and server restarts (reads that get no answer in time); throws
   * any other error, which would come back on every read. `break` out of the loop to stop early.
   */
  async *watch(options: WatchOptions = {}): AsyncGenerator<ReleaseStatus, void, undefined> {
    const interval = options.intervalMs ?? 1000;
    let last = '';
    for (;;) {
      let status: ReleaseStatus;
      try {
        status = await readStatus(this.temporal, this.id, this.runId);
      } catch (err) {
        // Only "no answer in time" may pass; any other error would come back on every read.
        if (!isTransient(err)) throw err;
        options.onRetry?.(err as Error);
        await sleep(Math.max(interval, 2000));
        continue;
      }
      const seen = JSON.stringify(status);
      if (seen !== last) {
        last = seen;
        yield status;
      }
      if (status.result) return;
      await sleep(interval);
    }
  }

  /**
   * Waits for the release to end and returns how it ended — completed, rolled-back or failed
   * (needs a human) — without throwing for a rollback.
   */
  async result(): Promise<ReleaseResult> {
    const handle = this.temporal.client.workflow.getHandle(this.id, this.runId);
    try {
      const result = await endedResult(handle);
      if (result) return result;
    } catch (err) {
      if ((err as Error).name === 'WorkflowNotFoundError')
        throw new NotFoundError(
          'release',
          this.id,
          `no release with id ${this.id} in namespace ${this.temporal.namespace}`,
        );
      // Terminated, timed out or cancelled before it started: the status says what that means.
      if (!(err instanceof WorkflowFailedError)) throw err;
    }
    const status = await this.status();
    if (status.result) return status.result;
    throw new BlueGreenError(`release ${this.id} ended without a result (phase ${status.phase})`);
  }

  /** Freezes the weights; the step timer stops. Throws ActionRefusedError when refused. */
  pause(reason?: string): Promise<string> {
    return this.act('pause', { reason });
  }

  /** Continues a paused release. */
  resume(): Promise<string> {
    return this.act('resume', {});
  }

  /** Skips the remaining steps: new color to 100% now, then the warm period and decommission. */
  promote(): Promise<string> {
    return this.act('promote', {});
  }

  /** Satisfies the pending approval gate. */
  approve(note?: string): Promise<string> {
    return this.act('approve', { note });
  }

  /** Rolls back now (or cancels a release that has not started yet). The reason is recorded. */
  async abort(reason: string): Promise<string> {
    if (!reason?.trim()) throw new InvalidArgumentError('abort needs a reason: it is recorded in the release events');
    return this.act('abort', { reason });
  }

  private async act(action: OperatorAction, payload: Record<string, string | undefined>): Promise<string> {
    const outcome: ActionOutcome = await sendAction(this.temporal, this.id, action, payload, this.runId);
    if (!outcome.accepted) throw new ActionRefusedError(action, this.id, outcome.message);
    return outcome.message;
  }
}

/** Recurring releases on Temporal Schedules. */
export class Schedules {
  constructor(private readonly temporal: Temporal) {}

  /** Creates a schedule that releases the spec on a cron expression or an interval. */
  async create(source: SpecSource, options: ScheduleOptions): Promise<CreatedSchedule> {
    const loaded = await resolveSpec(source);
    const warnings: string[] = [];
    const timing = { cron: options.cron, every: options.every, timezone: options.timezone };
    const id = await createSchedule(this.temporal, loaded, timing, options.id, (w) => warnings.push(w));
    return { id, warnings };
  }

  /** The schedules that start bluegreen releases. */
  list(): Promise<ListedSchedule[]> {
    return listSchedules(this.temporal);
  }

  pause(id: string): Promise<string> {
    return scheduleAction(this.temporal, id, 'pause');
  }

  unpause(id: string): Promise<string> {
    return scheduleAction(this.temporal, id, 'unpause');
  }

  /** Fires once now; skipped while a release of the record runs. */
  trigger(id: string): Promise<string> {
    return scheduleAction(this.temporal, id, 'trigger');
  }

  /** Deletes the schedule; releases it started keep running. */
  delete(id: string): Promise<string> {
    return scheduleAction(this.temporal, id, 'delete');
  }
}

/** A connection to Temporal for starting, following and operating releases. Close it when done. */
export class BlueGreenClient {
  readonly schedules: Schedules;

  constructor(
    /** The underlying Temporal client and connection, for anything this library does not cover. */
    readonly temporal: Temporal,
  ) {
    this.schedules = new Schedules(temporal);
  }

  get namespace(): string {
    return this.temporal.namespace;
  }

  /**
   * Validates the spec and starts a release of it. Throws InvalidSpecError (every problem with
   * its path) or ReleaseAlreadyRunningError (one release per DNS record at a time).
   */
  async start(source: SpecSource, options: StartOptions = {}): Promise<Release> {
    const startDelay = startDelayMs(options);
    const loaded = await resolveSpec(source, options.specDir);
    const handle = await startRelease(this.temporal, loaded, {
      startDelayMs: startDelay,
      closingWaitMs: closingWaitMs(options.waitForPrevious),
    });
    return new Release(this.temporal, handle.workflowId, handle.firstExecutionRunId);
  }

  /**
   * Puts a record back into a known state after its last release ended without unwinding
   * (terminated, timed out, an undo that gave up): rolls it back or finishes it, from what it
   * knew and Route 53 now. `target` is a record name or a release id. Follow the returned
   * release; its result says what was done (`failed` with `needsHuman` when a person must decide).
   * Refused (exit 2) while a release runs on the record.
   */
  async repair(target: string): Promise<StartedRepair> {
    const { startRepair } = await import('../repair');
    const started = await startRepair(this.temporal, target, this.temporal.identity ?? operatorIdentity());
    const { runId, closedAs, closedAt } = started.last;
    return {
      // workflow.start() returns the run id it started; repair.ts types the handle more loosely.
      release: new Release(
        this.temporal,
        started.id,
        (started.handle as { firstExecutionRunId?: string }).firstExecutionRunId,
      ),
      recordName: started.recordName,
      repairing: { runId, closedAs, ...(closedAt ? { closedAt } : {}) },
    };
  }

  /** A handle on a release by id (the latest release of its record), or on one run of it. */
  getHandle(id: string, runId?: string): Release {
    return new Release(this.temporal, id, runId);
  }

  /** Releases, newest first, from Temporal visibility. */
  list(options: ListOptions = {}): Promise<ListedRelease[]> {
    return listReleases(this.temporal, options);
  }

  /** Closes the connection to Temporal. */
  async close(): Promise<void> {
    await this.temporal.connection.close();
  }
}

/**
 * Connects to Temporal the way the CLI does — TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TLS variables or a TOML profile (TEMPORAL_PROFILE) — with `options` taking
 * precedence. Throws ConnectionError when Temporal is not reachable.
 */
export async function connect(options: ConnectOptions = {}): Promise<BlueGreenClient> {
  const { taskQueue, identity, ...overrides } = options;
  const temporal = await connectTemporal(overrides);
  if (taskQueue) temporal.taskQueue = taskQueue;
  if (identity) temporal.identity = identity;
  return new BlueGreenClient(temporal);
}
