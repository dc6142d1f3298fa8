// What a release tells the outside world: the payload every webhook, Slack message and gate is
// built from, taken from the release's status at the moment of the event (never a stale copy).
// Pure: the workflow builds payloads, the delivery activity only sends them.
import type { ReleaseStatus } from './messages';
import { defaultNotifyEvents, type NotifyEventType } from './notify-events';
import type { NotifySinkSpec } from './spec';

export interface NotificationPayload {
  release: string;
  runId: string;
  service: string;
  version: string;
  /** What the release moves traffic on (record, listener, backend); absent for releases started before routers. */
  target?: { provider: string; key: string; name: string };
  /** Set when the release is one target of a wave release (docs/waves.md): which, and its target's name. */
  wave?: { release: string; wave: string; target: string };
  /** What happened; `gate` in a gate's POST. */
  event: NotifyEventType | 'gate';
  /** `repair` when `bluegreen repair` is putting the record back after a release that ended without unwinding. */
  kind: 'release' | 'repair';
  phase: string;
  message: string;
  weights: { blue: number; green: number };
  step: { index: number; total: number };
  /** ISO time of the event. */
  at: string;
  /** Web UI page of the release; null unless BLUEGREEN_UI_URL is set on the worker. */
  link: string | null;
}

/** A gate's POST: the payload, plus which gate and (for beforeStep) the percent it is about to set. */
export interface GatePayload extends NotificationPayload {
  gate: 'beforeTraffic' | 'beforeStep' | 'afterRelease';
  percent?: number;
}

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
