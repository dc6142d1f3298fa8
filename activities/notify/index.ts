// Deliveries and gates: the only code that talks to webhooks, Slack and gate URLs. The workflow
// builds every payload from its state at the moment of the event; these activities resolve
// ${env:NAME} secrets, sign, send, and say what happened without ever repeating a secret.
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { GatePayload, NotificationPayload } from '../../workflows/notifications';
import { parseDuration } from '../../workflows/duration';
import type { GateSpec, NotifySinkSpec } from '../../workflows/spec';
import { MissingEnvError, resolveEnvReferences } from '../secrets';
import { describeAnswer, describeAttempt, isSuccess, post } from './http';
import { slackMessage } from './slack';

export interface DeliveryRequest {
  sink: Pick<NotifySinkSpec, 'webhook' | 'slack'>;
  /** Which sink of spec.notify, for messages ("notify[1]"). */
  index: number;
  payload: NotificationPayload;
  /** Unique per event and sink; receivers drop duplicates by it (delivery is at least once). */
  deliveryId: string;
}

export interface GateRequest {
  gate: GateSpec;
  /** "hooks.beforeStep[0]", for messages. */
  field: string;
  payload: GatePayload;
}

export interface GateVerdict {
  passed: boolean;
  message: string;
}

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

/** Replaces every resolved secret value in a message with ***. */
function redactor(secrets: string[]): (text: string) => string {
  const values = secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => values.reduce((t, v) => t.split(v).join('***'), text);
}

function resolve(values: Record<string, string | undefined>, field: string) {
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const resolved = resolveEnvReferences(defined, process.env, field);
  const secrets = Object.entries(resolved)
    .filter(([k]) => defined[k] !== resolved[k])
    .map(([, v]) => v);
  return { resolved, redact: redactor(secrets) };
}

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface PreparedDelivery {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** The sink as the spec wrote it ("webhook https://…"), never with a resolved secret. */
  where: string;
  redact: (text: string) => string;
}

/** Resolves the sink's ${env:NAME} references and builds the POST; throws naming the field when one is missing. */
function prepareDelivery(req: DeliveryRequest): PreparedDelivery {
  const payload: NotificationPayload = { ...req.payload, link: releaseLink(req.payload.release, req.payload.runId) };
  const field = `notify[${req.index}]`;
  const headers: Record<string, string> = {
    'x-bluegreen-delivery': req.deliveryId,
    'x-bluegreen-event': payload.event,
    // A payload queued before repairs notified has no kind: it is a release's.
    'x-bluegreen-kind': payload.kind ?? 'release',
  };
  if (req.sink.webhook) {
    const w = req.sink.webhook;
    const extra = resolve(w.headers ?? {}, `${field}.webhook.headers`);
    const main = resolve({ url: w.url, secret: w.secret }, `${field}.webhook`);
    const body = JSON.stringify(payload);
    Object.assign(headers, extra.resolved);
    if (main.resolved.secret) headers['x-bluegreen-signature'] = signature(body, main.resolved.secret);
    return {
      url: main.resolved.url,
      body,
      headers,
      where: `webhook ${w.url}`,
      redact: (t) => extra.redact(main.redact(t)),
    };
  }
  const main = resolve({ url: req.sink.slack!.webhookUrl }, `${field}.slack`);
  return {
    url: main.resolved.url,
    body: JSON.stringify(slackMessage(payload)),
    headers,
    where: `slack webhook (${field})`,
    redact: main.redact,
  };
}

/** A 4xx other than 408/429 will answer the same way next time: not worth retrying. */
const isPermanent = (status: number | undefined): boolean =>
  status !== undefined && status >= 400 && status < 500 && ![408, 429].includes(status);

/** Sends one notification (releases started before the notifier workflow). Throws (retryably) on
 * a failed attempt: Temporal's retry policy bounds the whole delivery, and the workflow records a
 * final failure. */
export async function deliverNotification(req: DeliveryRequest): Promise<{ status: number }> {
  let d: PreparedDelivery;
  try {
    d = prepareDelivery(req);
  } catch (err) {
    // The worker's environment will not change between attempts: retrying for the sink's whole
    // retryFor only delays the notification-failed event that tells the operator what to set.
    if (err instanceof MissingEnvError) throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
  const answer = await post(d.url, d.body, d.headers, ATTEMPT_TIMEOUT_MS);
  if (isSuccess(answer)) return { status: answer.status! };
  const message = d.redact(`${d.where} answered ${describeAnswer(answer)}`);
  throw isPermanent(answer.status)
    ? ApplicationFailure.nonRetryable(message, 'NotificationRejected')
    : ApplicationFailure.retryable(message, 'NotificationFailed');
}

export interface AttemptRequest extends DeliveryRequest {
  /** Time limit of this POST (the sink's `timeout`). */
  timeoutMs: number;
}

/** How one POST went, worded for a person; the notifier workflow decides whether to try again. */
export type AttemptResult =
  | { delivered: true; status: number }
  | {
      delivered: false;
      /** The sink as the spec wrote it: "webhook https://…", "slack webhook (notify[1])". */
      where: string;
      /** What happened, completing "the webhook … ": "did not answer within 10s", "answered HTTP 500: …". */
      answer: string;
      /** Trying again would get the same answer (a 4xx, a missing ${env:NAME}). */
      permanent: boolean;
    };

/** One POST to a sink within its timeout. Never throws for the sink's answer: the result says it. */
export async function attemptDelivery(req: AttemptRequest): Promise<AttemptResult> {
  let d: PreparedDelivery;
  try {
    d = prepareDelivery(req);
  } catch (err) {
    const where = req.sink.webhook ? `webhook ${req.sink.webhook.url}` : `slack webhook (notify[${req.index}])`;
    return { delivered: false, where, answer: `could not be sent: ${(err as Error).message}`, permanent: true };
  }
  const answer = await post(d.url, d.body, d.headers, req.timeoutMs);
  if (isSuccess(answer)) return { delivered: true, status: answer.status! };
  return {
    delivered: false,
    where: d.where,
    answer: d.redact(describeAttempt(answer, req.timeoutMs)),
    permanent: isPermanent(answer.status),
  };
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
  const { resolved, redact } = resolve({ url: req.gate.url, ...(req.gate.headers ?? {}) }, req.field);
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
