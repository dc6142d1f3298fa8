// A Slack sink: posts to an incoming webhook, whose URL is itself the secret (so the sink is named
// by its place in the spec, never by its URL). In the message, `text` is the notification
// fallback and says everything; blocks lay the same facts out for people reading the channel.
import type { NotificationPayload } from '../../../contract/notifications';
import {
  resolveSecrets,
  send,
  standardHeaders,
  type NotificationSink,
  type PostOptions,
  type SinkSpecs,
} from '../sink';

const EMOJI: Record<string, string> = {
  started: ':rocket:',
  paused: ':double_vertical_bar:',
  resumed: ':arrow_forward:',
  'awaiting-approval': ':raised_hand:',
  inconclusive: ':grey_question:',
  frozen: ':ice_cube:',
  shifted: ':twisted_rightwards_arrows:',
  'rolled-back': ':rewind:',
  completed: ':white_check_mark:',
  failed: ':rotating_light:',
};

export interface SlackMessage {
  text: string;
  blocks: object[];
}

export function slackMessage(p: NotificationPayload): SlackMessage {
  const weights = `blue ${p.weights.blue}% / green ${p.weights.green}%`;
  // Older payloads (a release started before repairs notified) have no kind: a release.
  const what = p.kind === 'repair' ? `repair ${p.event}` : p.event;
  const text = `${EMOJI[p.event] ?? ''} ${p.service} ${p.version}: ${what} (${weights}): ${p.message}`.trim();
  const fields = [
    `*Service*\n${p.service}`,
    `*Version*\n${p.version}`,
    `*Weights*\n${weights}`,
    `*Step*\n${p.step.index}/${p.step.total}`,
  ];
  if (p.target) fields.push(`*Target*\n${p.target.name}`);
  if (p.wave) fields.push(`*Wave*\n${p.wave.wave}: ${p.wave.target} (${p.wave.release})`);
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: `${p.service} ${p.version}: ${what}`.slice(0, 150) } },
    { type: 'section', text: { type: 'mrkdwn', text: p.message.slice(0, 3000) } },
    { type: 'section', fields: fields.map((f) => ({ type: 'mrkdwn', text: f })) },
  ];
  const context = [`${p.release} · phase ${p.phase} · ${p.at}`];
  if (p.link) context.push(`<${p.link}|Open in Temporal>`);
  blocks.push({ type: 'context', elements: context.map((t) => ({ type: 'mrkdwn', text: t })) });
  return { text, blocks };
}

export class SlackSink implements NotificationSink {
  readonly kind = 'slack';

  /** `field` names the sink in errors and messages: "notify[1]". */
  constructor(
    private readonly spec: SinkSpecs['slack'],
    private readonly field: string,
  ) {}

  describe(): string {
    return `slack webhook (${this.field})`;
  }

  post(payload: NotificationPayload, options: PostOptions) {
    return send(() => {
      const main = resolveSecrets({ url: this.spec.webhookUrl }, `${this.field}.slack`);
      const body = JSON.stringify(slackMessage(payload));
      return {
        url: main.resolved.url,
        body,
        headers: standardHeaders(payload, options.deliveryId),
        redact: main.redact,
      };
    }, options.timeoutMs);
  }
}
