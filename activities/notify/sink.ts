// A notification sink tells people or systems about a release's events. Small on purpose:
// `describe` names it as the spec wrote it (never a resolved secret), `post` sends one event
// within a time limit and says in words how it went. A new sink is a file in sinks/ and one
// entry in the factory (index.ts); the contract suite in test/activities/notify/ says when it is done.
import type { NotificationPayload } from '../../contract/notifications';
import type { NotifySinkSpec } from '../../contract/spec';
import { redactor, referencedSecrets, resolveEnvReferences, type Redact } from '../secrets';
import { describeAnswer, describeAttempt, isSuccess, post, type PostResult } from './http';

/** The kinds of sink a spec can name: each is one key of a `notify` entry (the others are its
 * delivery settings). A kind added to the schema is a kind the factory must make. */
export type SinkKind = Exclude<keyof NotifySinkSpec, 'retryFor' | 'timeout' | 'on'>;
export type SinkSpecs = Required<Pick<NotifySinkSpec, SinkKind>>;

export interface PostOptions {
  /** Unique per event and sink; receivers drop duplicates by it (delivery is at least once). */
  deliveryId: string;
  /** Time limit of this POST. */
  timeoutMs: number;
}

/** How one POST went. Every text is redacted and completes "<describe()> …". */
export type SinkAnswer =
  | { delivered: true; status: number }
  | {
      delivered: false;
      /** "did not answer within 10s", "answered HTTP 500: …", "could not be sent: …". */
      answer: string;
      /** The receiver's answer as "HTTP 500: …" or the network error (what older deliveries said). */
      said: string;
      /** Trying again would get the same answer (a 4xx, a missing ${env:NAME}). */
      permanent: boolean;
      /** Why nothing was sent (a missing ${env:NAME}): nothing reached the network. */
      unsent?: Error;
    };

export interface NotificationSink {
  readonly kind: SinkKind;
  /** The sink as the spec wrote it: "webhook https://…", "slack webhook (notify[1])". */
  describe(): string;
  /** Sends one event. Never throws: the answer says what happened. */
  post(payload: NotificationPayload, options: PostOptions): Promise<SinkAnswer>;
}

/** The request a sink sends, secrets resolved; `redact` hides them again in anything said back. */
export interface Prepared {
  url: string;
  body: string;
  headers: Record<string, string>;
  redact: Redact;
}

/** Resolves a sink's ${env:NAME} references; throws MissingEnvError naming the field. */
export function resolveSecrets(
  values: Record<string, string | undefined>,
  field: string,
): { resolved: Record<string, string>; redact: Redact } {
  const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  const resolved = resolveEnvReferences(defined, process.env, field);
  return { resolved, redact: redactor(referencedSecrets(defined, process.env)) };
}

/** Headers every sink sends, so receivers can route and drop duplicates without parsing bodies. */
export function standardHeaders(payload: NotificationPayload, deliveryId: string): Record<string, string> {
  return {
    'x-bluegreen-delivery': deliveryId,
    'x-bluegreen-event': payload.event,
    // A payload queued before repairs notified has no kind: it is a release's.
    'x-bluegreen-kind': payload.kind ?? 'release',
  };
}

/** A 4xx other than 408/429 will answer the same way next time: not worth retrying. */
export const isPermanent = (status: number | undefined): boolean =>
  status !== undefined && status >= 400 && status < 500 && ![408, 429].includes(status);

/** The POST every sink makes once it has prepared its request, worded the same for all. */
export async function send(prepare: () => Prepared, timeoutMs: number): Promise<SinkAnswer> {
  let p: Prepared;
  try {
    p = prepare();
  } catch (err) {
    const message = (err as Error).message;
    return {
      delivered: false,
      answer: `could not be sent: ${message}`,
      said: message,
      permanent: true,
      unsent: err as Error,
    };
  }
  const answer: PostResult = await post(p.url, p.body, p.headers, timeoutMs);
  if (isSuccess(answer)) return { delivered: true, status: answer.status! };
  return {
    delivered: false,
    answer: p.redact(describeAttempt(answer, timeoutMs)),
    said: p.redact(describeAnswer(answer)),
    permanent: isPermanent(answer.status),
  };
}
