// The release spec: the one source of truth for its TypeScript types, its validation,
// the JSON Schema (`bluegreen schema`) and the spec reference in docs/spec-reference.md.
import { z } from 'zod';
import { defaultNotifyEvents, notifyEventTypes, type NotifyEventType } from './notify-events';
import { dnsNameProblem, isInsideZone } from './names';
import { router, type AlbRouterSpec, type HaproxyRouterSpec } from './router-spec';
import { DURATION_PATTERN, MAX_LONG_DURATION, MAX_STEP_DURATION, parseDuration } from './duration';

/** Every duration has an upper bound (30 days unless said otherwise), stated in its description
 * and in the error, so an absurd value is refused here rather than halfway through a release. */
const duration = (what: string, limits: { max?: string; min?: string } = {}) => {
  const max = limits.max ?? MAX_STEP_DURATION;
  const bound = limits.min ? `Between ${limits.min} and ${max}.` : `At most ${max}.`;
  return z
    .string()
    .max(32, { message: `expected a duration with a unit, e.g. "5m"; at most ${max}` })
    .regex(DURATION_PATTERN, { message: 'expected a duration with a unit, e.g. "250ms", "90s", "5m", "24h"' })
    .refine((text) => !DURATION_PATTERN.test(text) || parseDuration(text) <= parseDuration(max), {
      message: `too long: at most ${max}`,
    })
    .refine((text) => !limits.min || !DURATION_PATTERN.test(text) || parseDuration(text) >= parseDuration(limits.min), {
      message: `too short: at least ${limits.min}`,
    })
    .describe(`${what} ${bound}`);
};

const port = z.number().int().min(1).max(65535);
const argv = z.array(z.string().min(1)).min(1, { message: 'needs at least the program to run' });

// Values may reference the worker's environment as ${env:NAME}; they are resolved inside the
// activity so secrets never enter workflow history.
const envMap = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'environment variable names are letters, digits and _' }),
    z.string(),
  )
  .describe(
    "Environment variables for the spawned process, which otherwise gets only PATH, HOME, LANG, TZ, PORT and BLUEGREEN_* (never the worker's credentials). Values may say ${env:NAME} to pass the worker's NAME by reference; its value shows as *** in output.",
  );

export const colors = ['blue', 'green'] as const;
export type Color = (typeof colors)[number];

const localEnvironment = z
  .strictObject({
    provider: z.literal('local'),
    command: argv.describe(
      "Program and arguments, run once per color. Runs in the spec's folder unless `cwd` says otherwise.",
    ),
    cwd: z
      .string()
      .optional()
      .describe("Working directory; relative to the spec's folder. Default: the spec's folder."),
    env: envMap.optional(),
    ports: z
      .strictObject({ blue: port, green: port })
      .refine((p) => p.blue !== p.green, { message: 'blue and green need different ports' })
      .describe('Port each color listens on; passed to the process as PORT.'),
    stopGracePeriod: duration('How long decommission waits after SIGTERM before SIGKILL.').default('10s'),
  })
  .describe('Runs the new version as a local process per color (demo, single host, tests).');

const commandEnvironment = z
  .strictObject({
    provider: z.literal('command'),
    provision: argv.describe(
      'Provisions the color. Must be idempotent: it may run again after a retry, and an abort stops it (SIGTERM, SIGKILL 10 s later).',
    ),
    decommission: argv.describe('Tears the color down. Must succeed when the color is already gone.'),
    endpoint: z
      .string()
      .includes('{color}', { message: 'must contain {color}, e.g. "https://{color}.shop.internal"' })
      .describe('Base URL of a color; {color} is replaced by blue or green.'),
    timeout: duration(
      'Time limit of one provision or decommission run; then its process group gets SIGTERM, and SIGKILL 10 s later.',
    ).default('10m'),
    shell: z
      .boolean()
      .default(false)
      .describe(
        'Join the argv with spaces and run it with /bin/sh -c (only when you need pipes, globbing or $VARIABLES).',
      ),
    cwd: z.string().optional().describe("Working directory; relative to the spec's folder."),
    env: envMap.optional(),
  })
  .describe('Runs your own provision / decommission commands (Kubernetes, Nomad, Terraform, ...).');

/** A DNS name in Route 53's charset, at most 255 characters; the message says what is wrong. */
const dnsName = (wildcard: boolean) =>
  z
    .string()
    .min(1)
    .superRefine((name, ctx) => {
      const problem = dnsNameProblem(name, { wildcard });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
const zoneId = z.string().regex(/^(\/hostedzone\/)?[A-Z0-9]{1,32}$/, {
  message: 'expected a Route 53 hosted zone id, e.g. "Z0123456789ABCDEFGHIJ"',
});

const aliasTarget = z.strictObject({
  dnsName: dnsName(false).describe('DNS name of the alias target, e.g. a load balancer.'),
  hostedZoneId: zoneId.describe('Hosted zone id of the alias target.'),
});
const target = z.union([dnsName(false), aliasTarget]);

// A Route 53 health check per color (docs/safety-nets.md): Route 53 leaves a failing color out of
// its answers even while no worker runs. Only the values Route 53 accepts are accepted here.
const route53HealthCheck = z
  .strictObject({
    type: z
      .enum(['HTTP', 'HTTPS', 'TCP'])
      .default('HTTPS')
      .describe("How Route 53 checks each color's target: an HTTP(S) request to `path`, or a TCP connection."),
    path: z
      .string()
      .startsWith('/', { message: 'a path starts with "/", e.g. "/healthz"' })
      .max(255, { message: 'too long: Route 53 takes at most 255 characters' })
      .optional()
      .describe('Path Route 53 requests (HTTP and HTTPS only). Default: "/".'),
    port: port
      .optional()
      .describe("Port of each color's target. Default: 443 for HTTPS, 80 for HTTP; required for TCP."),
    failureThreshold: z
      .number()
      .int({ message: 'a whole number of checks, 1 to 10' })
      .min(1, { message: 'at least 1 (Route 53 takes 1 to 10)' })
      .max(10, { message: 'at most 10 (Route 53 takes 1 to 10)' })
      .default(3)
      .describe('Consecutive failed (or passed) checks that make a color unhealthy (or healthy again): 1 to 10.'),
    requestInterval: z
      .union([z.literal(10), z.literal(30)], { error: 'Route 53 checks every 10 or every 30 seconds' })
      .default(30)
      .describe('Seconds between two checks from each Route 53 checker: 30, or 10 (a "fast" check, billed higher).'),
  })
  .superRefine((h, ctx) => {
    if (h.type === 'TCP' && h.path !== undefined)
      ctx.addIssue({ code: 'custom', message: 'a TCP check has no path: leave path out', path: ['path'] });
    if (h.type === 'TCP' && h.port === undefined)
      ctx.addIssue({ code: 'custom', message: 'a TCP check needs the port to connect to', path: ['port'] });
  })
  .describe(
    "A Route 53 health check on each color's target, attached to its weighted record before it gets traffic: Route 53 answers without a color whose check fails. The live color keeps its check between releases.",
  );

const dns = z
  .strictObject({
    provider: z.literal('route53'),
    hostedZoneId: zoneId.optional().describe('Hosted zone id. Give this or zoneName.'),
    zoneName: dnsName(false)
      .optional()
      .describe('Hosted zone name, looked up at release time. Give this or hostedZoneId.'),
    recordName: dnsName(true).describe(
      'The name users resolve, e.g. shop.example.com: letters, digits, "-", "_", "." and a leading "*." for a wildcard; at most 255 characters; inside zoneName when that is given.',
    ),
    recordType: z.enum(['CNAME', 'A']).default('CNAME').describe('CNAME, or A as an alias record.'),
    ttl: z
      .number()
      .int()
      .min(0)
      .max(172800)
      .default(60)
      .describe('TTL of the weighted CNAME records (seconds); every step waits at least this long.'),
    targets: z
      .strictObject({ blue: target, green: target })
      .describe("What each color's record points at: a host name (CNAME) or {dnsName, hostedZoneId} (A alias)."),
    healthCheck: route53HealthCheck.optional(),
  })
  .superRefine((d, ctx) => {
    if (!d.hostedZoneId === !d.zoneName) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of hostedZoneId or zoneName', path: ['hostedZoneId'] });
    }
    if (d.zoneName && !isInsideZone(d.recordName, d.zoneName)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be inside the zone ${d.zoneName}, e.g. "shop.${d.zoneName.replace(/\.$/, '')}"`,
        path: ['recordName'],
      });
    }
    for (const color of colors) {
      const t = d.targets[color];
      if (d.recordType === 'CNAME' && typeof t !== 'string') {
        ctx.addIssue({ code: 'custom', message: 'a CNAME target is a host name string', path: ['targets', color] });
      }
      if (d.recordType === 'A' && typeof t === 'string') {
        ctx.addIssue({
          code: 'custom',
          message: 'an A (alias) target needs { dnsName, hostedZoneId }',
          path: ['targets', color],
        });
      }
    }
  })
  .describe('The weighted Route 53 records that split traffic between the colors.');

const httpCheck = z
  .strictObject({
    path: z.string().startsWith('/').default('/healthz'),
    expectStatus: z.number().int().min(100).max(599).default(200),
    attempts: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(30)
      .describe('Checks before the new color is declared unhealthy.'),
    interval: duration('Pause between failed checks.').default('1s'),
    timeout: duration('Time limit of one check.').default('2s'),
  })
  .describe('HTTP health check of the new color before it gets traffic.');

/** A command the spec runs once per check (a smoke test, a metric script), with the command
 * provider's environment and cwd rules; `{{endpoint}}`, `{{color}}`, ... are filled in. */
const checkCommand = (what: string, timeout: { default: string; max: string }) =>
  z
    .strictObject({
      run: z
        .array(z.string().min(1, { message: 'an empty argument; remove it or quote what you meant' }))
        .min(1, { message: 'needs at least the program to run, e.g. ["./smoke.sh", "{{endpoint}}"]' })
        .describe(
          'Program and arguments (no shell; use ["sh", "-c", "..."] for pipes). Template variables: {{endpoint}}, {{color}}, {{version}}, {{service}}, {{record}}.',
        ),
      env: envMap.optional(),
      cwd: z
        .string()
        .optional()
        .describe("Working directory; relative to the spec's folder. Default: the spec's folder."),
      timeout: duration(`Time limit of one run; then its process group gets SIGTERM, and SIGKILL 10 s later.`, {
        max: timeout.max,
        min: '100ms',
      }).default(timeout.default),
    })
    .describe(what);

const smokeCommand = checkCommand(
  'A smoke test as a command, run after the HTTP check and before any traffic moves: exit 0 passes; any other exit, or the timeout, rolls back with the last lines of its output in the reason.',
  { default: '5m', max: '1h' },
);

// Metric providers: each entry reads one number for the color being judged. Adding a provider
// is one file in activities/analysis/ and one entry here.
const httpHeaders = z
  .record(z.string().min(1), z.string())
  .describe('HTTP headers. Values may say ${env:NAME}; it is resolved inside the activity and never reaches history.');
const queryTimeout = duration('Time limit of one query, retries included.').optional();

const metricProviders = {
  prometheus: z
    .strictObject({
      address: z
        .string()
        .regex(/^https?:\/\/\S+$/, { message: 'expected an http(s) URL, e.g. "http://prometheus:9090"' }),
      query: z
        .string()
        .min(1)
        .describe(
          'PromQL instant query that returns one number (one series or a scalar). Template variables: {{service}}, {{color}}, {{every}}, ...',
        ),
      headers: httpHeaders.optional(),
      timeout: queryTimeout,
    })
    .describe('Prometheus HTTP API (/api/v1/query), instant vector or scalar.'),
  cloudwatch: z
    .strictObject({
      namespace: z.string().min(1),
      metricName: z.string().min(1),
      dimensions: z
        .record(z.string().min(1), z.string())
        .default({})
        .describe('Dimension values may use template variables, e.g. "targetgroup/shop-{{color}}/abc".'),
      stat: z.string().min(1).default('Average').describe('Average, Sum, Maximum, p99, ...'),
      period: duration('Aggregation period of the datapoint.').default('60s'),
      region: z.string().min(1).optional().describe("AWS region; default: the worker's AWS_REGION."),
      timeout: queryTimeout,
    })
    .describe('One CloudWatch metric through GetMetricData: the latest datapoint.'),
  cloudwatchAlarms: z
    .strictObject({
      names: z
        .array(z.string().min(1))
        .min(1)
        .max(100)
        .describe('Alarm names; template variables allowed, e.g. "shop-{{color}}-5xx".'),
      region: z.string().min(1).optional().describe("AWS region; default: the worker's AWS_REGION."),
      timeout: queryTimeout,
    })
    .describe('CloudWatch alarms: any in ALARM fails the measurement; INSUFFICIENT_DATA is inconclusive.'),
  web: z
    .strictObject({
      url: z
        .string()
        .regex(/^https?:\/\/\S+$/, { message: 'expected an http(s) URL' })
        .describe('Template variables allowed, also {{now}} and {{since}} (Unix seconds) for time ranges.'),
      method: z.enum(['GET', 'POST']).default('GET'),
      body: z.string().optional().describe('Request body (sent as application/json); template variables allowed.'),
      headers: httpHeaders.optional(),
      jsonPath: z
        .string()
        .startsWith('$', { message: 'a JSONPath starts with $, e.g. "$.series[0].value"' })
        .describe('Where the number is in the JSON answer, e.g. "$.series[0].value".'),
      timeout: queryTimeout,
    })
    .describe('Any HTTP API answering JSON (Datadog, New Relic, your own).'),
  command: checkCommand(
    'A command that prints the number on the last line of its standard output; a non-zero exit, the timeout or no number is inconclusive.',
    { default: '30s', max: '10m' },
  ),
};
export const metricProviderNames = Object.keys(metricProviders) as (keyof typeof metricProviders)[];
export type MetricProviderName = keyof typeof metricProviders;

const metric = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, { message: 'use 1-63 lowercase letters, digits, ".", "_" or "-"' })
      .describe('Names the metric in status, events and reasons.'),
    min: z.number().optional().describe('Smallest passing value.'),
    max: z.number().optional().describe('Largest passing value.'),
    prometheus: metricProviders.prometheus.optional(),
    cloudwatch: metricProviders.cloudwatch.optional(),
    cloudwatchAlarms: metricProviders.cloudwatchAlarms.optional(),
    web: metricProviders.web.optional(),
    command: metricProviders.command.optional(),
  })
  .superRefine((m, ctx) => {
    const given = metricProviderNames.filter((p) => m[p] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one provider: ${metricProviderNames.join(', ')}${given.length ? ` (got ${given.join(', ')})` : ''}`,
        path: [],
      });
    }
    if (m.min !== undefined && m.max !== undefined && m.min > m.max) {
      ctx.addIssue({ code: 'custom', message: `min (${m.min}) must not exceed max (${m.max})`, path: ['min'] });
    }
    if (given.length === 1 && given[0] !== 'cloudwatchAlarms' && m.min === undefined && m.max === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'give min and/or max: the range a passing value lies in',
        path: ['max'],
      });
    }
  })
  .describe('One metric judged at every analysis round: exactly one provider, and the passing range.');

const analysis = z
  .strictObject({
    probe: z
      .boolean()
      .default(true)
      .describe('Run the built-in HTTP probe (path, requests, maxErrorRate, maxLatencyMs).'),
    path: z.string().startsWith('/').default('/'),
    requests: z.number().int().min(1).max(10_000).default(20).describe('Requests per analysis round.'),
    maxErrorRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe('Largest tolerated share of failed requests (non-2xx/3xx or no answer).'),
    maxLatencyMs: z.number().positive().default(500).describe('Largest tolerated p95 latency, in milliseconds.'),
    every: duration('How often each metric is measured while a step holds and while the old color is kept warm.', {
      min: '100ms',
    }).default('30s'),
    failureLimit: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe('Failed measurements tolerated per metric; one more fails the release.'),
    inconclusiveLimit: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe('Inconclusive measurements tolerated per metric; one more applies onInconclusive.'),
    onInconclusive: z
      .enum(['pause', 'rollback', 'ignore'])
      .default('pause')
      .describe(
        'pause: hold the weights and pause (resume accepts, abort rolls back); rollback; ignore: record and go on.',
      ),
    metrics: z.array(metric).max(50).default([]).describe('Your own metrics, judged with the probe at every round.'),
  })
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.metrics.forEach((m, i) => {
      if (seen.has(m.name))
        ctx.addIssue({ code: 'custom', message: `duplicate metric name "${m.name}"`, path: ['metrics', i, 'name'] });
      seen.add(m.name);
    });
  })
  .describe('Judges the new color during every step and the warm period; a failed metric rolls the release back.');

// Where the observed traffic share comes from when the router cannot say (Route 53): one source
// giving requests per second for `{{color}}`, read through the analysis metric providers.
const observe = z
  .strictObject({
    prometheus: metricProviders.prometheus.optional(),
    cloudwatch: metricProviders.cloudwatch.optional(),
    web: metricProviders.web.optional(),
  })
  .superRefine((o, ctx) => {
    const given = observeProviderNames.filter((p) => o[p] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one source: ${observeProviderNames.join(', ')}${given.length ? ` (got ${given.join(', ')})` : ''}`,
        path: [],
      });
  })
  .describe(
    'Requests per second reaching {{color}}, read for each color: the observed traffic share. HAProxy and ALB routers observe it themselves; give this for Route 53.',
  );
export const observeProviderNames = ['prometheus', 'cloudwatch', 'web'] as const;

const settle = z
  .strictObject({
    tolerance: z
      .number()
      .gt(0)
      .max(1)
      .default(0.1)
      .describe("How close (as a fraction, 0.1 = 10 points) the new color's observed share must come to its weight."),
    timeout: duration('Longest wait for the share to settle after a shift.', { min: '1s', max: '24h' }).default('10m'),
    onTimeout: z
      .enum(['pause', 'proceed', 'rollback'])
      .default('pause')
      .describe(
        'When the share never settles: pause (resume holds anyway, abort rolls back), proceed to the hold, or rollback.',
      ),
    every: duration('How often the share is read while waiting.', { min: '100ms', max: '5m' }).default('5s'),
  })
  .describe(
    "After each shift, the step's hold (and its analysis) starts only once the new color's observed share is within tolerance of its weight.",
  );

const steps = z
  .array(z.number().int().min(1).max(100))
  .min(1)
  .superRefine((s, ctx) => {
    s.forEach((value, i) => {
      if (i > 0 && value <= s[i - 1]) {
        ctx.addIssue({ code: 'custom', message: `must be greater than the step before it (${s[i - 1]})`, path: [i] });
      }
    });
    if (s[s.length - 1] !== 100) {
      ctx.addIssue({ code: 'custom', message: 'the last step must be 100', path: [s.length - 1] });
    }
  })
  .describe('Percent of traffic on the new color at each step; strictly increasing, ending at 100.');

const approval = z
  .strictObject({
    beforeTraffic: z
      .boolean()
      .default(false)
      .describe('Wait for `approve` after verify, before the first weight change.'),
    beforeDecommission: z.boolean().default(false).describe('Wait for `approve` before tearing the old color down.'),
    timeout: duration('How long an approval gate waits.', { max: MAX_LONG_DURATION }).default('24h'),
    onTimeout: z
      .enum(['rollback', 'proceed'])
      .default('rollback')
      .describe('What an unanswered gate does when it times out.'),
  })
  .describe('Manual approval gates.');

// Notifications and gates (docs/notifications.md). Secrets are ${env:NAME} references,
// resolved inside the delivery activity: they never reach history or status.
export { defaultNotifyEvents, notifyEventTypes, type NotifyEventType };

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, { message: 'expected an http(s) URL' });
const hookHeaders = z
  .record(z.string().regex(/^[A-Za-z0-9-]+$/, { message: 'header names are letters, digits and -' }), z.string())
  .describe('Extra HTTP headers. Values may say ${env:NAME}.');

const notifySink = z
  .strictObject({
    webhook: z
      .strictObject({
        url: httpUrl.describe('Receives a JSON POST per event. May say ${env:NAME}.'),
        secret: z
          .string()
          .min(1)
          .optional()
          .describe('Signs each body: X-Bluegreen-Signature: sha256=<hex HMAC-SHA256>. Use ${env:NAME}.'),
        headers: hookHeaders.optional(),
      })
      .optional(),
    slack: z
      .strictObject({
        webhookUrl: z
          .string()
          .min(1)
          .describe('A Slack incoming-webhook URL; keep it secret: "${env:SLACK_WEBHOOK_URL}".'),
      })
      .optional(),
    retryFor: duration('How long a failing delivery is retried before it becomes a notification-failed event.').default(
      '2m',
    ),
    timeout: duration(
      'Time limit of one POST to the sink: an answer that takes longer counts as a failed attempt (and is retried). Raise it for a receiver that answers slowly.',
      { min: '1s', max: '5m' },
    ).default('10s'),
    on: z
      .array(z.enum(notifyEventTypes))
      .min(1)
      .optional()
      .describe('Event types this sink wants. Default: all but `shifted`.'),
  })
  .superRefine((s, ctx) => {
    if (!s.webhook === !s.slack)
      ctx.addIssue({ code: 'custom', message: 'give exactly one of webhook or slack', path: [] });
  })
  .describe('Where release events are told: a webhook (signed JSON) or Slack.');

const gate = z
  .strictObject({
    url: httpUrl.describe('POSTed the release payload; a 2xx answer lets the release proceed. May say ${env:NAME}.'),
    timeout: duration('How long an unreachable gate is retried before it counts as failed.').default('1m'),
    headers: hookHeaders.optional(),
  })
  .describe('A webhook gate.');

const hooks = z
  .strictObject({
    beforeTraffic: z
      .array(gate)
      .max(10)
      .default([])
      .describe('After verify (and approval), before the first weight change.'),
    beforeStep: z
      .array(gate)
      .max(10)
      .default([])
      .describe('Before each weight change; the payload carries the percent.'),
    afterRelease: z.array(gate).max(10).default([]).describe('After completion; a failure is only an event.'),
  })
  .describe('Webhook gates: other systems say yes or no at the right moments.');

const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayName = (typeof dayNames)[number];
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a 24-hour time, e.g. "09:00"' });

const window = z
  .strictObject({
    days: z
      .array(z.enum(dayNames))
      .min(1)
      .default(['mon', 'tue', 'wed', 'thu', 'fri'])
      .describe('Days the window is open, in its time zone.'),
    start: clock.describe('Opening time, local to the time zone ("09:00").'),
    end: clock.describe('Closing time, local to the time zone ("16:00"); traffic shifts only before it.'),
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'unknown time zone; use an IANA name such as "Europe/Berlin" or "UTC"' })
      .default('UTC')
      .describe('IANA time zone of start and end; daylight saving time is taken into account.'),
  })
  .refine((w) => w.start < w.end, {
    message: 'start must be before end (windows do not cross midnight)',
    path: ['end'],
  })
  .describe('Change window: weights change only inside it. Outside, the release waits (phase waiting-for-window).');

const versionFrom = z
  .union([
    z.strictObject({
      url: z.url({ protocol: /^https?$/ }).describe('GET this URL; the first line of the body is the version.'),
    }),
    z.strictObject({ command: argv.describe('Run this; the first line of its standard output is the version.') }),
  ])
  .describe(
    'For recurring releases: where each run reads the version to release. A run whose version is already live ends as a no-op.',
  );

// Waves (docs/waves.md): one release across several targets (regions, clusters, cells), wave by
// wave. Each target overrides the top-level defaults; the wave loader (client/wave-spec.ts)
// deep-merges them and validates every target's merged spec with this same schema.
const targetName = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
  message: 'use 1-63 lowercase letters, digits and hyphens, e.g. "us-east-1"',
});
const targetOverride = (key: string) =>
  z
    .record(z.string(), z.unknown())
    .optional()
    .describe(`Deep-merged over the top-level \`${key}\` for this target (objects merge, lists and values replace).`);

const waveTarget = z
  .strictObject({
    name: targetName.describe(
      'Names the target (a region, cluster or cell): {target} in dns, router and environment fields, BLUEGREEN_TARGET for commands and apps, {{target}} in verify and analysis templates.',
    ),
    dns: targetOverride('dns'),
    router: targetOverride('router'),
    environment: targetOverride('environment'),
    verify: targetOverride('verify'),
    traffic: targetOverride('traffic'),
    decommission: targetOverride('decommission'),
  })
  .describe('One target of a wave: a release of its own record or router target, with these overrides.');

const wave = z
  .strictObject({
    name: targetName.describe('Names the wave in status, events and reasons.'),
    approval: z
      .boolean()
      .default(false)
      .describe('Wait for `approve` on the wave release before this wave starts (times out after approval.timeout).'),
    wait: duration('How long the previous wave bakes at 100% (its old colors still warm) before this one starts.', {
      max: MAX_LONG_DURATION,
    }).optional(),
    targets: z
      .array(waveTarget)
      .min(1, { message: 'a wave needs at least one target' })
      .max(50)
      .describe('Released at the same time.'),
  })
  .describe('A group of targets released at the same time; waves run in order.');

export const wavesSchema = z
  .array(wave)
  .min(1, { message: 'give at least one wave' })
  .max(20)
  .describe(
    'Release to several targets wave by wave; the top-level fields are the defaults of every target. Old colors stay warm until the last wave completed and decommission.delay passed (docs/waves.md).',
  );
export const onWaveFailureSchema = z
  .enum(['rollback-all', 'halt'])
  .optional()
  .describe(
    'With waves, when a target fails: rollback-all (default) puts every target back on its old color; halt rolls back the failing wave, finishes earlier waves and never starts later ones.',
  );

export const releaseSpecSchema = z
  .strictObject({
    service: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
        message: 'use 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen',
      })
      .describe('Name of the service; names the processes, records and releases.'),
    version: z
      .string({ error: (i) => (i.input === undefined ? 'required' : 'must be a string; quote it, e.g. "2.4.1"') })
      .min(1)
      .max(128, { message: 'too long: a version has at most 128 characters' })
      .regex(/^[^\s\p{Cc}]+$/u, { message: 'may not contain spaces or control characters' })
      .optional()
      .describe('Version to release; passed to the environment as BLUEGREEN_VERSION. Give this or versionFrom.'),
    versionFrom: versionFrom.optional(),
    environment: z.discriminatedUnion('provider', [localEnvironment, commandEnvironment]),
    dns: dns.optional(),
    router: router.optional(),
    verify: z.strictObject({ http: httpCheck.prefault({}), command: smokeCommand.optional() }).prefault({}),
    traffic: z
      .strictObject({
        steps: steps.default([10, 50, 100]),
        interval: duration('Wait at each step; with Route 53, never shorter than dns.ttl.').default('5m'),
        analysis: analysis.prefault({}),
        observe: observe.optional(),
        settle: settle.optional(),
      })
      .prefault({}),
    decommission: z
      .strictObject({
        delay: duration('Keep the old color warm this long at 100% before tearing it down.').default('15m'),
      })
      .prefault({}),
    approval: approval.prefault({}),
    window: window.optional(),
    notify: z.array(notifySink).max(20).default([]).describe('Who hears about the release, and of which events.'),
    hooks: hooks.prefault({}),
    onFailure: z
      .enum(['rollback', 'freeze'])
      .default('rollback')
      .describe(
        'After traffic moved, a failed check, analysis or gate rolls back, or freezes: weights stay, the release pauses (resume, promote or abort).',
      ),
    waves: wavesSchema.optional(),
    onWaveFailure: onWaveFailureSchema,
  })
  .superRefine((spec, ctx) => {
    // A spec with waves is read by the wave loader, which validates each target's merged spec here.
    if (spec.waves)
      ctx.addIssue({
        code: 'custom',
        message: 'a spec with waves is read with loadSpecFile or parseAnySpec (client/spec-file.ts)',
        path: ['waves'],
      });
    if (spec.onWaveFailure && !spec.waves)
      ctx.addIssue({ code: 'custom', message: 'onWaveFailure applies only with waves', path: ['onWaveFailure'] });
    if ((spec.version === undefined) === (spec.versionFrom === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of version or versionFrom', path: ['version'] });
    }
    if ((spec.dns === undefined) === (spec.router === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          spec.dns === undefined
            ? 'give exactly one of dns (Route 53 records) or router (an ALB listener or an HAProxy backend): neither is given'
            : 'give exactly one of dns (Route 53 records) or router (an ALB listener or an HAProxy backend), not both',
        path: spec.dns === undefined ? ['dns'] : ['router'],
      });
    }
    const observesNatively = spec.router?.provider === 'haproxy' || spec.router?.provider === 'alb';
    if (spec.traffic.settle && !spec.traffic.observe && !observesNatively)
      ctx.addIssue({
        code: 'custom',
        message:
          'settle needs an observed share: Route 53 cannot count requests, so give traffic.observe (a prometheus, cloudwatch or web source of requests per second for {{color}})',
        path: ['traffic', 'settle'],
      });
  })
  .describe('A bluegreen release.');

/** What a spec file may say (defaults not yet applied). */
export type ReleaseSpecInput = z.input<typeof releaseSpecSchema>;
/** A validated spec with every default filled in: what the workflow receives. */
export type ReleaseSpec = z.output<typeof releaseSpecSchema>;
/** A spec whose version is known: given, or read from versionFrom at the start of the run. */
export type ResolvedSpec = ReleaseSpec & { version: string };
export type EnvironmentSpec = ReleaseSpec['environment'];
export type LocalEnvironmentSpec = Extract<EnvironmentSpec, { provider: 'local' }>;
export type CommandEnvironmentSpec = Extract<EnvironmentSpec, { provider: 'command' }>;
export type DnsSpec = NonNullable<ReleaseSpec['dns']>;
export type DnsTarget = DnsSpec['targets']['blue'];
export type Route53HealthCheckSpec = NonNullable<DnsSpec['healthCheck']>;
/** Every traffic router's spec; `provider` picks the implementation (activities/routers/index.ts). */
export type RouterSpec = DnsSpec | AlbRouterSpec | HaproxyRouterSpec;
export type RouterProvider = RouterSpec['provider'];
export type HttpCheckSpec = ReleaseSpec['verify']['http'];
export type SmokeCommandSpec = NonNullable<ReleaseSpec['verify']['command']>;
export type CommandMetricSpec = NonNullable<MetricSpec['command']>;
export type AnalysisSpec = ReleaseSpec['traffic']['analysis'];
export type MetricSpec = AnalysisSpec['metrics'][number];
export type ObserveSpec = NonNullable<ReleaseSpec['traffic']['observe']>;
export type SettleSpec = NonNullable<ReleaseSpec['traffic']['settle']>;
export type WindowSpec = NonNullable<ReleaseSpec['window']>;
export type VersionSource = NonNullable<ReleaseSpec['versionFrom']>;
export type NotifySinkSpec = ReleaseSpec['notify'][number];
export type GateSpec = ReleaseSpec['hooks']['beforeTraffic'][number];
export type HookName = keyof ReleaseSpec['hooks'];
export type WaveSpecInput = z.input<typeof wavesSchema>[number];
export type OnWaveFailure = NonNullable<z.output<typeof onWaveFailureSchema>>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function releaseJsonSchema(): object {
  return z.toJSONSchema(releaseSpecSchema, { io: 'input', target: 'draft-2020-12' });
}
