// A webhook sink: the payload as JSON, signed with HMAC-SHA256 when the spec gives a secret, so
// a receiver can tell bluegreen's POSTs from anyone's.
import { createHmac } from 'node:crypto';
import type { NotificationPayload } from '../../../contract/notifications';
import {
  resolveSecrets,
  send,
  standardHeaders,
  type NotificationSink,
  type PostOptions,
  type SinkSpecs,
} from '../sink';

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSink implements NotificationSink {
  readonly kind = 'webhook';

  /** `field` names the sink in errors: "notify[0]". */
  constructor(
    private readonly spec: SinkSpecs['webhook'],
    private readonly field: string,
  ) {}

  describe(): string {
    return `webhook ${this.spec.url}`;
  }

  post(payload: NotificationPayload, options: PostOptions) {
    return send(() => {
      const extra = resolveSecrets(this.spec.headers ?? {}, `${this.field}.webhook.headers`);
      const main = resolveSecrets({ url: this.spec.url, secret: this.spec.secret }, `${this.field}.webhook`);
      const body = JSON.stringify(payload);
      const headers = { ...standardHeaders(payload, options.deliveryId), ...extra.resolved };
      if (main.resolved.secret) headers['x-bluegreen-signature'] = signature(body, main.resolved.secret);
      return { url: main.resolved.url, body, headers, redact: (t: string) => extra.redact(main.redact(t)) };
    }, options.timeoutMs);
  }
}
