// What a running release is retrying right now. The workflow's own status only changes when a
// call returns, so during an outage it would keep saying "shifting 1/3" while Temporal retries a
// Route 53 request for minutes. The server keeps every pending activity with its attempt count
// and last failure (describe()); this turns those into sentences for `status`.
import type { temporal } from '@temporalio/proto';
import type { RetryingCall } from '../workflows/messages';
import type { Temporal } from './library/temporal';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;
type Timestamp = { seconds?: number | LongLike | string | null; nanos?: number | null } | null | undefined;
interface LongLike {
  toNumber(): number;
}

/** Each activity type the release runs, as an operator would say it. */
const CALLS: Record<string, string> = {
  route53ChangeWeights: 'changing the weights in Route 53 (ChangeResourceRecordSets)',
  route53AwaitChange: 'waiting for Route 53 to apply a change (GetChange)',
  route53SubmitBatch: "changing Route 53 weights (one batch for the zone's releases)",
  route53ListPage: "reading Route 53 records (one read for the zone's releases)",
  route53ReadWeights: 'reading the weights from Route 53 (ListResourceRecordSets)',
  route53ReadRecords: 'reading the records from Route 53 (ListResourceRecordSets)',
  route53DeleteRecords: 'deleting the records in Route 53 (ChangeResourceRecordSets)',
  route53HostedZone: 'looking up the hosted zone in Route 53 (ListHostedZonesByName)',
  route53EnsureHealthCheck: "creating the new color's Route 53 health check (CreateHealthCheck)",
  route53DeleteHealthCheck: "deleting a color's Route 53 health check (DeleteHealthCheck)",
  route53ListHealthChecks: "listing the record's Route 53 health checks (ListHealthChecks)",
  readTraffic: 'reading the weights from the router',
  shiftTraffic: 'changing the weights in the router and waiting for them to apply',
  removeTraffic: 'removing the records from the router',
  provisionColor: 'provisioning the new color',
  decommissionColor: 'decommissioning a color',
  locateColor: 'locating a color',
  checkHealth: 'health-checking the new color',
  smokeTest: 'running the smoke test (verify.command)',
  watchAnalysis: 'judging the new color (analysis)',
  analyzeRound: 'judging the new color (one analysis round)',
  analyzeColor: 'judging the new color',
  askGate: 'asking a webhook gate',
  notify: 'delivering a notification',
  resolveVersion: 'reading the version (versionFrom)',
  liveVersion: 'reading the live version',
  colorHosts: 'finding which host runs each color',
};

export function callInWords(activityType: string): string {
  return CALLS[activityType] ?? `running activity ${activityType}`;
}

function isoOf(t: Timestamp): string | undefined {
  if (!t?.seconds) return undefined;
  const seconds = typeof t.seconds === 'object' ? t.seconds.toNumber() : Number(t.seconds);
  return new Date(seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** The last failure as one sentence: its type (Throttling, InvalidChangeBatch...) and message. */
function failureSentence(f: temporal.api.failure.v1.IFailure | null | undefined): string {
  if (!f) return 'no error reported (the attempt timed out or the worker running it was lost)';
  const type = f.applicationFailureInfo?.type;
  const message = (f.message ?? '').split('\n')[0].trim();
  const timeout = f.timeoutFailureInfo ? 'the attempt timed out' : '';
  const text = message || timeout || 'failed without a message';
  return type && !text.includes(type) ? `${type}: ${text}` : text;
}

/**
 * The pending activities past their first attempt, oldest first. `since` is when the call was
 * first scheduled (from `scheduledAt`, found in history by the caller) or, failing that, when
 * its current attempt was.
 */
export function retryingCalls(
  pending: PendingActivity[] | null | undefined,
  firstScheduled: (activityId: string) => string | undefined = () => undefined,
): RetryingCall[] {
  const out: RetryingCall[] = [];
  for (const a of pending ?? []) {
    if ((a.attempt ?? 1) <= 1) continue;
    const activity = a.activityType?.name ?? 'unknown';
    const call: RetryingCall = {
      activity,
      call: callInWords(activity),
      attempt: a.attempt ?? 0,
      lastError: failureSentence(a.lastFailure),
      since: firstScheduled(a.activityId ?? '') ?? isoOf(a.scheduledTime) ?? new Date().toISOString(),
    };
    if (a.maximumAttempts) call.maxAttempts = a.maximumAttempts;
    const lastAttempt = isoOf(a.lastAttemptCompleteTime);
    if (lastAttempt) call.lastAttemptAt = lastAttempt;
    const next = isoOf(a.nextAttemptScheduleTime);
    if (next) call.nextAttemptAt = next;
    out.push(call);
  }
  return out.sort((x, y) => x.since.localeCompare(y.since));
}

/**
 * When each of the run's recent activities was first scheduled, by activity id: the server's
 * pending-activity record only has its current attempt's times. One page of history, newest first.
 */
export async function firstScheduledTimes(
  t: Temporal,
  workflowId: string,
  runId: string,
): Promise<Map<string, string>> {
  const page = await t.connection.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: t.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 500,
  });
  const out = new Map<string, string>();
  for (const e of page.history?.events ?? []) {
    const id = e.activityTaskScheduledEventAttributes?.activityId;
    const at = isoOf(e.eventTime as Timestamp);
    if (id && at && !out.has(id)) out.set(id, at);
  }
  return out;
}
