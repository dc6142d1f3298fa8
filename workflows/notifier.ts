// Tells the release's sinks what happens, in order, without ever holding the release up: each
// sink has its own queue of deliveries, each delivery is an activity retried for the sink's
// retryFor, and a delivery that still fails becomes a `notification-failed` event. Payloads are
// built from the release's status at the moment of the event.
import { CancellationScope, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { parseDuration } from './duration';
import type { ReleaseEvent } from './messages';
import { payloadFrom, wants } from './notifications';
import type { NotifyEventType, ReleaseSpec } from './spec';
import type { ReleaseTracker } from './tracker';

/** Which recorded events are told, under which notification type. */
const TOLD: Record<string, NotifyEventType> = {
  started: 'started',
  // A repair's first phase: it starts changing the record back.
  repairing: 'started',
  pause: 'paused',
  resume: 'resumed',
  'awaiting-approval': 'awaiting-approval',
  inconclusive: 'inconclusive',
  frozen: 'frozen',
  shifted: 'shifted',
  'rolled-back': 'rolled-back',
  completed: 'completed',
  failed: 'failed',
};

export class Notifier {
  private sequence = 0;
  private readonly queues: Promise<void>[];

  constructor(
    private readonly spec: Pick<ReleaseSpec, 'notify'>,
    private readonly tracker: ReleaseTracker,
  ) {
    this.queues = spec.notify.map(() => Promise.resolve());
    if (spec.notify.length) tracker.onEvent = (e) => this.tell(e);
  }

  private tell(e: ReleaseEvent): void {
    const type = TOLD[e.type];
    if (!type) return;
    const { runId } = workflowInfo();
    const payload = payloadFrom(this.tracker.status, runId, type, e.message, e.at);
    const n = ++this.sequence;
    this.spec.notify.forEach((sink, index) => {
      if (!wants(sink, type)) return;
      const act = proxyActivities<Activities>({
        // One attempt is one POST of at most 10 s; the sink's retryFor bounds them all.
        startToCloseTimeout: '30s',
        scheduleToCloseTimeout: parseDuration(sink.retryFor),
        retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s' },
      });
      const request = { sink, index, payload, deliveryId: `${runId}:${n}:${index}` };
      // Deliveries outlive an abort: the rollback's own events must still be told.
      this.queues[index] = this.queues[index].then(() =>
        CancellationScope.nonCancellable(() => act.notify(request)).then(
          () => undefined,
          (err: unknown) => this.tracker.event('notification-failed', `${type} to notify[${index}]: ${innermost(err)}`),
        ),
      );
    });
  }

  /** Resolves when every queued delivery has been made or given up on. */
  async drain(): Promise<void> {
    await Promise.all(this.queues);
  }
}

function innermost(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
