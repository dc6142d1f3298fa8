// Releases judged by the team's own metrics, end to end on the real servers: a Temporal dev server,
// moto (Route 53 and CloudWatch), a real worker, the demo app on its two color ports and Debian's
// Prometheus scraping both ports (each target labelled with its color, as `bluegreen dev` does).
// A healthy release judged by a PromQL error ratio completes; a 50 % error ratio that only
// Prometheus judges (the probe tolerates every error) rolls back naming the metric and its value; a
// CloudWatch alarm switched to ALARM mid-shift rolls back within one analysis interval.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SetAlarmStateCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { ReleaseStatus } from '../../workflows/messages';
import { motoCloudWatch, putAlarm } from '../support/analysis';
import { waitFor } from '../support/processes';
import { startPrometheus, type Prometheus } from '../support/prometheus';
import { startStack, type Stack } from '../support/stack';

const id = 'bluegreen-shop.example.com';
const record = 'shop.example.com';
let stack: Stack;
let prometheus: Prometheus;
let cloudwatch: CloudWatchClient;
let version = 0;

// The share of 5xx answers of the judged color over the last 5 s (five 1 s scrapes).
const errorRatio = (address: string) => ({
  name: 'error-ratio',
  prometheus: {
    address,
    query:
      'sum(rate(http_requests_total{color="{{color}}",code=~"5.."}[5s])) / sum(rate(http_requests_total{color="{{color}}"}[5s]))',
  },
  max: 0.05,
});

before(async () => {
  stack = await startStack();
  const spec = (await stack.appSpec('0.0.0')) as { environment: { ports: { blue: number; green: number } } };
  const { ports } = spec.environment;
  prometheus = await startPrometheus([
    { target: `127.0.0.1:${ports.blue}`, labels: { service: 'shop', color: 'blue' } },
    { target: `127.0.0.1:${ports.green}`, labels: { service: 'shop', color: 'green' } },
  ]);
  cloudwatch = motoCloudWatch(stack.moto);
  const first = await stack.cli('start', stack.writeSpec('v0.yaml', spec), '--watch');
  assert.equal(first.code, 0, first.stdout + first.stderr);
});
after(async () => {
  cloudwatch?.destroy();
  await prometheus?.stop();
  await stack?.stop();
});

async function status(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', id, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

const weights = () => stack.colorWeights(record);

/** Starts the next version on the idle color and waits until its first step is in Route 53. */
async function start(overrides: Record<string, unknown>, env?: Record<string, string>) {
  const live = (await weights()).blue === 100 ? 'blue' : 'green';
  const next = live === 'blue' ? 'green' : 'blue';
  const file = stack.writeSpec(`v${++version}.yaml`, await stack.appSpec(`${version}.0.0`, { overrides, env }));
  const r = await stack.cli('start', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  await waitFor('first step in Route 53', async () => (((await weights())[next] ?? 0) > 0 ? true : undefined), 30_000);
  return { live, next } as const;
}

describe('releases judged by Prometheus and CloudWatch (real servers)', () => {
  it('a healthy release judged by a PromQL error ratio completes (exit 0)', async () => {
    const { next } = await start({
      traffic: {
        steps: [10, 100],
        interval: '4s',
        // The first rounds come before Prometheus has two scrapes of the new color: inconclusive.
        analysis: { every: '1s', requests: 10, inconclusiveLimit: 20, metrics: [errorRatio(prometheus.url)] },
      },
      decommission: { delay: '2s' },
    });
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal((await weights())[next], 100);
    const s = await status();
    assert.equal(s.result?.outcome, 'completed');
    const ratio = s.analysis!.metrics.find((m) => m.name === 'error-ratio')!;
    assert.deepEqual([ratio.verdict, ratio.value, ratio.failures], ['passed', 0, 0], JSON.stringify(ratio));
    assert.ok(!s.events.some((e) => e.type === 'analysis-failed'), 'no failed measurement');
    // The query really judged the new color: Prometheus saw its traffic under its color label.
    const seen = await fetch(
      `${prometheus.url}/api/v1/query?${new URLSearchParams({ query: `sum(http_requests_total{color="${next}"})` })}`,
    );
    const body = (await seen.json()) as { data: { result: { value: [number, string] }[] } };
    assert.ok(Number(body.data.result[0]?.value[1]) > 0, `requests seen for ${next}: ${JSON.stringify(body)}`);
  });

  it('a 50 % error ratio seen only by Prometheus (the probe tolerates every error) rolls back with exit 3, naming the metric and its value', async () => {
    const { live, next } = await start(
      {
        traffic: {
          steps: [10, 100],
          interval: '20s',
          // The probe's requests are the traffic Prometheus sees; the probe itself passes them all.
          analysis: {
            every: '1s',
            requests: 20,
            maxErrorRate: 1,
            inconclusiveLimit: 20,
            metrics: [errorRatio(prometheus.url)],
          },
        },
        decommission: { delay: '1s' },
      },
      { ERROR_RATE: '0.5' },
    );
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3, watched.stdout + watched.stderr);
    assert.equal((await weights())[live], 100);
    assert.equal((await weights())[next], 0);
    const s = await status();
    assert.equal(s.result?.outcome, 'rolled-back');
    const m = /error-ratio failed: ([\d.]+) > max 0\.05/.exec(s.result!.reason);
    assert.ok(m, `reason names the metric and its value: ${s.result!.reason}`);
    const value = Number(m[1]);
    assert.ok(
      value >= 0.3 && value <= 0.6,
      `error ratio ${value} is about 0.5 (rate() extrapolates; health checks count as 200s)`,
    );
    console.log(`rolled back: ${s.result!.reason}`);
    const probe = s.analysis!.metrics.find((x) => x.name === 'probe.error-rate')!;
    assert.equal(probe.verdict, 'passed', 'the probe allowed every error');
    assert.ok(probe.value! >= 0.4, `the probe saw the errors too: ${probe.value}`);
    assert.match(watched.stdout, /error-ratio/);
  });

  it('a CloudWatch alarm switched to ALARM mid-shift rolls back within one analysis interval, naming the alarm', async () => {
    await putAlarm(cloudwatch, 'shop-5xx');
    const everyMs = 1000;
    const { live, next } = await start({
      traffic: {
        steps: [10, 100],
        interval: '60s', // still holding at 10 % when the alarm fires
        analysis: {
          every: `${everyMs}ms`,
          requests: 5,
          metrics: [{ name: 'alb-alarms', cloudwatchAlarms: { names: ['shop-5xx'], region: 'us-east-1' } }],
        },
      },
      decommission: { delay: '1s' },
    });
    // Let a few rounds pass with the alarm OK (passing rounds report only at the window's end, so
    // status shows them later): the release holds at its first step.
    await new Promise((r) => setTimeout(r, 3 * everyMs));
    assert.equal((await weights())[next], 10);
    const firedAt = Date.now();
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'shop-5xx', StateValue: 'ALARM', StateReason: '5xx above 1' }),
    );
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3, watched.stdout + watched.stderr);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 } as { blue: number; green: number });
    const s = await status();
    assert.equal(s.result?.outcome, 'rolled-back');
    assert.match(s.result!.reason, /alb-alarms failed: alarm shop-5xx in ALARM/);
    const rollingBack = s.events.find((e) => e.type === 'rolling-back')!;
    assert.ok(rollingBack, JSON.stringify(s.events.map((e) => e.type)));
    const latency = Date.parse(rollingBack.at) - firedAt;
    // One interval for the next round to read the alarm, plus a little for the activity to report.
    assert.ok(latency <= everyMs + 1000, `rollback began ${latency} ms after the alarm fired`);
    console.log(`alarm → rollback: ${latency} ms (every ${everyMs} ms)`);
  });
});
