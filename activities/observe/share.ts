// Reads the observed traffic share from a release's source (contract/observed-share.ts):
// - HAProxy: `show stat` request counters per server; the share is the difference of two reads,
//   so the first read of an observer only sets the baseline.
// - ALB: CloudWatch RequestCount (Sum) per TargetGroup and LoadBalancer, the latest period.
// - traffic.observe: requests per second for {{color}}, read for each color through the same
//   providers as analysis metrics (activities/analysis/).
// A color with no datapoint while the other has one got no requests: it counts as 0.
import { readMetric } from '../analysis';
import { createMetricContext } from '../analysis/provider';
import { HaproxyRouter, type RequestCounters } from '../routers/haproxy/router';
import { formatDuration } from '../../contract/duration';
import type { TemplateVars } from '../../contract/metrics';
import type { ObservedShare, ShareSource } from '../../contract/observed-share';
import { observeProviderNames, type Color, type MetricSpec } from '../../contract/spec';
import type { AlbRouterSpec } from '../../contract/router-spec';

export type ShareReader = () => Promise<ObservedShare | null>;

/** A reader that remembers what it needs between reads (HAProxy's previous counters). */
export function shareReader(source: ShareSource, vars: TemplateVars, signal?: AbortSignal): ShareReader {
  switch (source.kind) {
    case 'haproxy':
      return haproxyReader(new HaproxyRouter(source.router));
    case 'alb':
      return () => albShare(source.router, vars, signal);
    case 'observe':
      return observeReader(source.observe, vars, signal);
  }
}

function shareOf(counts: Record<Color, number>, windowMs: number, source: string): ObservedShare | null {
  const requests = counts.blue + counts.green;
  if (!(requests > 0)) return null;
  return {
    blue: counts.blue / requests,
    green: counts.green / requests,
    requests: Math.round(requests),
    window: formatDuration(Math.max(0, Math.round(windowMs))),
    at: new Date().toISOString(),
    source,
  };
}

function haproxyReader(router: Pick<HaproxyRouter, 'readRequestCounters'>): ShareReader {
  let previous: { counters: RequestCounters; atMs: number } | undefined;
  return async () => {
    const counters = await router.readRequestCounters();
    const atMs = Date.now();
    const before = previous;
    previous = { counters, atMs };
    // A counter that went down means HAProxy restarted: this read is a new baseline.
    if (!before || counters.blue < before.counters.blue || counters.green < before.counters.green) return null;
    const delta = { blue: counters.blue - before.counters.blue, green: counters.green - before.counters.green };
    return shareOf(delta, atMs - before.atMs, 'haproxy show stat');
  };
}

/** `targetgroup/shop-blue/73e2…` and `app/shop/50dc…`: the dimension values of an ARN. */
const resourceOf = (arn: string, prefix: string) => arn.split(':').slice(5).join(':').replace(prefix, '');

async function albShare(
  router: AlbRouterSpec,
  vars: TemplateVars,
  signal?: AbortSignal,
): Promise<ObservedShare | null> {
  const loadBalancer = resourceOf(router.listenerArn, 'listener/').split('/').slice(0, 3).join('/');
  const periodMs = 60_000;
  const counts = await readBoth(signal, vars, (color) => ({
    name: 'observed-requests',
    min: 0,
    cloudwatch: {
      namespace: 'AWS/ApplicationELB',
      metricName: 'RequestCount',
      dimensions: { TargetGroup: resourceOf(router.targetGroups[color], ''), LoadBalancer: loadBalancer },
      stat: 'Sum',
      period: '60s',
      region: router.region ?? router.listenerArn.split(':')[3],
    },
  }));
  return counts && shareOf(counts, periodMs, 'cloudwatch RequestCount');
}

function observeReader(
  observe: NonNullable<ShareSource & { kind: 'observe' }>['observe'],
  vars: TemplateVars,
  signal?: AbortSignal,
): ShareReader {
  const provider = observeProviderNames.find((p) => observe[p] !== undefined)!;
  let lastAtMs: number | undefined;
  return async () => {
    const rates = await readBoth(
      signal,
      vars,
      () => ({ name: 'observed-requests', min: 0, [provider]: observe[provider] }) as MetricSpec,
    );
    const atMs = Date.now();
    // Requests per second × the time since the last read: what the window saw, roughly.
    const windowMs = atMs - (lastAtMs ?? atMs - 1000);
    lastAtMs = atMs;
    if (!rates) return null;
    const seconds = windowMs / 1000;
    return shareOf(
      { blue: rates.blue * seconds, green: rates.green * seconds },
      windowMs,
      `traffic.observe ${provider}`,
    );
  };
}

/** One reading per color; null when neither color has a number. */
async function readBoth(
  signal: AbortSignal | undefined,
  vars: TemplateVars,
  metricOf: (color: Color) => MetricSpec,
): Promise<Record<Color, number> | null> {
  const [blue, green] = await Promise.all(
    (['blue', 'green'] as const).map((color) =>
      readMetric(metricOf(color), { ...createMetricContext({ ...vars, color }), signal }),
    ),
  );
  if (blue.value === null && green.value === null) return null;
  return { blue: Math.max(0, blue.value ?? 0), green: Math.max(0, green.value ?? 0) };
}
