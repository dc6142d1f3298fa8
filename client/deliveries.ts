// A release hands its deliveries and afterRelease gates to its notifier workflows, which go on
// after its run has closed (see workflows/notifier-workflow.ts). `status` shows what they did as
// the release's own events, so an operator reads one timeline whichever workflow recorded it.
import { deliveriesQuery, type DeliveriesStatus, type ReleaseStatus } from '../workflows/messages';
import type { Temporal } from './library/temporal';

export async function withDeliveries(t: Temporal, status: ReleaseStatus): Promise<ReleaseStatus> {
  const ids = status.notifier?.workflowIds ?? [];
  if (!ids.length) return status;
  const answers = await Promise.all(
    ids.map((id) =>
      t.connection
        .withDeadline(Date.now() + 5000, () => t.client.workflow.getHandle(id).query(deliveriesQuery))
        .then(
          (d): DeliveriesStatus | Error => d,
          (err: Error) => err,
        ),
    ),
  );
  const found = answers.filter((a): a is DeliveriesStatus => !(a instanceof Error));
  const added = found.flatMap((d) => d.events);
  // Stable: events at the same moment keep the release's first.
  const events = [...status.events, ...added].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const failed = answers.find((a): a is Error => a instanceof Error);
  return {
    ...status,
    events,
    eventCount: (status.eventCount ?? status.events.length) + added.length,
    notifier: {
      workflowIds: ids,
      pending: found.reduce((n, d) => n + d.pending, 0),
      ...(failed
        ? { unavailable: `the notifier workflow did not answer, so its failures are not shown: ${failed.message}` }
        : {}),
    },
  };
}
