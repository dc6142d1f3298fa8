// What a Temporal Schedule starts: a small workflow that starts the real release as a child
// under the record's release id. Schedules suffix their workflow ids with a timestamp, so only
// this indirection lets Temporal's one-id-at-a-time rule keep a scheduled release from
// overlapping any other release of the same record, manual or scheduled.
import {
  ApplicationFailure,
  ParentClosePolicy,
  startChild,
  upsertMemo,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { releaseIdOfTarget, trafficTarget } from './target';
import type { ReleaseInput, ReleaseResult } from './messages';
import { release } from './release';
import { phaseKey, recordKey, serviceKey, versionKey } from './search-attributes';

export interface ScheduledRunResult {
  outcome: 'started' | 'skipped';
  releaseId: string;
  releaseRunId?: string;
  reason: string;
  result?: ReleaseResult;
}

export async function scheduledRelease(input: ReleaseInput): Promise<ScheduledRunResult> {
  const { spec } = input;
  const target = trafficTarget(spec);
  const releaseId = releaseIdOfTarget(target);
  const searchable = workflowInfo().typedSearchAttributes.get(serviceKey) !== undefined;
  let child;
  try {
    child = await startChild(release, {
      workflowId: releaseId,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // The release outlives this run if the schedule is deleted or this run is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...(searchable
        ? {
            typedSearchAttributes: [
              { key: serviceKey, value: spec.service },
              { key: versionKey, value: spec.version ?? 'versionFrom' },
              { key: recordKey, value: target.searchValue },
              { key: phaseKey, value: 'provisioning' },
            ],
          }
        : {}),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const reason = `skipped: a release of ${target.name} is already running (${releaseId})`;
      upsertMemo({ outcome: reason });
      return { outcome: 'skipped', releaseId, reason };
    }
    throw err;
  }
  upsertMemo({ releaseRunId: child.firstExecutionRunId });
  // Waiting makes the schedule's overlap policy cover the release itself; a release that does
  // not complete fails this run, which pauses the schedule (pauseOnFailure) for a human to look.
  try {
    const result = await child.result();
    return { outcome: 'started', releaseId, releaseRunId: child.firstExecutionRunId, reason: result.reason, result };
  } catch (err) {
    const cause = (err as { cause?: ApplicationFailure }).cause;
    throw ApplicationFailure.nonRetryable(
      `release ${releaseId} did not complete: ${cause?.message ?? (err as Error).message}`,
      'ReleaseNotCompleted',
      cause?.details?.[0],
    );
  }
}
