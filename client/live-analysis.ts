// The newest analysis round of a running release. The workflow hears from its `watchAnalysis`
// activity only when a round is not passed or its window (up to 15 minutes) ends, so the status
// query's passing values can be minutes old. Each round also rides on the activity's heartbeat,
// which Temporal keeps with the pending activity: the status overlays it when it is newer.
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { WatchReport } from '../activities/watch';
import type { ReleaseStatus } from '../workflows/messages';
import type { ObservedShare } from '../workflows/observed-share';

type PendingActivity = temporal.api.workflow.v1.IPendingActivityInfo;

/** `status` with its analysis lines replaced by a newer round from a pending watchAnalysis heartbeat. */
export function withLiveAnalysis(status: ReleaseStatus, pending: PendingActivity[] | null | undefined): ReleaseStatus {
  return withLiveShare(withLiveMetrics(status, pending), pending);
}

/**
 * `observedShare` replaced by a newer one from a pending watchAnalysis or settleTraffic
 * heartbeat: both read the share at every round.
 */
export function withLiveShare(status: ReleaseStatus, pending: PendingActivity[] | null | undefined): ReleaseStatus {
  const known = status.observedShare ?? null;
  const live = (pending ?? [])
    .filter((a) => a.activityType?.name === 'watchAnalysis' || a.activityType?.name === 'settleTraffic')
    .map((a) => heartbeatOf<{ observedShare?: ObservedShare }>(a)?.observedShare)
    .find((s) => s?.at !== undefined);
  const newer = live && (!known || Date.parse(live.at) > Date.parse(known.at));
  return newer ? { ...status, observedShare: live } : status;
}

function withLiveMetrics(status: ReleaseStatus, pending: PendingActivity[] | null | undefined): ReleaseStatus {
  const report = latestWatchReport(pending ?? []);
  if (!report?.measurements?.length) return status;
  const lines = status.analysis?.metrics ?? [];
  const known = new Set(lines.map((l) => l.name));
  const newer = new Map(report.measurements.map((m) => [m.name, m]));
  return {
    ...status,
    analysis: {
      ...status.analysis,
      metrics: [
        // Counters stay the workflow's: only it judges; the heartbeat brings the latest reading.
        ...lines.map((line) => {
          const m = newer.get(line.name);
          return m && Date.parse(report.at) > Date.parse(line.at) ? { ...line, ...m, at: report.at } : line;
        }),
        // Metrics the workflow has not heard of yet: every round so far passed.
        ...report.measurements
          .filter((m) => !known.has(m.name))
          .map((m) => ({ ...m, at: report.at, failures: 0, inconclusive: 0 })),
      ],
    },
  };
}

function latestWatchReport(pending: PendingActivity[]): WatchReport | undefined {
  const watch = pending.find((a) => a.activityType?.name === 'watchAnalysis');
  return watch && heartbeatOf<WatchReport>(watch);
}

function heartbeatOf<T>(activity: PendingActivity): T | undefined {
  const payload = activity.heartbeatDetails?.payloads?.[0];
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
  } catch {
    return undefined; // an unreadable heartbeat is no reason to fail a status read
  }
}
