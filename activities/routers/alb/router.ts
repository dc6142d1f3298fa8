// An Application Load Balancer as a traffic router: the forward action of a listener's default
// actions (or of one listener rule) sends traffic to the two colors' target groups by weight.
// ALB weights are 0–999 and relative; we write percentages (0–100) and read any weights back as
// each color's share of their sum. A change applies as soon as the API call returns (no TTL, no
// propagation), so every change is effective at once and isEffective only re-reads to confirm.
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
  type TargetGroupTuple,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplicationFailure } from '@temporalio/common';
import { colors, type Color } from '../../../contract/spec';
import type { AlbRouterSpec } from '../../../contract/router-spec';
import type { ObservedWeights, TrafficRouter, WeightChange, Weights } from '../router';
import { albRegion } from './client';

/** Errors no retry can fix: the spec, the load balancer or the account needs a human. */
const PERMANENT_ERRORS = new Set([
  'ListenerNotFoundException',
  'RuleNotFoundException',
  'TargetGroupNotFoundException',
  'LoadBalancerNotFoundException',
  'OperationNotPermittedException',
  'InvalidConfigurationRequestException',
  'InvalidLoadBalancerActionException',
  'IncompatibleProtocolsException',
  'TargetGroupAssociationLimitException',
  'TooManyActionsException',
  'ValidationError',
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
]);

/** Where the weights live: the listener's default actions, or one rule's actions. */
interface Place {
  actions: Action[];
  forward: Action;
  tuples: TargetGroupTuple[];
}

export class AlbRouter implements TrafficRouter {
  readonly target: string;

  constructor(
    private readonly spec: AlbRouterSpec,
    private readonly client: ElasticLoadBalancingV2Client,
  ) {
    // The ARN's tail (app/<lb>/<id>/<listener id>[/<rule id>]) is unique and readable in a message.
    this.target = spec.ruleArn
      ? `ALB rule ${spec.ruleArn.split(':listener-rule/')[1]}`
      : `ALB listener ${spec.listenerArn.split(':listener/')[1]}`;
  }

  /** The rule, or the listener's default action, with the spec field that names it: for messages. */
  private get where(): string {
    return this.spec.ruleArn
      ? `rule ${this.spec.ruleArn} (router.ruleArn)`
      : `the default action of listener ${this.spec.listenerArn} (router.listenerArn)`;
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.classify(err, action);
    }
  }

  /** Translates an SDK error into one Temporal retries (throttling, 5xx, network) or one it must not. */
  private classify(err: unknown, action: string): ApplicationFailure {
    if (err instanceof ApplicationFailure) return err;
    const e = err as { name?: string; message?: string };
    const name = e?.name ?? 'Error';
    const said = `${name}: ${e?.message ?? String(err)}`;
    const fix: Record<string, string> = {
      ListenerNotFoundException: `listener ${this.spec.listenerArn} does not exist in ${albRegion(this.spec)}: check router.listenerArn (and router.region)`,
      RuleNotFoundException: `rule ${this.spec.ruleArn} does not exist in ${albRegion(this.spec)}: check router.ruleArn, or leave it out to move the listener's default action`,
      TargetGroupNotFoundException: `a target group of router.targetGroups does not exist (blue ${this.spec.targetGroups.blue}, green ${this.spec.targetGroups.green}): check the ARNs`,
      AccessDenied: `these credentials may not call elasticloadbalancing:${action} on ${this.where}: grant the calls in docs/iam-policy.json`,
    };
    fix.AccessDeniedException = fix.AccessDenied;
    const message = `ALB ${action} failed: ${fix[name] ? `${fix[name]} (${said})` : said}`;
    if (PERMANENT_ERRORS.has(name)) return ApplicationFailure.nonRetryable(message, name);
    return ApplicationFailure.retryable(message, name);
  }

  /** The actions as the load balancer has them now, with the forward action we move. */
  private async readPlace(): Promise<Place> {
    const { listenerArn, ruleArn } = this.spec;
    let actions: Action[];
    if (ruleArn) {
      const out = await this.call('DescribeRules', () =>
        this.client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] })),
      );
      const rule = out.Rules?.find((r) => r.RuleArn === ruleArn);
      if (!rule) throw this.refuse('RuleNotFoundException', `rule ${ruleArn} was not found: check router.ruleArn`);
      if (rule.IsDefault)
        throw this.refuse(
          'OperationNotPermittedException',
          `rule ${ruleArn} is the listener's default rule, which only ModifyListener may change: leave router.ruleArn out to move the default action`,
        );
      actions = rule.Actions ?? [];
    } else {
      const out = await this.call('DescribeListeners', () =>
        this.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
      );
      const listener = out.Listeners?.find((l) => l.ListenerArn === listenerArn);
      if (!listener)
        throw this.refuse(
          'ListenerNotFoundException',
          `listener ${listenerArn} was not found: check router.listenerArn`,
        );
      actions = listener.DefaultActions ?? [];
    }
    const forward = actions.find((a) => a.Type === 'forward');
    if (!forward) {
      const has = actions.map((a) => a.Type).join(', ') || 'no actions';
      throw this.refuse(
        'NoForwardAction',
        `${this.where} does not forward to target groups (it has ${has}): make it a forward action to both colors' target groups, e.g. blue at weight 100 and green at 0`,
      );
    }
    // A forward to a single target group may come back as TargetGroupArn alone (weight implied).
    const tuples = forward.ForwardConfig?.TargetGroups?.length
      ? forward.ForwardConfig.TargetGroups
      : forward.TargetGroupArn
        ? [{ TargetGroupArn: forward.TargetGroupArn, Weight: 1 }]
        : [];
    this.checkTargetGroups(tuples);
    return { actions, forward, tuples };
  }

  /** Both colors' target groups and nothing else: any other share would make percentages lie. */
  private checkTargetGroups(tuples: TargetGroupTuple[]): void {
    const present = new Set(tuples.map((t) => t.TargetGroupArn));
    const missing = colors.filter((c) => !present.has(this.spec.targetGroups[c]));
    if (missing.length > 0) {
      const named = missing.map((c) => `${c}'s target group ${this.spec.targetGroups[c]}`).join(' and ');
      throw this.refuse(
        'TargetGroupNotInForwardAction',
        `${this.where} does not forward to ${named}: add it to the forward action (weight 0 for the idle color), or fix router.targetGroups`,
      );
    }
    const ours = new Set(colors.map((c) => this.spec.targetGroups[c]));
    const others = tuples.map((t) => t.TargetGroupArn ?? '').filter((arn) => !ours.has(arn));
    if (others.length > 0) {
      throw this.refuse(
        'OtherTargetGroupsInForwardAction',
        `${this.where} also forwards to ${others.join(', ')}, which is neither color's target group: remove it from the forward action so blue and green share all the traffic`,
      );
    }
  }

  private refuse(type: string, message: string): ApplicationFailure {
    return ApplicationFailure.nonRetryable(`ALB router: ${message}`, type);
  }

  private weightOf(tuples: TargetGroupTuple[], color: Color): number {
    return tuples.find((t) => t.TargetGroupArn === this.spec.targetGroups[color])?.Weight ?? 1;
  }

  async readWeights(): Promise<ObservedWeights> {
    return this.percentages((await this.readPlace()).tuples);
  }

  /** Each color's weight as a whole percentage of the sum; blue takes the rounding so the two add to 100. */
  private percentages(tuples: TargetGroupTuple[]): Weights {
    const blue = this.weightOf(tuples, 'blue');
    const green = this.weightOf(tuples, 'green');
    const total = blue + green;
    if (total === 0) return { blue: 0, green: 0 };
    const greenShare = Math.round((green * 100) / total);
    return { blue: 100 - greenShare, green: greenShare };
  }

  async setWeights(weights: Weights): Promise<WeightChange> {
    const place = await this.readPlace();
    const change = { id: changeId(weights), effective: true };
    const unchanged = colors.every((c) => this.weightOf(place.tuples, c) === weights[c]);
    if (unchanged) return change;
    const actions = place.actions.map((a) => (a === place.forward ? this.forwarding(a, weights) : resendable(a)));
    if (this.spec.ruleArn) {
      const RuleArn = this.spec.ruleArn;
      await this.call('ModifyRule', () => this.client.send(new ModifyRuleCommand({ RuleArn, Actions: actions })));
    } else {
      const ListenerArn = this.spec.listenerArn;
      await this.call('ModifyListener', () =>
        this.client.send(new ModifyListenerCommand({ ListenerArn, DefaultActions: actions })),
      );
    }
    return change;
  }

  /** The forward action with new weights and every other setting (stickiness, order) as it was. */
  private forwarding(action: Action, weights: Weights): Action {
    // TargetGroupArn and a two-group ForwardConfig may not be sent together.
    const { TargetGroupArn: _single, ...rest } = action;
    return {
      ...rest,
      ForwardConfig: {
        ...action.ForwardConfig,
        TargetGroups: colors.map((c) => ({ TargetGroupArn: this.spec.targetGroups[c], Weight: weights[c] })),
      },
    };
  }

  /** Re-reads the weights: the change is effective when the load balancer has them (VerifyWeight). */
  async isEffective(change: WeightChange): Promise<boolean> {
    const wanted = weightsOf(change.id);
    if (!wanted) return change.effective;
    const now = this.percentages((await this.readPlace()).tuples);
    return colors.every((c) => now[c] === wanted[c]);
  }

  /** An ALB release creates nothing: the listener, rule and target groups were there before it. */
  async removeInitial(): Promise<WeightChange | null> {
    return null;
  }
}

/** A change id that carries its weights, so a retried activity can verify it without memory. */
function changeId(weights: Weights): string {
  return `alb:blue=${weights.blue},green=${weights.green}`;
}

function weightsOf(id: string): Weights | undefined {
  const m = /^alb:blue=(\d+),green=(\d+)$/.exec(id);
  return m ? { blue: Number(m[1]), green: Number(m[2]) } : undefined;
}

/**
 * An action as ModifyListener/ModifyRule accept it back. DescribeListeners never returns an OIDC
 * client secret, and sending the action without one would fail: tell ALB to keep the one it has.
 */
function resendable(action: Action): Action {
  if (action.Type !== 'authenticate-oidc' || !action.AuthenticateOidcConfig) return action;
  const { ClientSecret: _secret, ...oidc } = action.AuthenticateOidcConfig;
  return { ...action, AuthenticateOidcConfig: { ...oidc, UseExistingClientSecret: true } };
}
