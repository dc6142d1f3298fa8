// What a worker tells operators, on real servers: its Prometheus endpoint (scraped while a release
// runs) carries bluegreen's counters and the Temporal SDK's, a throttled Route 53 call is retried
// and counted, and its JSON logs hold every phase change of the release, with the release id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { phases, type ReleaseStatus } from '../../workflows/messages';
import { freePort, waitFor, type Started } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let worker: Started;
let metricsPort: number;
const id = 'bluegreen-shop.example.com';

before(async () => {
  stack = await startStack({ proxy: true, noWorker: true });
  metricsPort = await freePort();
  worker = await stack.spawnWorker({ BLUEGREEN_LOG_FORMAT: 'json', BLUEGREEN_METRICS_HOST: '127.0.0.1' }, [
    '--metrics-port',
    String(metricsPort),
  ]);
});
after(async () => {
  await worker?.stop();
  await stack?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

/** The value of one sample, e.g. sample(text, 'bluegreen_releases_total{outcome="completed"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function verdictLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.startsWith('bluegreen_analysis_verdicts_total'))
    .join('\n');
}

async function status(): Promise<ReleaseStatus> {
  return JSON.parse((await stack.cli('status', id, '--json')).stdout) as ReleaseStatus;
}

describe('worker observability', () => {
  it('the metrics endpoint, scraped during a release, shows bluegreen counters and the SDK runtime metrics', async () => {
    const first = stack.writeSpec('shop-1.yaml', await stack.appSpec('1.0.0'));
    assert.equal((await stack.cli('start', first, '--watch')).code, 0);

    // The next release's first weight change is throttled once: retried with backoff, and counted.
    stack.proxy!.inject('ChangeResourceRecordSets', { kind: 'error', code: 'Throttling' }, 1);
    const second = stack.writeSpec(
      'shop-2.yaml',
      await stack.appSpec('2.0.0', { overrides: { traffic: { steps: [10, 50, 100], interval: '2s' } } }),
    );
    assert.equal((await stack.cli('start', second)).code, 0);
    const during = await waitFor(
      'bluegreen counters while the release shifts',
      async () => {
        const text = await scrape();
        return sample(text, 'bluegreen_route53_throttles_total{action="ChangeResourceRecordSets"}') === 1
          ? text
          : undefined;
      },
      30_000,
    );
    assert.equal((await status()).result, undefined, 'scraped while the release still ran');
    assert.ok(
      (sample(during, 'bluegreen_route53_calls_total{action="ChangeResourceRecordSets",outcome="ok"}') ?? 0) >= 1,
    );
    assert.ok(
      (sample(during, 'bluegreen_route53_calls_total{action="ListResourceRecordSets",outcome="ok"}') ?? 0) >= 2,
    );
    assert.ok((sample(during, 'bluegreen_releases_total{outcome="completed"}') ?? 0) >= 1);
    assert.ok((sample(during, 'bluegreen_release_phases_total{phase="shifting"}') ?? 0) >= 1);
    assert.match(during, /# TYPE bluegreen_analysis_verdicts_total counter/);
    assert.match(during, /^temporal_\w+/m, 'the Temporal SDK runtime metrics are served on the same port');

    assert.equal((await stack.cli('watch', id)).code, 0);
    const finished = await scrape();
    assert.equal(sample(finished, 'bluegreen_releases_total{outcome="completed"}'), 2);
    // The second release held each step under analysis (the spec's probe, every 500 ms): the
    // worker counts every verdict its rounds reached, on the path the workflow really calls.
    const passed = sample(finished, 'bluegreen_analysis_verdicts_total{metric="probe.error-rate",verdict="passed"}');
    assert.ok((passed ?? 0) >= 1, `no passed verdict of the probe's error rate counted:\n${verdictLines(finished)}`);
  });

  it('JSON logs hold every phase change of a release, and each activity outcome, with its release id', async () => {
    const final = await status();
    const runId = final.id; // status ids are workflow ids; logs carry both
    assert.equal(runId, id);
    const entries = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.length > 0, 'the worker logs JSON lines');

    // The last run's phase changes, in order, exactly as its status recorded them.
    const logged = entries.filter((e) => e.release === id && typeof e.phase === 'string');
    const fromLogs = logged.slice(logged.map((e) => e.phase).lastIndexOf('provisioning')).map((e) => e.phase);
    const fromStatus = final.events.filter((e) => (phases as readonly string[]).includes(e.type)).map((e) => e.type);
    assert.deepEqual(fromLogs, fromStatus);
    assert.deepEqual(fromLogs.slice(-1), ['completed']);
    for (const e of logged) assert.equal(e.workflowId, id);

    // External calls: each activity's outcome, with the release id; Route 53's are made by the
    // zone's batcher for this release and others, under the batcher's id.
    const outcomes = entries.filter((e) => typeof e.activityType === 'string' && e.outcome);
    const calls = outcomes.filter((e) => e.workflowId === id);
    for (const type of ['provisionColor', 'checkHealth']) {
      assert.ok(
        calls.some((e) => e.activityType === type && e.outcome === 'ok'),
        `no logged outcome of ${type}`,
      );
    }
    const route53 = outcomes.filter((e) =>
      /^route53(SubmitBatch|ChangeWeights|AwaitChange)$/.test(String(e.activityType)),
    );
    for (const type of [/^route53(SubmitBatch|ChangeWeights)$/, /^route53AwaitChange$/])
      assert.ok(
        route53.some((e) => type.test(String(e.activityType)) && e.outcome === 'ok'),
        `no logged outcome of ${String(type)}`,
      );
    assert.ok(
      route53.some((e) => /^route53(SubmitBatch|ChangeWeights)$/.test(String(e.activityType)) && e.outcome === 'error'),
      'the throttled attempt is logged too',
    );
  });
});
