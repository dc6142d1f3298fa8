// What a release tells the outside world: built by the workflow (workflows/notifications.ts),
// sent as it is by the delivery activities (activities/notify/).
import type { NotifyEventType } from './notify-events';

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
