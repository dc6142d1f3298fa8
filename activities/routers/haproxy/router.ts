// An HAProxy backend as a traffic router: one server per color, weighted through the Runtime API
// (`set server <backend>/<server> weight N`). Weights are the percentages themselves (HAProxy
// takes 0–256, relative within the backend). Both servers at 0 is a backend no release has used
// yet: nothing is routed, as with Route 53 before its records exist. Changes apply to the next
// request, so every change is effective at once.
import { ApplicationFailure } from '@temporalio/common';
import { colors, type Color } from '../../../contract/spec';
import type { HaproxyRouterSpec } from '../../../contract/router-spec';
import { targetOfRouter } from '../../../contract/target';
import type { ObservedWeights, TrafficRouter, WeightChange, Weights } from '../router';
import { RuntimeApi } from './runtime-api';

/** Requests each color's server has handled since HAProxy started (`show stat` column stot). */
export type RequestCounters = Record<Color, number>;

export class HaproxyRouter implements TrafficRouter {
  readonly target: string;
  private readonly api: RuntimeApi;

  constructor(private readonly spec: HaproxyRouterSpec) {
    this.target = targetOfRouter(spec).name;
    this.api = new RuntimeApi(spec.runtimeApi);
  }

  async readWeights(): Promise<ObservedWeights> {
    const weights = await this.currentWeights();
    return weights.blue === 0 && weights.green === 0 ? {} : weights;
  }

  /**
   * Both weights in one command line. The color that gains goes first, so the backend never has
   * both servers at 0 in between; the weights are read first so that a wrong server name fails
   * before anything changes (HAProxy runs the commands of a line one by one).
   */
  async setWeights(weights: Weights): Promise<WeightChange> {
    const before = await this.currentWeights();
    const order = [...colors].sort((a, b) => weights[b] - before[b] - (weights[a] - before[a]));
    const line = order.map((c) => `set server ${this.server(c)} weight ${weights[c]}`).join('; ');
    const answer = await this.api.run(line);
    const problem = answer.split('\n').find((l) => l.trim() !== '');
    if (problem) throw this.refused(problem, `setting ${line}`);
    return { id: `${this.spec.backend}:${weights.blue}/${weights.green}`, effective: true };
  }

  async isEffective(): Promise<boolean> {
    // A Runtime API change applies to the next request HAProxy balances.
    return true;
  }

  /** Back to both servers at 0: the backend as it was before its first release. */
  async removeInitial(): Promise<WeightChange | null> {
    const now = await this.readWeights();
    if (now.blue === undefined && now.green === undefined) return null;
    return this.setWeights({ blue: 0, green: 0 });
  }

  /** Per-color request counters, for the observed traffic share (difference between two reads). */
  async readRequestCounters(): Promise<RequestCounters> {
    const answer = await this.api.run(`show stat ${this.spec.backend} 4 -1`);
    const lines = answer.split('\n').filter((l) => l.trim() !== '');
    const header = lines[0]?.startsWith('# ') ? lines[0].slice(2).split(',') : null;
    if (!header) throw this.refused(lines[0] ?? '(no answer)', `show stat ${this.spec.backend}`);
    const column = (name: string) => header.indexOf(name);
    const counters: Partial<RequestCounters> = {};
    for (const row of lines.slice(1).map((l) => l.split(','))) {
      if (row[column('pxname')] !== this.spec.backend) continue;
      for (const c of colors)
        if (row[column('svname')] === this.spec.servers[c]) counters[c] = Number(row[column('stot')] || 0);
    }
    for (const c of colors)
      if (counters[c] === undefined) throw this.refused('No such server.', `show stat ${this.spec.backend}`, c);
    return counters as RequestCounters;
  }

  private server(color: Color): string {
    return `${this.spec.backend}/${this.spec.servers[color]}`;
  }

  private async currentWeights(): Promise<Weights> {
    const line = colors.map((c) => `get weight ${this.server(c)}`).join('; ');
    const answers = (await this.api.run(line)).split('\n').filter((l) => l.trim() !== '');
    const weights: Partial<Weights> = {};
    colors.forEach((c, i) => {
      const m = /^(\d+) \(initial \d+\)$/.exec(answers[i] ?? '');
      if (!m) throw this.refused(answers[i] ?? '(no answer)', `get weight ${this.server(c)}`, c);
      weights[c] = Number(m[1]);
    });
    return weights as Weights;
  }

  /** HAProxy's answer to a command, as an error naming what to fix. */
  private refused(answer: string, command: string, color?: Color): ApplicationFailure {
    const at = `HAProxy at ${this.spec.runtimeApi}`;
    const { backend, servers } = this.spec;
    const fixes: [RegExp, string][] = [
      [
        /No such backend/i,
        `${at} has no backend "${backend}" (router.backend): name a backend of its configuration, or add it`,
      ],
      [
        /No such server/i,
        color
          ? `backend "${backend}" at ${this.spec.runtimeApi} has no server "${servers[color]}" (router.servers.${color}): name one of its servers, or add a \`server ${servers[color]} <address> weight 0\` line`
          : `backend "${backend}" at ${this.spec.runtimeApi} lacks server "${servers.blue}" or "${servers.green}" (router.servers): name two of its servers`,
      ],
      [
        /permission denied|access denied/i,
        `${at} refused "${command}": its stats socket needs \`level admin\` to change weights`,
      ],
      [
        /static LB algorithm|only accepts weights/i,
        `backend "${backend}" at ${this.spec.runtimeApi} uses a static balancing algorithm, which only takes weights 0% and 100%: use \`balance roundrobin\` (or leastconn) there`,
      ],
    ];
    const known = fixes.find(([pattern]) => pattern.test(answer));
    if (known) return ApplicationFailure.nonRetryable(known[1], 'RouterMisconfigured');
    return ApplicationFailure.retryable(`${at} answered "${answer.trim()}" to "${command}"`, 'RouterError');
  }
}
