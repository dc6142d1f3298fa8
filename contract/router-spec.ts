// The spec of each traffic router other than Route 53 (whose `dns` block lives in spec.ts, where
// it has been since the first release). spec.ts joins them into `router`; one of `dns` and
// `router` names what moves the traffic.
import { z } from 'zod';

// ALB validation in two halves. Static, here (`validate`, exit 2): the ARNs' shapes (an ALB's
// listener and rule, not a Network Load Balancer's, which cannot weight target groups), a rule
// of that very listener, target groups and `region` in the listener's partition, region and
// account (a forward action cannot leave them), two different target groups. Only the first
// router call can tell the rest, before anything is provisioned: that the listener or rule
// exists, that its action forwards, and to exactly the two target groups.
const partitionRegionAccount = 'arn:aws(-[a-z]+)*:elasticloadbalancing:[a-z0-9-]+:\\d{12}:';
const segment = '[A-Za-z0-9-]+';
const elbArn = (resource: string, ids: number, example: string) =>
  z.string().regex(new RegExp(`^${partitionRegionAccount}${resource}/app/${segment}(/${segment}){${ids}}$`), {
    message: `not an ALB ${resource} ARN; it looks like ${example}`,
  });
const arnExample = (resource: string, tail: string) =>
  `arn:aws:elasticloadbalancing:us-east-1:123456789012:${resource}/app/shop/50dc6c495c0c9188/${tail}`;
const targetGroupArn = z.string().regex(new RegExp(`^${partitionRegionAccount}targetgroup/${segment}/${segment}$`), {
  message:
    'not a target group ARN; it looks like arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-blue/73e2d6bc24d8a067',
});

/** `arn:<partition>:elasticloadbalancing:<region>:<account>`, what every ARN of one ALB shares. */
const arnHome = (arn: string) => arn.split(':').slice(0, 5).join(':');

/** An unknown key's error, except `healthCheck`, which says where health checks live. */
const notHere = (router: string) => (issue: { code?: string; keys?: string[] }) =>
  issue.code === 'unrecognized_keys' && issue.keys?.includes('healthCheck')
    ? `healthCheck is for Route 53 records only (dns.healthCheck): ${router} does not take one; use its own health checks (see docs/safety-nets.md)`
    : undefined;

export const albRouter = z
  .strictObject(
    {
      provider: z.literal('alb'),
      listenerArn: elbArn('listener', 2, arnExample('listener', 'f2f7dc8efc522ab2')).describe(
        "The ALB listener whose default action forwards to the colors' target groups.",
      ),
      ruleArn: elbArn('listener-rule', 3, arnExample('listener-rule', 'f2f7dc8efc522ab2/9683b2d02a6cabee'))
        .optional()
        .describe(
          "A rule of that listener to move instead of the listener's default action (not its default rule: leave this out for that).",
        ),
      targetGroups: z
        .strictObject({ blue: targetGroupArn, green: targetGroupArn })
        .describe(
          "Each color's target group; the forward action sends to these two and no other (the first release may start at 100/0).",
        ),
      region: z
        .string()
        .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'an AWS region, e.g. us-east-1' })
        .optional()
        .describe("The load balancer's region; defaults to the one in listenerArn, and must be that one if given."),
    },
    { error: notHere('an ALB listener') },
  )
  .superRefine((r, ctx) => {
    const home = arnHome(r.listenerArn);
    const listenerRegion = r.listenerArn.split(':')[3];
    if (r.targetGroups.blue === r.targetGroups.green)
      ctx.addIssue({ code: 'custom', message: 'blue and green need different target groups', path: ['targetGroups'] });
    for (const color of ['blue', 'green'] as const) {
      if (arnHome(r.targetGroups[color]) !== home)
        ctx.addIssue({
          code: 'custom',
          message: `this target group is not in the listener's partition, region and account (${home}): an ALB forwards only to its own`,
          path: ['targetGroups', color],
        });
    }
    const ruleOfListener = `${r.listenerArn.replace(':listener/', ':listener-rule/')}/`;
    if (r.ruleArn && !r.ruleArn.startsWith(ruleOfListener))
      ctx.addIssue({
        code: 'custom',
        message: `this rule does not belong to listenerArn: its ARN starts with ${ruleOfListener}`,
        path: ['ruleArn'],
      });
    if (r.region && r.region !== listenerRegion)
      ctx.addIssue({
        code: 'custom',
        message: `listenerArn is in ${listenerRegion}: leave region out, or make it ${listenerRegion}`,
        path: ['region'],
      });
  })
  .describe(
    'An AWS Application Load Balancer listener (or one of its rules) forwarding to two weighted target groups.',
  );

const haproxyName = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'an HAProxy name: letters, digits, "_", ".", ":" and "-"' });

export const haproxyRouter = z
  .strictObject(
    {
      provider: z.literal('haproxy'),
      runtimeApi: z
        .string()
        .regex(/^(unix:\/\S+|[A-Za-z0-9.-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5})$/, {
          message: 'host:port (e.g. 127.0.0.1:9999) or unix:/path/to/admin.sock',
        })
        .describe(
          "HAProxy's Runtime API: host:port of a `stats socket ipv4@…` or unix:/path of a socket (level admin).",
        ),
      backend: haproxyName.describe('The backend whose two servers are the colors.'),
      servers: z
        .strictObject({ blue: haproxyName, green: haproxyName })
        .describe("Each color's server in that backend."),
    },
    { error: notHere('an HAProxy backend') },
  )
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
