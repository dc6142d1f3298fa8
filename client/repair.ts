// Client side of `bluegreen repair` and of reporting releases that ended without unwinding
// (terminated, timed out). A library function, not CLI code: the CLI verb is a thin layer on it.
//
// What the last release knew comes from its own `status` query: Temporal answers queries on a
// closed run, terminated included, by replaying its history on a worker. Its spec comes from the
// run's start input. Route 53 is only ever read by a worker (the CLI has no AWS credentials).
import { WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { fqdn, releaseIdFor } from '../workflows/names';
import { releaseIdOfTarget, routerWords, trafficTarget } from '../workflows/target';
import { statusQuery, type ReleaseInput, type ReleaseStatus } from '../workflows/messages';
import {
  describeWeights,
  previewRepair,
  workingPhase,
  type LastRelease,
  type RepairInput,
} from '../workflows/repair-plan';
import type { observeTraffic, repair } from '../workflows/repair';
import type { Weights } from '../workflows/plan';
import type { ReleaseSpec } from '../workflows/spec';
import { phaseKey, recordKey, serviceKey, versionKey } from '../workflows/search-attributes';
import { ensureSearchAttributes, taskQueue, type Temporal } from './connect';
import { ActionRefusedError, BlueGreenError, ConnectionError, NotFoundError } from './library/errors';
import { queryTimedOut, replayHint, rootMessage } from './transient';

type Description = Awaited<ReturnType<WorkflowHandle['describe']>>;

/** The queue this connection's workers poll: the library's `taskQueue`, else BLUEGREEN_TASK_QUEUE. */
const queueOf = (t: Temporal): string => t.taskQueue ?? taskQueue();

/** `repair` accepts a record name or a release id (`bluegreen-<record>`). */
export function releaseIdOf(target: string): string {
  // A router's key (`127.0.0.1:9999/shop`, `listener/app/…`) keeps its case: HAProxy names are
  // case-sensitive. A DNS name never has a "/".
  if (target.includes('/')) return target.startsWith('bluegreen-') ? target : `bluegreen-${target}`;
  return target.startsWith('bluegreen-') ? target.toLowerCase() : releaseIdFor(target);
}

export function repairCommandFor(recordName: string): string {
  return `bluegreen repair ${fqdn(recordName).slice(0, -1)}`;
}

/** The repair command of a release: by record name for Route 53 (as always), by release id otherwise. */
export function repairCommandOf(status: Pick<ReleaseStatus, 'id' | 'recordName' | 'target'>): string {
  if (status.target && status.target.provider !== 'route53') return `bluegreen repair ${status.id}`;
  return repairCommandFor(status.recordName);
}

export interface StartedRepair {
  id: string;
  handle: WorkflowHandle<typeof repair>;
  last: LastRelease;
  recordName: string;
}

/**
 * Starts a repair of the record's last release under the record's release id. Refused (exit 2)
 * while a release or another repair runs there, or when the record never had a release.
 */
export async function startRepair(t: Temporal, target: string, requestedBy: string): Promise<StartedRepair> {
  const id = releaseIdOf(target);
  let latest: Description;
  try {
    latest = await t.client.workflow.getHandle(id).describe();
  } catch (err) {
    if ((err as Error).name === 'WorkflowNotFoundError')
      throw new NotFoundError(
        'release',
        id,
        `no release of ${target} found (workflow id ${id}, namespace ${t.namespace}); see \`bluegreen list\``,
      );
    throw err;
  }
  if (latest.status.name === 'RUNNING') {
    if (latest.type === 'repair')
      throw new ActionRefusedError(
        'repair',
        id,
        `refused: a repair of ${id} is already running; follow it with \`bluegreen watch ${id}\``,
      );
    const phase = latest.typedSearchAttributes.get(phaseKey) ?? 'running';
    throw new ActionRefusedError(
      'repair',
      id,
      `refused: release ${id} is running (${phase}); repair is for releases that ended without rolling back.\n` +
        `Stop it with \`bluegreen abort ${id} --reason "..."\`: abort rolls back cleanly (old color to 100 %, new color torn down).`,
    );
  }
  const run = latest.type === 'release' ? latest : await newestReleaseRun(t, id);
  if (!run) throw new NotFoundError('release', id, `no release run of ${id} found to repair; see \`bluegreen list\``);

  const input = await startInput<ReleaseInput>(t, id, run.runId);
  if (!input?.spec) throw new BlueGreenError(`cannot read the spec release ${id} (run ${run.runId}) started with`);
  const status = await closedStatus(t, id, run.runId, run.taskQueue);
  const last: LastRelease = {
    runId: run.runId,
    closedAs: run.status.name,
    ...(run.closeTime ? { closedAt: run.closeTime.toISOString() } : {}),
    ...(status ? { status } : {}),
  };
  const repairInput: RepairInput = { spec: input.spec, specDir: input.specDir, requestedBy, last };
  const { spec } = input;
  const routed = trafficTarget(spec);
  await ensureSearchAttributes(t.connection, t.namespace);
  try {
    const handle = await t.client.workflow.start<typeof repair>('repair', {
      taskQueue: queueOf(t),
      workflowId: id,
      args: [repairInput],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: serviceKey, value: spec.service },
        { key: versionKey, value: status?.version ?? spec.version ?? 'versionFrom' },
        { key: recordKey, value: routed.searchValue },
        { key: phaseKey, value: 'repairing' },
      ],
      staticSummary: `repair ${routed.name} after run ${run.runId.slice(0, 8)} (${run.status.name.toLowerCase()})`,
      staticDetails: `Repair of **${spec.service}** on \`${routed.name}\`, requested by ${requestedBy}: run ${run.runId} ended ${run.status.name.toLowerCase()}. The repair reads ${routerWords(routed.provider)}, then rolls the release back or finishes it; its events say what it found and what it did.`,
    });
    return { id, handle, last, recordName: routed.name };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new ActionRefusedError(
        'repair',
        id,
        `refused: a release or repair of ${id} started meanwhile; see \`bluegreen status ${id}\``,
      );
    throw err;
  }
}

/** The newest run of type `release` under this id (the latest run may be an earlier repair). */
async function newestReleaseRun(t: Temporal, id: string): Promise<Description | undefined> {
  let newest: { runId: string; start: number } | undefined;
  for await (const w of t.client.workflow.list({ query: `WorkflowId = "${id}" AND WorkflowType = "release"` })) {
    if (!newest || w.startTime.getTime() > newest.start) newest = { runId: w.runId, start: w.startTime.getTime() };
  }
  return newest ? t.client.workflow.getHandle(id, newest.runId).describe() : undefined;
}

/**
 * What a closed run knew, from its status query (a worker replays it). Undefined only when the
 * run never ran its code. A query that fails otherwise is thrown: planned from the router alone,
 * a repair could find the weights settled and leave the run's provisioned color running.
 */
async function closedStatus(
  t: Temporal,
  id: string,
  runId: string,
  releaseQueue: string,
): Promise<ReleaseStatus | undefined> {
  const handle = t.client.workflow.getHandle(id, runId);
  try {
    return await t.connection.withDeadline(Date.now() + 10_000, () => handle.query(statusQuery));
  } catch (err) {
    if (queryTimedOut(err))
      throw new ConnectionError(
        `no worker answered the status query of ${id} within 10s (task queue ${releaseQueue}, the release's): start one with \`bluegreen worker\` on that queue (BLUEGREEN_TASK_QUEUE=${releaseQueue}); repair runs on it too.`,
        'worker',
      );
    if (!(await ranItsCode(t, id, runId))) return undefined;
    const why = rootMessage(err);
    throw new BlueGreenError(
      `cannot read what run ${runId} of ${id} knew: its status query failed: ${why}${replayHint(why)}\n` +
        'repair decides from what the run knew; it does not guess from Route 53 alone.',
    );
  }
}

/** Whether a run completed a workflow task, i.e. its code ran (a run terminated before that
 * changed nothing). The first task completes within the first few events. */
async function ranItsCode(t: Temporal, id: string, runId: string): Promise<boolean> {
  const page = await t.connection.workflowService.getWorkflowExecutionHistory({
    namespace: t.namespace,
    execution: { workflowId: id, runId },
    maximumPageSize: 10,
  });
  const completed = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED;
  return (page.history?.events ?? []).some((e) => e.eventType === completed);
}

/** The first argument a run was started with, from its first history event. */
export async function startInput<T>(t: Temporal, id: string, runId: string): Promise<T | undefined> {
  const page = await t.connection.workflowService.getWorkflowExecutionHistory({
    namespace: t.namespace,
    execution: { workflowId: id, runId },
    maximumPageSize: 1,
  });
  const payload = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<T>(payload) : undefined;
}

/** Who ended a run and why, when it was terminated (from its last history event). */
async function termination(t: Temporal, id: string, runId: string): Promise<{ by?: string; reason?: string }> {
  const page = await t.connection.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: t.namespace,
    execution: { workflowId: id, runId },
    maximumPageSize: 1,
  });
  const event = page.history?.events?.[0];
  const attrs = event?.workflowExecutionTerminatedEventAttributes;
  if (!event || event.eventType !== temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED || !attrs)
    return {};
  return { ...(attrs.identity ? { by: attrs.identity } : {}), ...(attrs.reason ? { reason: attrs.reason } : {}) };
}

/** Route 53's weights now, read by a worker in a short workflow of its own (distinct id). */
export async function readTrafficNow(
  t: Temporal,
  spec: ReleaseSpec,
  queue = queueOf(t),
  deadlineMs = 15_000,
): Promise<{ at: string; weights?: Partial<Weights>; error?: string }> {
  const target = trafficTarget(spec);
  const id = `${releaseIdOfTarget(target)}-${target.provider}-${Date.now().toString(36)}`;
  try {
    const handle = await t.client.workflow.start<typeof observeTraffic>('observeTraffic', {
      taskQueue: queue,
      workflowId: id,
      args: [spec],
      workflowExecutionTimeout: '2m',
      staticSummary: `read the ${routerWords(target.provider)} weights of ${target.name}`,
    });
    const weights = await t.connection.withDeadline(Date.now() + deadlineMs, () => handle.result());
    return { at: new Date().toISOString(), weights };
  } catch (err) {
    return {
      at: new Date().toISOString(),
      error: `could not read ${routerWords(target.provider)} through a worker (task queue ${queue}): ${(err as Error).message.split('\n')[0]}`,
    };
  }
}

/**
 * The status of a run that ended without running its own code: its last known state, plus how it
 * ended, who ended it, the weights in Route 53 now, and the `repair` command with what it would do.
 */
export async function describeUnfinished(t: Temporal, d: Description, status: ReleaseStatus): Promise<ReleaseStatus> {
  const how = d.status.name.toLowerCase().replace(/_/g, ' ');
  const [ended, input] = await Promise.all([
    termination(t, d.workflowId, d.runId).catch(() => ({}) as { by?: string; reason?: string }),
    startInput<ReleaseInput>(t, d.workflowId, d.runId).catch(() => undefined),
  ]);
  const where = routerWords(status.target?.provider ?? 'route53');
  // `route53Now` keeps its name (clients read it); it holds whatever router the release moves.
  const route53Now = input?.spec
    ? await readTrafficNow(t, input.spec, d.taskQueue)
    : { at: new Date().toISOString(), error: `the run has no spec to read ${where} with` };
  const command = repairCommandOf(status);
  const preview =
    d.type === 'release' && route53Now.weights
      ? `: ${previewRepair({ runId: d.runId, closedAs: d.status.name, status }, route53Now.weights, where)}`
      : '';
  const phase = workingPhase(status);
  const by = ended.by ? ` by ${ended.by}` : '';
  return {
    ...status,
    // It will not do what it was about to do: drop the plans of the ended run.
    next: undefined,
    pendingApproval: undefined,
    ended: {
      how,
      ...(d.closeTime ? { at: d.closeTime.toISOString() } : {}),
      ...ended,
      repair: command,
    },
    route53Now,
    result: {
      outcome: 'failed',
      reason: `the workflow was ${how}${by} during ${phase}${ended.reason ? ` (${ended.reason})` : ''}, so ${d.type === 'repair' ? 'the repair did not finish' : 'its rollback never ran'}; ${where} now has ${route53Now.weights ? describeWeights(route53Now.weights) : 'unknown weights'}`,
      needsHuman: [`run \`${command}\`${preview}`],
      liveColor: null,
      weights: { blue: route53Now.weights?.blue ?? 0, green: route53Now.weights?.green ?? 0 },
    },
  };
}
