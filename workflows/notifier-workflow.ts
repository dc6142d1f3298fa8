// A release's notifier: makes the deliveries and asks the afterRelease gates the release hands it,
// outside the release's own run, so the run closes as soon as its result is known and the record's
// next release can start at once. One per release run (started by it as a child it abandons), one
// queue per sink so each sink hears its events in order, at least once. Its failures, worded for
// a person, are what `bluegreen status` shows among the release's events.
import {
  allHandlersFinished,
  ActivityFailure,
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, AttemptResult } from '../contract/activities';
import { formatDuration, parseDuration } from './duration';
import { describeError } from './errors';
import { deliveriesQuery, type DeliveriesStatus, type ReleaseEvent } from './messages';
import type { GatePayload, NotificationPayload } from './notifications';
import type { GateSpec, NotifySinkSpec } from './spec';
import type { NotifyEventType } from './notify-events';

export type NotifierItem =
  | { kind: 'delivery'; type: NotifyEventType; sinks: number[]; payload: NotificationPayload; n: number }
  | { kind: 'gate'; gate: GateSpec; field: string; payload: GatePayload };

/** What a release sends its notifier; `last` says the release has nothing more to hand over. */
export interface HandOver {
  items: NotifierItem[];
  last?: boolean;
}
export const handOverSignal = defineSignal<[HandOver]>('hand-over');

interface Delivery {
  type: NotifyEventType;
  payload: NotificationPayload;
  deliveryId: string;
}
type GateItem = Extract<NotifierItem, { kind: 'gate' }>;

interface NotifierState {
  queues: Delivery[][];
  gates: GateItem[];
  events: ReleaseEvent[];
  delivered: number;
  last: boolean;
}

export interface NotifierInput {
  release: { workflowId: string; runId: string };
  sinks: NotifySinkSpec[];
  /** Carried over when a long-idle notifier continues as new. */
  state?: NotifierState;
}

/** Defaults of sinks parsed before `timeout` existed, and the schema's own. */
const DEFAULT_TIMEOUT = '10s';
const DEFAULT_RETRY_FOR = '2m';
/** How long the notifier sits idle before it asks whether its release is still open: a release
 * that was terminated never says it is done. */
const IDLE_CHECK = '1h';
const MAX_EVENTS = 200;

export async function releaseNotifier(input: NotifierInput): Promise<DeliveriesStatus> {
  const { sinks, release } = input;
  const state: NotifierState = input.state ?? {
    queues: sinks.map(() => []),
    gates: [],
    events: [],
    delivered: 0,
    last: false,
  };
  const idle = () => state.gates.length === 0 && state.queues.every((q) => q.length === 0);
  const summary = (): DeliveriesStatus => ({
    pending: state.gates.length + state.queues.reduce((n, q) => n + q.length, 0),
    delivered: state.delivered,
    events: state.events,
    finished: state.last && idle(),
  });
  const record = (type: string, message: string) => {
    state.events.push({ at: new Date().toISOString(), type, message });
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
  };

  setHandler(handOverSignal, ({ items, last }) => {
    for (const item of items) {
      if (item.kind === 'gate') state.gates.push(item);
      else
        for (const i of item.sinks)
          state.queues[i]?.push({
            type: item.type,
            payload: item.payload,
            deliveryId: `${release.runId}:${item.n}:${i}`,
          });
    }
    if (last) state.last = true;
  });
  setHandler(deliveriesQuery, summary, {
    description: 'Deliveries and afterRelease gates of the release: pending, made, and what failed.',
  });

  const lookup = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });

  /** One sink's queue, in order: the head stays queued until it is delivered or given up on. */
  async function sinkLoop(index: number): Promise<void> {
    for (;;) {
      await condition(() => state.queues[index].length > 0 || state.last);
      const next = state.queues[index][0];
      if (!next) return;
      const failure = await deliver(index, next);
      if (failure) record('notification-failed', failure);
      else state.delivered++;
      state.queues[index].shift();
    }
  }

  /** Tries one delivery until it lands or the sink's retryFor runs out; returns the failure in words. */
  async function deliver(index: number, d: Delivery): Promise<string | undefined> {
    const sink = sinks[index];
    const timeoutMs = parseDuration(sink.timeout ?? DEFAULT_TIMEOUT);
    const retryFor = sink.retryFor ?? DEFAULT_RETRY_FOR;
    // Temporal retries an attempt only when the worker is lost; the sink's answers are judged here.
    const act = proxyActivities<Activities>({
      startToCloseTimeout: timeoutMs + 15_000,
      retry: { initialInterval: '1s', maximumAttempts: 3 },
    });
    const began = Date.now();
    const answers: string[] = [];
    let pause = 1000;
    let last: Extract<AttemptResult, { delivered: false }>;
    for (;;) {
      try {
        const r = await act.sendNotification({ sink, index, payload: d.payload, deliveryId: d.deliveryId, timeoutMs });
        if (r.delivered) return undefined;
        last = r;
      } catch (err) {
        last = { delivered: false, where: whereOf(sink, index), answer: attemptLost(err), permanent: false };
      }
      answers.push(last.answer);
      const elapsed = Date.now() - began;
      if (last.permanent || elapsed + pause > parseDuration(retryFor)) {
        const what = `${d.type} was not delivered to notify[${index}]: the ${last.where}`;
        if (last.permanent) return `${what} ${last.answer}; not retried, as the same request would get the same answer`;
        const times =
          answers.length === 1 ? 'on its only attempt' : `${answers.length} times over ${formatDuration(elapsed)}`;
        const same = answers.every((a) => a === last.answer);
        return same
          ? `${what} ${last.answer}, ${times} (retryFor ${retryFor})`
          : `${what} failed ${times} (retryFor ${retryFor}); last: it ${last.answer}`;
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 20_000);
    }
  }

  async function gateLoop(): Promise<void> {
    for (;;) {
      await condition(() => state.gates.length > 0 || state.last);
      const g = state.gates[0];
      if (!g) return;
      // As the release asked its gates: the gate retries an unreachable URL itself until its timeout.
      const act = proxyActivities<Activities>({
        startToCloseTimeout: parseDuration(g.gate.timeout) + 30_000,
        heartbeatTimeout: '30s',
        retry: { maximumAttempts: 3 },
      });
      try {
        const verdict = await act.askGate({ gate: g.gate, field: g.field, payload: g.payload });
        record(verdict.passed ? 'gate' : 'gate-failed', verdict.message);
      } catch (err) {
        record('gate-failed', `gate afterRelease (${g.gate.url}) was not asked: ${attemptLost(err)}`);
      }
      state.gates.shift();
    }
  }

  const loops = [...sinks.map((_, i) => sinkLoop(i)), gateLoop()];
  while (!(await condition(() => state.last && idle(), IDLE_CHECK))) {
    if (!idle()) continue;
    const open = await lookup.releaseRunOpen(release).catch(() => true);
    if (!open) {
      record('notifier-ended', 'the release run ended without handing over its last events (terminated?)');
      state.last = true;
      break;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (idle()) await continueAsNew<typeof releaseNotifier>({ ...input, state });
    }
  }
  await Promise.all(loops);
  await condition(allHandlersFinished);
  return summary();
}

function whereOf(sink: NotifySinkSpec, index: number): string {
  return sink.webhook ? `webhook ${sink.webhook.url}` : `slack webhook (notify[${index}])`;
}

/** An attempt that failed in Temporal rather than at the sink, in words (never Temporal's text). */
function attemptLost(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure)
    return 'could not be tried: no worker finished the attempt in time (is a worker running?)';
  return `could not be tried: ${describeError(err)}`;
}
