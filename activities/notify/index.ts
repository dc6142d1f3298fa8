// Deliveries and gates: the only code that talks to webhooks, Slack and gate URLs. Sinks are
// made by `createSink` from one file each in sinks/. The workflow
// builds every payload from its state at the moment of the event; these activities resolve
// ${env:NAME} secrets, sign, send, and say what happened without ever repeating a secret.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { GatePayload, NotificationPayload } from '../../contract/notifications';
import { parseDuration } from '../../contract/duration';
import type { NotifySinkSpec } from '../../contract/spec';
import { MissingEnvError } from '../secrets';
import { describeAnswer, isSuccess, post } from './http';
import { resolveSecrets, type NotificationSink, type SinkKind, type SinkSpecs } from './sink';
import { SlackSink } from './sinks/slack';
import { WebhookSink } from './sinks/webhook';

export { signature } from './sinks/webhook';
export type { NotificationSink, SinkAnswer, SinkKind } from './sink';
import type {
  DeliveryRequest,
  GateRequest,
  GateVerdict,
  AttemptRequest,
  AttemptResult,
} from '../../contract/activities';
export type { DeliveryRequest, GateRequest, GateVerdict, AttemptRequest, AttemptResult };

const ATTEMPT_TIMEOUT_MS = 10_000;

/** Web UI page of a release, when the worker knows where the UI is. */
export function releaseLink(release: string, runId: string): string | null {
  const ui = process.env.BLUEGREEN_UI_URL?.replace(/\/$/, '');
  if (!ui) return null;
  let namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  try {
    namespace = Context.current().info.namespace;
  } catch {
    /* outside an activity */
  }
  return `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(release)}/${runId}/history`;
}

type Makers = { [K in SinkKind]: (spec: SinkSpecs[K], field: string) => NotificationSink };

/** One entry per kind of sink the schema allows: a kind without a sink is a compile error. */
const makers: Makers = {
  webhook: (spec, field) => new WebhookSink(spec, field),
  slack: (spec, field) => new SlackSink(spec, field),
};

/** The sink `notify[index]` names (the schema guarantees exactly one kind). */
export function createSink(spec: Pick<NotifySinkSpec, SinkKind>, index: number): NotificationSink {
  const kind = (Object.keys(makers) as SinkKind[]).find((k) => spec[k] !== undefined);
  if (!kind) throw new Error(`notify[${index}] names no sink: give webhook or slack`);
  return (makers[kind] as (s: unknown, field: string) => NotificationSink)(spec[kind], `notify[${index}]`);
}

const withLink = (payload: NotificationPayload): NotificationPayload => ({
  ...payload,
  link: releaseLink(payload.release, payload.runId),
});

/** Sends one notification (releases started before the notifier workflow). Throws (retryably) on
 * a failed attempt: Temporal's retry policy bounds the whole delivery, and the workflow records a
 * final failure. */
export async function deliverNotification(req: DeliveryRequest): Promise<{ status: number }> {
  const sink = createSink(req.sink, req.index);
  const answer = await sink.post(withLink(req.payload), { deliveryId: req.deliveryId, timeoutMs: ATTEMPT_TIMEOUT_MS });
  if (answer.delivered) return { status: answer.status };
  if (answer.unsent) {
    // The worker's environment will not change between attempts: retrying for the sink's whole
    // retryFor only delays the notification-failed event that tells the operator what to set.
    if (answer.unsent instanceof MissingEnvError)
      throw ApplicationFailure.nonRetryable(answer.unsent.message, answer.unsent.name);
    throw answer.unsent;
  }
  const message = `${sink.describe()} answered ${answer.said}`;
  throw answer.permanent
    ? ApplicationFailure.nonRetryable(message, 'NotificationRejected')
    : ApplicationFailure.retryable(message, 'NotificationFailed');
}

/** One POST to a sink within its timeout. Never throws for the sink's answer: the result says it. */
export async function attemptDelivery(req: AttemptRequest): Promise<AttemptResult> {
  const sink = createSink(req.sink, req.index);
  const answer = await sink.post(withLink(req.payload), { deliveryId: req.deliveryId, timeoutMs: req.timeoutMs });
  if (answer.delivered) return answer;
  return { delivered: false, where: sink.describe(), answer: answer.answer, permanent: answer.permanent };
}

/**
 * Asks a gate. A 2xx answer passes; any other answer fails at once, naming the gate, its status
 * and the start of its body. An unreachable gate is retried until its timeout, then fails.
 */
export async function callGate(
  req: GateRequest,
  heartbeat: (details: string) => void = () => undefined,
): Promise<GateVerdict> {
  const payload: GatePayload = { ...req.payload, link: releaseLink(req.payload.release, req.payload.runId) };
  const { resolved, redact } = resolveSecrets({ url: req.gate.url, ...(req.gate.headers ?? {}) }, req.field);
  const { url, ...headers } = resolved;
  const body = JSON.stringify(payload);
  const name = `gate ${req.payload.gate} (${req.gate.url})`;
  const deadline = Date.now() + parseDuration(req.gate.timeout);
  let pause = 1000;
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    const answer = await post(url, body, headers, Math.max(1, Math.min(left, 30_000)));
    if (isSuccess(answer)) return { passed: true, message: `${name} answered HTTP ${answer.status}` };
    if (answer.status !== undefined)
      return { passed: false, message: redact(`${name} answered ${describeAnswer(answer)}`) };
    heartbeat(redact(`attempt ${attempt}: ${answer.error}`));
    // Too little time left for another attempt to mean anything: report the last real answer.
    if (deadline - Date.now() < 250) {
      return {
        passed: false,
        message: redact(`${name} did not answer within ${req.gate.timeout} (last: ${answer.error})`),
      };
    }
    await sleep(Math.min(pause, deadline - Date.now() - 250));
    pause = Math.min(5000, pause * 2);
  }
}
