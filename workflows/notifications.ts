// What a release tells the outside world: the payload every webhook, Slack message and gate is
// built from, taken from the release's status at the moment of the event (never a stale copy).
// Pure: the workflow builds payloads, the delivery activity only sends them.
import type { ReleaseStatus } from './messages';
import { defaultNotifyEvents, type NotifyEventType } from './notify-events';
import type { NotifySinkSpec } from './spec';
import type { GatePayload, NotificationPayload } from '../contract/notifications';

export type { GatePayload, NotificationPayload };

export function wants(sink: NotifySinkSpec, event: NotifyEventType): boolean {
  return (sink.on ?? defaultNotifyEvents).includes(event);
}

export function payloadFrom(
  status: ReleaseStatus,
  runId: string,
  event: NotificationPayload['event'],
  message: string,
  at: string,
): NotificationPayload {
  return {
    release: status.id,
    runId,
    service: status.service,
    version: status.version,
    ...(status.target ? { target: { ...status.target } } : {}),
    ...(status.wave ? { wave: { ...status.wave } } : {}),
    event,
    kind: status.repairOf ? 'repair' : 'release',
    phase: status.phase,
    message,
    weights: { ...status.weights },
    step: { ...status.step },
    at,
    // Filled in by the delivery activity: the UI address is worker configuration, not history.
    link: null,
  };
}
