// An Application Load Balancer in moto: one moto_server answers every service, so the ALB's VPC and
// subnets are made through moto's EC2 API on the same endpoint. The project has no EC2 client (and
// needs none in production), so those two calls are plain EC2 query requests: moto checks no
// signature, and the Authorization header only tells it which service is asked.
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  type Action,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { motoQuery, xmlField, type Moto } from './moto';

export interface AlbWorld {
  client: ElasticLoadBalancingV2Client;
  vpcId: string;
  loadBalancerArn: string;
  /** Makes a target group in the ALB's VPC; returns its ARN. */
  targetGroup: (name: string) => Promise<string>;
  /** A new HTTP listener on its own port whose default actions are these. */
  listener: (defaultActions: Action[]) => Promise<string>;
  /** A path rule on the listener with these actions; returns the rule's ARN. */
  rule: (listenerArn: string, actions: Action[]) => Promise<string>;
  /** The forward action of a listener's default actions or of a rule, as moto has it. */
  forwardAction: (at: { listenerArn: string; ruleArn?: string }) => Promise<Action | undefined>;
}

/** A forward action sending `weights` (ALB weights, 0–999) to each target group. */
export function forward(weights: Record<string, number>, stickySeconds?: number): Action {
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
      TargetGroupStickinessConfig: stickySeconds
        ? { Enabled: true, DurationSeconds: stickySeconds }
        : { Enabled: false },
    },
  };
}

function ec2(moto: Moto, params: Record<string, string>): Promise<string> {
  return motoQuery(moto.endpoint, 'ec2', { Version: '2016-11-15', ...params }, moto.credentials);
}

let worlds = 0;

export async function startAlbWorld(moto: Moto): Promise<AlbWorld> {
  const client = new ElasticLoadBalancingV2Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: moto.credentials,
    maxAttempts: 1,
  });
  const world = ++worlds;
  const vpcId = xmlField(await ec2(moto, { Action: 'CreateVpc', CidrBlock: `10.${world}.0.0/16` }), 'vpcId');
  const subnets: string[] = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
    const xml = await ec2(moto, {
      Action: 'CreateSubnet',
      VpcId: vpcId,
      CidrBlock: `10.${world}.${i}.0/24`,
      AvailabilityZone: zone,
    });
    subnets.push(xmlField(xml, 'subnetId'));
  }
  const lb = await client.send(
    new CreateLoadBalancerCommand({ Name: `shop-${world}`, Subnets: subnets, Type: 'application' }),
  );
  const loadBalancerArn = lb.LoadBalancers![0].LoadBalancerArn!;
  let port = 8000;
  let priority = 0;
  return {
    client,
    vpcId,
    loadBalancerArn,
    async targetGroup(name) {
      const out = await client.send(
        new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip' }),
      );
      return out.TargetGroups![0].TargetGroupArn!;
    },
    async listener(defaultActions) {
      const out = await client.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancerArn,
          Protocol: 'HTTP',
          Port: ++port,
          DefaultActions: defaultActions,
        }),
      );
      return out.Listeners![0].ListenerArn!;
    },
    async rule(listenerArn, actions) {
      const out = await client.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: ++priority,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/shop-${priority}/*`] } }],
          Actions: actions,
        }),
      );
      return out.Rules![0].RuleArn!;
    },
    async forwardAction({ listenerArn, ruleArn }) {
      const actions = ruleArn
        ? (await client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules?.[0]?.Actions
        : (await client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners?.[0]
            ?.DefaultActions;
      return actions?.find((a) => a.Type === 'forward');
    },
  };
}
