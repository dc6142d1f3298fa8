// Tells the release's sinks what happens, in order, without ever holding the release up. Payloads
// are built from the release's status at the moment of the event.
//
// Today (patch `detached-notifier`) the release hands each told event, and at the end its
// afterRelease gates, to its notifier workflow (workflows/notifier-workflow.ts): a child it starts
// on the first event and abandons when it closes. The run then closes as soon as its result is
// known; the notifier goes on delivering and records failures where `status` shows them.
// Runs started before that deliver themselves: each sink has its own queue of deliveries, each
// delivery is an activity retried for the sink's retryFor, a delivery that still fails becomes a
// `notification-failed` event, and the run stays open until every queue is drained.
import {
  CancellationScope,
  ParentClosePolicy,
  patched,
  proxyActivities,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../contract/activities';
import { parseDuration } from './duration';
import { describeError } from './errors';
import type { ReleaseEvent } from './messages';
import { payloadFrom, wants } from './notifications';
import { handOverSignal, releaseNotifier, type NotifierItem } from './notifier-workflow';
import type { HookName, NotifyEventType, ReleaseSpec } from './spec';
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
  /** Whether this run hands its deliveries over (decided once, when the run starts). */
  private readonly detached: boolean;
  private child?: ChildWorkflowHandle<typeof releaseNotifier>;
  private buffer: NotifierItem[] = [];
  private sending?: Promise<void>;

  constructor(
    private readonly spec: Pick<ReleaseSpec, 'notify'> & { hooks?: Partial<ReleaseSpec['hooks']> },
    private readonly tracker: ReleaseTracker,
  ) {
    this.queues = spec.notify.map(() => Promise.resolve());
    const handsOver = spec.notify.length > 0 || (spec.hooks?.afterRelease?.length ?? 0) > 0;
    this.detached = handsOver && patched('detached-notifier');
    if (spec.notify.length) tracker.onEvent = (e) => this.tell(e);
  }

  /** Whether afterRelease gates go to the notifier workflow instead of being asked by the release. */
  get handsOverGates(): boolean {
    return this.detached;
  }

  private tell(e: ReleaseEvent): void {
    const type = TOLD[e.type];
    if (!type) return;
    const { runId } = workflowInfo();
    const payload = payloadFrom(this.tracker.status, runId, type, e.message, e.at);
    const n = ++this.sequence;
    if (this.detached) {
      const sinks = this.spec.notify.flatMap((sink, index) => (wants(sink, type) ? [index] : []));
      if (sinks.length) this.handOver({ kind: 'delivery', type, sinks, payload, n });
      return;
    }
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

  /** Hands the afterRelease gates to the notifier workflow, with the payload as of now. */
  askAfterRelease(gates: NonNullable<ReleaseSpec['hooks']>['afterRelease']): void {
    const hook: HookName = 'afterRelease';
    gates.forEach((gate, i) => {
      const payload = {
        ...payloadFrom(this.tracker.status, workflowInfo().runId, 'gate', hook, new Date().toISOString()),
        gate: hook,
      };
      this.handOver({ kind: 'gate', gate, field: `hooks.${hook}[${i}]`, payload });
    });
  }

  private handOver(item: NotifierItem): void {
    this.buffer.push(item);
    this.sending ??= this.send();
  }

  /** Sends what is buffered, in order, one signal at a time (whatever piles up meanwhile goes in the next). */
  private async send(last = false): Promise<void> {
    try {
      while (this.buffer.length || last) {
        const items = this.buffer.splice(0);
        // Deliveries outlive an abort: the rollback's own events must still be told.
        await CancellationScope.nonCancellable(async () => {
          const child = this.child ?? (await this.startNotifier());
          await child.signal(handOverSignal, { items, last });
        });
        last = false;
      }
    } catch (err) {
      this.tracker.event(
        'notification-failed',
        `could not hand events to the notifier workflow, so they are not delivered: ${describeError(err)}`,
      );
    } finally {
      this.sending = undefined;
    }
  }

  private async startNotifier(): Promise<ChildWorkflowHandle<typeof releaseNotifier>> {
    const { workflowId, runId } = workflowInfo();
    this.child = await startChild(releaseNotifier, {
      workflowId: `${workflowId}/notify/${runId}`,
      args: [{ release: { workflowId, runId }, sinks: this.spec.notify }],
      // It goes on delivering after this run has closed.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    const ids = this.tracker.status.notifier?.workflowIds ?? [];
    this.tracker.status.notifier = { workflowIds: [...ids, this.child.workflowId] };
    return this.child;
  }

  /**
   * Before the run closes (or continues as new): a run from before the notifier workflow waits for
   * every queued delivery to be made or given up on; a current one only makes sure its notifier
   * has everything and knows nothing more comes, which takes a moment.
   */
  async drain(): Promise<void> {
    if (!this.detached) {
      await Promise.all(this.queues);
      return;
    }
    while (this.sending) await this.sending;
    if (this.child) await (this.sending = this.send(true));
  }
}

function innermost(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
