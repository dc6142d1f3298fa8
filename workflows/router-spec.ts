// The spec of each traffic router other than Route 53 (whose `dns` block lives in spec.ts, where
// it has been since the first release). spec.ts joins them into `router`; one of `dns` and
// `router` names what moves the traffic.
import { z } from 'zod';

// ARN shapes of Elastic Load Balancing v2 resources, any partition (aws, aws-cn, aws-us-gov).
const elbArn = (resource: string, example: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws(-[a-z]+)*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:${resource}/app/[^\\s/]+(/[^\\s/]+)+$`),
      {
        message: `not an ALB ${resource} ARN; it looks like ${example}`,
      },
    );
const arnExample = (resource: string, tail: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:${resource}/app/shop/50dc6c495c0c9188/${tail}`;
const targetGroupArn = z
  .string()
  .regex(/^arn:aws(-[a-z]+)*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^\s/]+\/[^\s/]+$/, {
    message:
      'not a target group ARN; it looks like arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-blue/73e2d6bc24d8a067',
  });

export const albRouter = z
  .strictObject({
    provider: z.literal('alb'),
    listenerArn: elbArn('listener', arnExample('listener', 'f2f7dc8efc522ab2')).describe(
      "The ALB listener whose default action forwards to the colors' target groups.",
    ),
    ruleArn: elbArn('listener-rule', arnExample('listener-rule', 'f2f7dc8efc522ab2/9683b2d02a6cabee'))
      .optional()
      .describe("A rule of that listener to move instead of the listener's default action."),
    targetGroups: z
      .strictObject({ blue: targetGroupArn, green: targetGroupArn })
      .describe("Each color's target group; both are in the action's forward config."),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'an AWS region, e.g. us-east-1' })
      .optional()
      .describe("The load balancer's region; defaults to the one in listenerArn."),
  })
  .superRefine((r, ctx) => {
    if (r.targetGroups.blue === r.targetGroups.green)
      ctx.addIssue({ code: 'custom', message: 'blue and green need different target groups', path: ['targetGroups'] });
    if (r.ruleArn && !r.ruleArn.includes(r.listenerArn.split(':listener/')[1] ?? '\0'))
      ctx.addIssue({ code: 'custom', message: 'this rule does not belong to listenerArn', path: ['ruleArn'] });
  })
  .describe(
    'An AWS Application Load Balancer listener (or one of its rules) forwarding to two weighted target groups.',
  );

const haproxyName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'an HAProxy name: letters, digits, "_", ".", ":" and "-"' });

export const haproxyRouter = z
  .strictObject({
    provider: z.literal('haproxy'),
    runtimeApi: z
      .string()
      .regex(/^(unix:\/\S+|[A-Za-z0-9.-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5})$/, {
        message: 'host:port (e.g. 127.0.0.1:9999) or unix:/path/to/admin.sock',
      })
      .describe("HAProxy's Runtime API: host:port of a `stats socket ipv4@…` or unix:/path of a socket (level admin)."),
    backend: haproxyName.describe('The backend whose two servers are the colors.'),
    servers: z.strictObject({ blue: haproxyName, green: haproxyName }).describe("Each color's server in that backend."),
  })
  .superRefine((r, ctx) => {
    if (r.servers.blue === r.servers.green)
      ctx.addIssue({ code: 'custom', message: 'blue and green need different servers', path: ['servers'] });
  })
  .describe("An HAProxy backend with one server per color, moved through HAProxy's Runtime API.");

export const router = z
  .discriminatedUnion('provider', [albRouter, haproxyRouter])
  .describe('What moves the traffic when it is not Route 53: an ALB listener or an HAProxy backend.');

export type AlbRouterSpec = z.output<typeof albRouter>;
export type HaproxyRouterSpec = z.output<typeof haproxyRouter>;
