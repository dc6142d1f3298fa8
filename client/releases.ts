// The typed client: what the CLI verbs, the demo and the tests do to releases. Everything it
// shows comes from the workflow's `status` query (or, once ended, its result), so the CLI,
// the Web UI and the tests read the same truth.
import os from 'node:os';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { releaseIdOfTarget, trafficTarget } from '../workflows/target';
import { describePlan, planRelease } from '../workflows/plan';
import {
  finalPhases,
  statusQuery,
  updatesByAction,
  type ActionOutcome,
  type OperatorAction,
  type ReleaseInput,
  type ReleaseResult,
  type ReleaseStatus,
  type RetryingCall,
} from '../workflows/messages';
import type { release } from '../workflows/release';
import { versionLabel } from '../workflows/plan';
import { phaseKey, recordKey, serviceKey, versionKey } from '../workflows/search-attributes';
import { releaseStartOptions } from './start-options';
import { withDeliveries } from './deliveries';
import { withLiveAnalysis } from './live-analysis';
import { firstScheduledTimes, retryingCalls } from './retrying';
import type { Temporal } from './library/temporal';
import type { LoadedSpec } from './spec-file';

import { CliError, EXIT } from './errors';
import {
  BlueGreenError,
  ConnectionError,
  NotFoundError,
  ReleaseAlreadyRunningError,
  type RunningRelease,
} from './library/errors';
import { queryTimedOut, replayHint, rootMessage } from './transient';

export { CliError, EXIT };

export function exitCodeFor(result: ReleaseResult | undefined): number {
  if (!result) return EXIT.other;
  return result.outcome === 'completed'
    ? EXIT.completed
    : result.outcome === 'rolled-back'
      ? EXIT.rolledBack
      : EXIT.failed;
}

export { releaseIdFor } from '../workflows/names';

export function operatorIdentity(): string {
  return process.env.BLUEGREEN_IDENTITY || `${os.userInfo().username}@${os.hostname()}`;
}

export interface StartOptions {
  /** Workflow start delay in ms (issue: scheduled releases). */
  startDelayMs?: number;
  /**
   * How long to wait for the record's previous release to close when it already has its result
   * and is only delivering its last notifications. Default 30 s.
   */
  closingWaitMs?: number;
}

/** A release that has its result still runs until its last notifications are out; a new start waits that long. */
export const DEFAULT_CLOSING_WAIT_MS = 30_000;

export async function startRelease(t: Temporal, loaded: LoadedSpec, opts: StartOptions = {}) {
  if (loaded.waves) {
    const { startWaveRelease } = await import('./waves');
    return startWaveRelease(t, loaded, t.identity ?? operatorIdentity(), opts);
  }
  const target = trafficTarget(loaded.spec);
  const id = releaseIdOfTarget(target);
  try {
    return await startReleaseOnce(t, loaded, opts);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const running = await describeRunning(t, id);
    // The previous release ended (watch already showed its result) but its run is still
    // delivering its last notifications: starting the next one right after is the normal
    // script, so wait for the close rather than refuse it.
    if (running.phase && (finalPhases as readonly string[]).includes(running.phase)) {
      if (await closedWithin(t, id, opts.closingWaitMs ?? DEFAULT_CLOSING_WAIT_MS)) {
        try {
          return await startReleaseOnce(t, loaded, opts);
        } catch (again) {
          if (!(again instanceof WorkflowExecutionAlreadyStartedError)) throw again;
        }
      }
      throw new ReleaseAlreadyRunningError(target.name, await describeRunning(t, id));
    }
    throw new ReleaseAlreadyRunningError(target.name, running);
  }
}

/** Whether the record's open run closes within `ms`. */
async function closedWithin(t: Temporal, id: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    // Not found any more (removed by retention) counts as closed: the start will tell.
    const d = await t.client.workflow
      .getHandle(id)
      .describe()
      .catch((err: Error) => {
        if (err.name === 'WorkflowNotFoundError') return undefined;
        throw err;
      });
    if (d?.status.name !== 'RUNNING') return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function startReleaseOnce(t: Temporal, loaded: LoadedSpec, opts: StartOptions) {
  const { spec } = loaded;
  const target = trafficTarget(spec);
  const id = releaseIdOfTarget(target);
  const input: ReleaseInput = { spec, specDir: loaded.specDir, requestedBy: t.identity ?? operatorIdentity() };
  const searchable = { service: spec.service, version: spec.version ?? 'versionFrom', record: target.searchValue };
  return t.client.workflow.start<typeof release>('release', {
    ...(await releaseStartOptions(t, id, searchable, opts.startDelayMs)),
    args: [input],
    staticSummary: `${spec.service} ${versionLabel(spec)} → ${target.name}`,
    staticDetails: [
      `**${spec.service} ${versionLabel(spec)}** on \`${target.name}\` (${spec.environment.provider} environment${target.provider === 'route53' ? '' : `, ${target.provider} router`})`,
      '',
      "Plan (from the idle color's point of view):",
      ...describePlan(planRelease(spec, 'green', false)).map((l) => `- ${l}`),
      '',
      `Started by ${input.requestedBy}.`,
    ].join('\n'),
  });
}

async function describeRunning(t: Temporal, id: string): Promise<RunningRelease> {
  try {
    const d = await t.client.workflow.getHandle(id).describe();
    return {
      id,
      service: d.typedSearchAttributes.get(serviceKey) ?? '?',
      version: d.typedSearchAttributes.get(versionKey),
      phase: d.typedSearchAttributes.get(phaseKey),
      startTime: d.startTime.toISOString(),
    };
  } catch {
    return { id };
  }
}

/** The result of an ended release, from its completion or from its failure's details. */
export async function endedResult(handle: WorkflowHandle): Promise<ReleaseResult | undefined> {
  try {
    return (await handle.result()) as ReleaseResult;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure) {
      return err.cause.details?.[0] as ReleaseResult | undefined;
    }
    throw err;
  }
}

export interface ReadStatusOptions {
  /**
   * While a call is retrying, also read the router's weights now through a worker (`route53Now`):
   * what the release last set may not be what Route 53 has. Costs a short workflow; `watch`,
   * which reads every second, leaves it off.
   */
  routerNow?: boolean;
}

/** The status of a release; of one run when `runId` is given, else of the record's latest. */
export async function readStatus(
  t: Temporal,
  id: string,
  runId?: string,
  options: ReadStatusOptions = {},
): Promise<ReleaseStatus> {
  const handle = t.client.workflow.getHandle(id, runId);
  // The status query goes out with the describe rather than after it (one round trip less for
  // `bluegreen status`); its answer is used only once the describe says the release has one.
  // Queries replay the workflow on a worker; bound the wait so a missing worker is said plainly.
  const queried = t.connection.withDeadline(Date.now() + 5000, () => handle.query(statusQuery));
  queried.catch(() => undefined);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError')
      throw new NotFoundError(
        'release',
        id,
        `no release with id ${id}${runId ? ` (run ${runId})` : ''} in namespace ${t.namespace}; see \`bluegreen list\``,
      );
    throw err;
  }
  if (scheduledStart(description)) return scheduledStatus(id, description);
  try {
    const status = await queried;
    // Terminated or timed out: the run knew where it was but never unwound; say so and how to repair.
    if (status.waves) return (await import('./waves')).waveStatus(t, description.status.name, status);
    if (description.status.name !== 'RUNNING' && !status.result) {
      // A delayed release aborted before it began changed nothing: nothing to repair.
      if (description.typedSearchAttributes.get(phaseKey) === 'scheduled')
        return statusFromDescription(id, description, undefined);
      return (await import('./repair')).describeUnfinished(t, description, status);
    }
    const shown = withLiveAnalysis(await withDeliveries(t, status), description.raw.pendingActivities);
    if (status.result) return shown;
    return withRetries(t, description, shown, options);
  } catch (err) {
    if (description.status.name !== 'RUNNING') {
      const result = await endedResult(handle).catch(() => undefined);
      return statusFromDescription(id, description, result);
    }
    if (queryTimedOut(err))
      throw new ConnectionError(
        `release ${id} is running but no worker answered its status query within 5s (task queue ${description.taskQueue}): start one with \`bluegreen worker\` on that queue (BLUEGREEN_TASK_QUEUE=${description.taskQueue}).\n(${(err as Error).message})`,
        'worker',
      );
    // A worker answered, with an error: asking again gets the same one.
    const why = rootMessage(err);
    throw new BlueGreenError(`release ${id} is running but its status query failed: ${why}${replayHint(why)}`);
  }
}

type Description = Awaited<ReturnType<WorkflowHandle['describe']>>;

/** A running release's status with the calls Temporal is retrying, and then Route 53's weights now. */
async function withRetries(
  t: Temporal,
  d: Description,
  status: ReleaseStatus,
  options: ReadStatusOptions,
): Promise<ReleaseStatus> {
  const pending = d.raw.pendingActivities;
  let retrying: RetryingCall[] = [];
  if (pending?.some((a) => (a.attempt ?? 1) > 1)) {
    const scheduled = await firstScheduledTimes(t, d.workflowId, d.runId).catch(() => new Map<string, string>());
    retrying = retryingCalls(pending, (activityId) => scheduled.get(activityId));
  } else if (
    !pending?.length &&
    ['shifting', 'rolling-back'].includes(status.phase) &&
    status.target?.provider !== 'alb'
  ) {
    // With batching, a release's Route 53 changes are its zone batcher's activities. Only while
    // the release has no activity of its own (it waits for the batcher's answer): during a hold
    // its analysis is pending, and watch() would otherwise list the batchers every second.
    retrying = await batcherRetries(t, d.taskQueue).catch(() => []);
  }
  if (!retrying.length) return status;
  if (!options.routerNow) return { ...status, retrying };
  const { readTrafficNow, startInput } = await import('./repair');
  const input = await startInput<ReleaseInput>(t, d.workflowId, d.runId).catch(() => undefined);
  const route53Now = input?.spec
    ? await readTrafficNow(t, input.spec, d.taskQueue, 5000)
    : { at: new Date().toISOString(), error: 'the run has no spec to read Route 53 with' };
  return { ...status, retrying, route53Now };
}

/**
 * The retrying calls of the Route 53 batchers serving a task queue (`<queue>-route53-<zone>`): a
 * batched release waits for its batcher's answer, so an outage shows there, not in its own
 * pending activities.
 */
async function batcherRetries(t: Temporal, taskQueue: string): Promise<RetryingCall[]> {
  const prefix = `${taskQueue}-route53-`;
  const out: RetryingCall[] = [];
  const query = `WorkflowType = "route53Batcher" AND ExecutionStatus = "Running"`;
  for await (const w of t.client.workflow.list({ query, pageSize: 20 })) {
    if (!w.workflowId.startsWith(prefix)) continue;
    const b = await t.client.workflow.getHandle(w.workflowId, w.runId).describe();
    const pending = b.raw.pendingActivities;
    if (!pending?.some((a) => (a.attempt ?? 1) > 1)) continue;
    const scheduled = await firstScheduledTimes(t, w.workflowId, w.runId).catch(() => new Map<string, string>());
    for (const call of retryingCalls(pending, (id) => scheduled.get(id))) out.push({ ...call, batcher: w.workflowId });
  }
  return out;
}

/** The start time of a release started with --delay/--at that has not begun yet. */
export function scheduledStart(d: Pick<Description, 'status' | 'executionTime' | 'historyLength'>): Date | undefined {
  if (d.status.name !== 'RUNNING' || !d.executionTime) return undefined;
  return d.executionTime.getTime() > Date.now() && d.historyLength <= 2 ? d.executionTime : undefined;
}

function scheduledStatus(id: string, d: Description): ReleaseStatus {
  const at = scheduledStart(d)!.toISOString();
  const base = statusFromDescription(id, d, undefined);
  return {
    ...base,
    phase: 'scheduled',
    result: undefined,
    next: { action: `scheduled, starts at ${at}`, at },
    events: [{ at: d.startTime.toISOString(), type: 'scheduled', message: `scheduled, starts at ${at}` }],
  };
}

function statusFromDescription(id: string, d: Description, result: ReleaseResult | undefined): ReleaseStatus {
  const lastPhase = d.typedSearchAttributes.get(phaseKey);
  return {
    id,
    service: d.typedSearchAttributes.get(serviceKey) ?? '?',
    version: d.typedSearchAttributes.get(versionKey) ?? '?',
    recordName: d.typedSearchAttributes.get(recordKey) ?? '?',
    phase: result?.outcome ?? (lastPhase === 'scheduled' ? 'rolled-back' : 'failed'),
    liveColor: result?.liveColor ?? null,
    newColor: 'blue',
    weights: result?.weights ?? { blue: 0, green: 0 },
    step: { index: 0, total: 0 },
    paused: false,
    events: [],
    result: result ?? endedWithoutResult(d.status.name, lastPhase, d.typedSearchAttributes.get(recordKey) ?? id),
  };
}

/** Terminated or timed out: the workflow could not run its compensations. */
function endedWithoutResult(status: string, lastPhase: string | undefined, record: string): ReleaseResult {
  const none = { liveColor: null, weights: { blue: 0, green: 0 } };
  if (lastPhase === 'scheduled')
    return { outcome: 'rolled-back', reason: 'cancelled before it started; nothing was changed', ...none };
  return {
    outcome: 'failed',
    reason: `the workflow was ${status.toLowerCase().replace('_', ' ')} during ${lastPhase ?? 'the release'}, so no rollback ran`,
    needsHuman: [
      `run \`bluegreen repair ${record.replace(/\.$/, '')}\`: it reads Route 53, then rolls the release back or finishes it`,
    ],
    ...none,
  };
}

export async function sendAction(
  t: Pick<Temporal, 'client' | 'identity'>,
  id: string,
  action: OperatorAction,
  payload: Record<string, string | undefined>,
  runId?: string,
): Promise<ActionOutcome> {
  const handle = t.client.workflow.getHandle(id, runId);
  const body = { ...payload, by: t.identity ?? operatorIdentity() };
  const pending = await handle.describe().then(scheduledStart, () => undefined);
  if (pending) {
    // Nothing has happened yet, so there is nothing to roll back: abort simply cancels it.
    if (action !== 'abort')
      return { accepted: false, message: `cannot ${action}: release is scheduled, starts at ${pending.toISOString()}` };
    await handle.terminate(`aborted before it started by ${body.by}: ${payload.reason}`);
    return {
      accepted: true,
      message: `cancelled the scheduled release (it would have started at ${pending.toISOString()})`,
    };
  }
  try {
    return await handle.executeUpdate(updatesByAction[action] as never, { args: [body] as never });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      return { accepted: false, message: (err.cause as Error | undefined)?.message ?? err.message };
    }
    if ((err as Error).name === 'WorkflowNotFoundError') {
      // Updates only reach running workflows; say how the release ended instead.
      const phase = await handle
        .describe()
        .then((d) => d.typedSearchAttributes.get(phaseKey) ?? d.status.name.toLowerCase())
        .catch(() => undefined);
      return {
        accepted: false,
        message: phase
          ? `cannot ${action}: release has ended (${phase})`
          : `cannot ${action}: no release with id ${id}; see \`bluegreen list\``,
      };
    }
    throw err;
  }
}

export interface ListedRelease {
  id: string;
  runId: string;
  /** `release`, or `repair` for a run of `bluegreen repair`. */
  type: string;
  record?: string;
  service?: string;
  version?: string;
  phase?: string;
  status: string;
  startTime: string;
  /** When a release started with --delay/--at begins (or began). */
  startsAt?: string;
  closeTime?: string;
}

export async function listReleases(
  t: Temporal,
  filter: { service?: string; running?: boolean; limit?: number },
): Promise<ListedRelease[]> {
  // Repairs run under the release id and report like releases, so they are listed too.
  const clauses = [`(WorkflowType = "release" OR WorkflowType = "repair" OR WorkflowType = "waveRelease")`];
  if (filter.service) clauses.push(`${serviceKey.name} = "${filter.service.replace(/"/g, '')}"`);
  if (filter.running) clauses.push(`ExecutionStatus = "Running"`);
  const out: ListedRelease[] = [];
  const limit = filter.limit ?? 50;
  // One page of exactly what is printed: the default page is 1,000 releases.
  for await (const w of t.client.workflow.list({ query: clauses.join(' AND '), pageSize: limit })) {
    out.push({
      id: w.workflowId,
      runId: w.runId,
      type: w.type,
      record: w.typedSearchAttributes.get(recordKey)?.replace(/\.$/, ''),
      service: w.typedSearchAttributes.get(serviceKey),
      version: w.typedSearchAttributes.get(versionKey),
      phase: w.typedSearchAttributes.get(phaseKey),
      status: w.status.name,
      startTime: w.startTime.toISOString(),
      startsAt:
        w.executionTime && w.executionTime.getTime() !== w.startTime.getTime()
          ? w.executionTime.toISOString()
          : undefined,
      closeTime: w.closeTime?.toISOString(),
    });
    if (out.length >= limit) break;
  }
  return out;
}
