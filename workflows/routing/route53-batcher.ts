// One workflow per hosted zone (`<queue>-route53-<zone id>`, bluegreen-route53-Z… by default) that turns the Route 53 requests of
// every release in the zone into few API calls: weight changes due within a short window go out as
// one ChangeResourceRecordSets (one GetChange loop for the batch), reads share
// ListResourceRecordSets pages. Releases hand it requests by signal (signal-with-start, so the
// first one starts it) and hear back by signal. Its requests run as one-request activities on the
// rate-limited Route 53 queues, so the fleet's budget still holds across workers; because it is a
// workflow, a batch being formed survives any worker. docs/architecture.md says why and how.
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { Activities } from '../../contract/activities';
import {
  batchReplySignal,
  batchRequestSignal,
  type BatchReply,
  type BatchRequest,
  type ChangeRequest,
  type Lane,
  type ReadRequest,
} from '../../contract/route53-batch';
import { ROUTE53_BATCHER_QUEUE_SUFFIX, ROUTE53_UNDO_QUEUE_SUFFIX } from '../../contract/queues';
import { PERMANENT_ROUTE53_ERRORS } from '../../contract/route53-errors';
export * from '../../contract/route53-batch';
export { ROUTE53_BATCHER_QUEUE_SUFFIX, ROUTE53_UNDO_QUEUE_SUFFIX };
import { changeCharacters, listingOrder, MAX_BATCH_CHANGES, MAX_BATCH_CHARACTERS } from './route53-records';

/** A submitted batch whose GetChange loop is running: carried into the next run on continue-as-new. */
interface Polling {
  changeId: string;
  lane: Lane;
  waiters: { id: string; from: string }[];
}

export interface BatcherInput {
  zoneId: string;
  /**
   * The releases' task queue, whose Route 53 queues the batcher's requests go to. Batchers run on
   * a queue of their own (`<queue>-route53-batcher`) since workers poll one; absent for those
   * started on the releases' queue, which is then their own.
   */
  fleetQueue?: string;
  /** Window in which `do` changes gather before they go out (undo goes at once). */
  windowMs?: number;
  pending?: BatchRequest[];
  polling?: Polling[];
}

export const DEFAULT_BATCH_WINDOW_MS = 500;
/** A quiet batcher ends; the next request starts it again (signal-with-start). */
const IDLE_MS = 10 * 60_000;
/**
 * Continue as new past this many events (each request costs about three). Kept low: a batcher
 * evicted from a busy worker's cache replays its whole run on its next task, and requests that
 * arrive while a run drains are carried in the next run's input.
 */
const MAX_EVENTS = 2000;
const LIST_PAGE_LIMIT = 50;

/** One batcher per zone and task queue (a task queue is a fleet with its own budget). */
export function batcherIdFor(taskQueue: string, zoneId: string): string {
  return `${taskQueue}-route53-${zoneId}`;
}

/** Errors that mean "this batch has a bad record": split it so the others still go through. */
const BAD_BATCH = new Set(['InvalidChangeBatch', 'InvalidInput']);

export async function route53Batcher(input: BatcherInput): Promise<void> {
  const { zoneId } = input;
  const windowMs = input.windowMs ?? DEFAULT_BATCH_WINDOW_MS;
  const fleetQueue = input.fleetQueue ?? workflowInfo().taskQueue;
  const route53Queue = `${fleetQueue}-route53`;
  const queueOf = (lane: Lane) => (lane === 'undo' ? `${fleetQueue}${ROUTE53_UNDO_QUEUE_SUFFIX}` : route53Queue);
  // The one list of Route 53 errors no retry fixes (contract/route53-errors.ts), as every Route 53 call.
  const permanent = [...PERMANENT_ROUTE53_ERRORS];
  // As every Route 53 request before batching: throttling, PriorRequestNotComplete and 5xx are retried.
  const callRetry: RetryPolicy = {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 8,
    nonRetryableErrorTypes: permanent,
  };
  const calls = (lane: Lane) =>
    proxyActivities<Activities>({ taskQueue: queueOf(lane), startToCloseTimeout: '30s', retry: callRetry });
  // GetChange: PENDING fails the attempt, the retry policy is the polling loop. The undo lane polls
  // at once and backs off quickly; the do lane as before (1 s, 2 s, 4 s, then every 5 s).
  const polls = (lane: Lane) =>
    proxyActivities<Activities>({
      taskQueue: queueOf(lane),
      startToCloseTimeout: '30s',
      scheduleToCloseTimeout: '10m',
      retry: {
        initialInterval: lane === 'undo' ? '250ms' : '1s',
        backoffCoefficient: 2,
        maximumInterval: '5s',
        nonRetryableErrorTypes: permanent,
      },
    });

  // Runs started before this rule freed a round's records only when the whole round was done.
  const promptRelease = patched('batcher-frees-records-per-request');
  const pending: BatchRequest[] = [...(input.pending ?? [])];
  const known = new Set(pending.map((r) => r.id));
  /** Records in a ChangeResourceRecordSets request right now: a later change of one waits for it. */
  const busyRecords = new Set<string>();
  let submitting = 0;
  /** Lanes told to stop taking work: the do lane first, the undo lane last (see the end). */
  const stopping: Record<Lane, boolean> = { do: false, undo: false };

  setHandler(batchRequestSignal, (req) => {
    if (known.has(req.id)) return; // a resend of a request still pending or in flight
    known.add(req.id);
    if (req.kind === 'change') {
      // A newer change of the same record supersedes one not sent yet: its release moved on
      // (aborted, or resent the same intent) and weights are absolute.
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i];
        if (p.kind === 'change' && p.record === req.record) pending.splice(i, 1);
      }
    }
    pending.push(req);
  });

  const reply = async (to: { id: string; from: string }[], answer: (id: string) => Omit<BatchReply, 'id'>) => {
    await Promise.all(
      to.map(async ({ id, from }) => {
        known.delete(id);
        try {
          await getExternalWorkflowHandle(from).signal(batchReplySignal, { id, ...answer(id) });
        } catch (err) {
          // The release has ended (or was reset): nobody waits for this answer.
          log.info('route53 batch reply not delivered', { to: from, error: String(err) });
        }
      }),
    );
  };
  const failureOf = (err: unknown): { type: string; message: string } => {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
    return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
  };

  const poll = async (p: Polling) => {
    try {
      const { polls: n } = await polls(p.lane).route53AwaitChange(p.changeId);
      await reply(p.waiters, () => ({ changeId: p.changeId, polls: n }));
    } catch (err) {
      await reply(p.waiters, () => ({ error: failureOf(err) }));
    } finally {
      polling.delete(p);
    }
  };
  const polling = new Set<Polling>();
  const startPolling = (p: Polling) => {
    polling.add(p);
    void poll(p);
  };
  for (const p of input.polling ?? []) startPolling(p);

  /** Sends changes as few requests as the limits allow; a bad record's batch is split until it stands alone. */
  const submit = async (lane: Lane, batch: ChangeRequest[]): Promise<void> => {
    if (batch.length === 0) return;
    const changes = batch.flatMap((r) => r.changes);
    try {
      const changeId = await calls(lane).route53SubmitBatch(zoneId, changes, `bluegreen: ${batch.length} release(s)`);
      log.info('route53 batch submitted', { changeId, lane, releases: batch.length, changes: changes.length });
      startPolling({ changeId, lane, waiters: batch.map(({ id, from }) => ({ id, from })) });
    } catch (err) {
      const failure = failureOf(err);
      if (!BAD_BATCH.has(failure.type)) return reply(batch, () => ({ error: failure }));
      if (batch.length === 1) {
        const [only] = batch;
        // A removal retried after its first try went through finds nothing left to delete.
        const gone = only.changes.every((c) => c.Action === 'DELETE') && /not found/i.test(failure.message);
        return reply(batch, () => (gone ? { changeId: null, polls: 0 } : { error: failure }));
      }
      // Route 53 usually names the bad record: send the others at once, that one alone.
      const named = batch.filter((r) => failure.message.toLowerCase().includes(r.record.split('|')[0].slice(0, -1)));
      const [first, second] =
        named.length > 0 && named.length < batch.length
          ? [batch.filter((r) => !named.includes(r)), named]
          : [batch.slice(0, batch.length >> 1), batch.slice(batch.length >> 1)];
      log.warn('route53 batch rejected; splitting', { lane, releases: batch.length, error: failure.message });
      await submit(lane, first);
      await submit(lane, second);
    }
  };

  /** Every change of `lane` that may go now, in chunks within Route 53's limits. */
  const takeChanges = (lane: Lane): ChangeRequest[][] => {
    const chunks: ChangeRequest[][] = [];
    let chunk: ChangeRequest[] = [];
    let size = 0;
    let chars = 0;
    for (let i = 0; i < pending.length;) {
      const r = pending[i];
      if (r.kind !== 'change' || r.lane !== lane || busyRecords.has(r.record)) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      const rChars = r.changes.reduce((n, c) => n + changeCharacters(c), 0);
      if (chunk.length && (size + r.changes.length > MAX_BATCH_CHANGES || chars + rChars > MAX_BATCH_CHARACTERS)) {
        chunks.push(chunk);
        chunk = [];
        size = chars = 0;
      }
      chunk.push(r);
      size += r.changes.length;
      chars += rChars;
    }
    if (chunk.length) chunks.push(chunk);
    return chunks;
  };

  /** Reads of `lane`: one pass over the zone's listing from the first wanted name serves them all. */
  const read = async (lane: Lane, reads: ReadRequest[]): Promise<void> => {
    const wanted = [...new Map(reads.map((r) => [r.record, { name: r.name, type: r.type }])).values()];
    wanted.sort((a, b) => (listingOrder(a.name) < listingOrder(b.name) ? -1 : 1));
    const found: ResourceRecordSet[] = [];
    try {
      let start: { name: string; type: string; id?: string } | undefined = wanted[0];
      for (let page = 0; start && page < LIST_PAGE_LIMIT; page++) {
        const out: { records: ResourceRecordSet[]; next?: { name: string; type: string; id?: string } } = await calls(
          lane,
        ).route53ListPage(zoneId, start, wanted);
        found.push(...out.records);
        start = out.next;
      }
    } catch (err) {
      return reply(reads, () => ({ error: failureOf(err) }));
    }
    const byRecord = new Map<string, ResourceRecordSet[]>();
    for (const rr of found) {
      const key = `${rr.Name}|${rr.Type}`;
      const list = byRecord.get(key) ?? [];
      if (!list.some((x) => x.SetIdentifier === rr.SetIdentifier)) list.push(rr);
      byRecord.set(key, list);
    }
    const recordOf = new Map(reads.map((r) => [r.id, r.record]));
    await reply(reads, (id) => ({ records: byRecord.get(recordOf.get(id)!) ?? [] }));
  };

  const ready = (lane: Lane) =>
    pending.some((r) => r.lane === lane && (r.kind === 'read' || !busyRecords.has(r.record)));

  /** One lane: gather (do: for the window; undo: not at all), then reads, then changes. */
  const runLane = async (lane: Lane): Promise<void> => {
    for (;;) {
      await condition(() => stopping[lane] || ready(lane));
      if (stopping[lane]) return;
      if (lane === 'do' && windowMs > 0) await sleep(windowMs);
      const reads = pending.filter((r): r is ReadRequest => r.kind === 'read' && r.lane === lane);
      for (const r of reads) pending.splice(pending.indexOf(r), 1);
      const chunks = takeChanges(lane);
      const records = chunks.flat().map((r) => r.record);
      for (const k of records) busyRecords.add(k);
      submitting++;
      if (promptRelease) {
        // A record is free again once its own request has been answered, not when the slowest part
        // of this round is (a read's answers to hundreds of releases took minutes on a busy
        // server, and an abort's restore of a record shifted in this round waited for them).
        const freed = (c: ChangeRequest[]) => () => c.forEach((r) => busyRecords.delete(r.record));
        try {
          await Promise.all([
            reads.length ? read(lane, reads) : undefined,
            ...chunks.map((c) => submit(lane, c).finally(freed(c))),
          ]);
        } finally {
          submitting--;
        }
        continue;
      }
      try {
        await Promise.all([reads.length ? read(lane, reads) : undefined, ...chunks.map((c) => submit(lane, c))]);
      } finally {
        for (const k of records) busyRecords.delete(k);
        submitting--;
      }
    }
  };

  const lanes = [runLane('undo'), runLane('do')];
  const tooLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_EVENTS;
  let idle = false;
  for (;;) {
    const busy = await condition(() => pending.length > 0 || submitting > 0 || polling.size > 0 || tooLong(), IDLE_MS);
    if (!busy) {
      idle = true;
      break;
    }
    if (tooLong()) break;
    await condition(() => (pending.length === 0 && submitting === 0 && polling.size === 0) || tooLong());
  }
  // The do lane drains first (its window and batch); compensations keep going out meanwhile, so
  // an abort never waits for a run to end. Then the undo lane, whose batches go at once.
  stopping.do = true;
  await lanes[1];
  stopping.undo = true;
  await lanes[0];
  await condition(() => submitting === 0);
  if (idle && pending.length === 0 && polling.size === 0) return;
  // Requests not sent yet and GetChange loops still running go on in the next run.
  await continueAsNew<typeof route53Batcher>({
    zoneId,
    ...(input.fleetQueue ? { fleetQueue: input.fleetQueue } : {}),
    windowMs,
    pending: [...pending],
    polling: [...polling].map(({ changeId, lane, waiters }) => ({ changeId, lane, waiters })),
  });
}
