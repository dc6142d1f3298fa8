// What every metric provider must do, whatever it reads. A provider is done when its entry in
// providers.contract.test.ts passes: a reading is never an exception (a bad answer or an
// unreachable source is an inconclusive reading with a reason), and a secret it was handed never
// comes back in what it says, even when the source repeats it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { metricProvider, providerOf, readMetric } from '../../../activities/analysis';
import { createMetricContext } from '../../../activities/analysis/provider';
import { judgeReading } from '../../../workflows/metrics';
import type { MetricSpec } from '../../../workflows/spec';
import { analysisRequest } from '../../support/analysis';
import { freePort } from '../../support/processes';
import { startReceiver, type Receiver } from '../../support/receiver';

/** The value of ${env:BG_METRIC_SECRET} while the suite runs. */
export const METRIC_SECRET = 'metric-contract-secret-93';

export interface MetricProviderUnderTest {
  /** A metric (its spec entry, without `name`) whose source cannot be reached at `closed`, a
   * local URL where nothing listens. */
  unreachable: (closed: string) => Record<string, unknown>;
  /**
   * A metric whose source, reached at `url`, is handed ${env:BG_METRIC_SECRET} and fails with an
   * answer that repeats it (the suite makes `url` answer 500 with the secret in its body).
   * Absent for providers that take no secrets (CloudWatch uses the worker's AWS chain).
   */
  echoingSecret?: (url: string) => Record<string, unknown>;
}

function metricOf(entry: Record<string, unknown>): MetricSpec {
  const [metric] = analysisRequest({ metrics: [{ name: 'contract', max: 1, ...entry }] }).analysis.metrics;
  return metric;
}

const context = () => ({ ...createMetricContext(analysisRequest({}).vars), specDir: process.cwd() });

export function metricProviderContract(u: MetricProviderUnderTest): void {
  let rx: Receiver;
  before(async () => {
    rx = await startReceiver();
    process.env.BG_METRIC_SECRET = METRIC_SECRET;
  });
  after(() => rx.close());

  it('an unreachable source is an inconclusive reading with a reason, never an exception', async () => {
    const metric = metricOf(u.unreachable(`http://127.0.0.1:${await freePort()}`));
    const provider = metricProvider(providerOf(metric));
    // The provider itself does not throw (the registry's catch is a safety net, not the contract).
    const direct = await provider.read(metric.name, metric[providerOf(metric)] as never, context());
    assert.equal(direct.value, null);
    assert.ok(direct.problem && direct.problem.length > 5, `no reason given: ${JSON.stringify(direct)}`);
    const judged = judgeReading(await readMetric(metric, context()), { max: 1 });
    assert.equal(judged.verdict, 'inconclusive');
  });

  it('a missing ${env:NAME} or an odd spec is a reading, never an exception', async (t) => {
    if (!u.echoingSecret) return t.skip('takes no secrets');
    const entry = JSON.parse(
      JSON.stringify(u.echoingSecret(`${rx.url}/missing`)).replaceAll('BG_METRIC_SECRET', 'BG_METRIC_UNSET'),
    ) as Record<string, unknown>;
    const reading = await readMetric(metricOf(entry), context());
    assert.equal(reading.value, null);
    assert.match(reading.problem ?? '', /BG_METRIC_UNSET/);
  });

  it('a secret repeated by the source is redacted from the reading', async (t) => {
    if (!u.echoingSecret) return t.skip('takes no secrets');
    // The path as given, and as Prometheus's API path below it.
    for (const path of ['/echo', '/echo/api/v1/query'])
      rx.on(path, { status: 500, body: `invalid key ${METRIC_SECRET}` });
    const reading = await readMetric(metricOf(u.echoingSecret(`${rx.url}/echo`)), context());
    assert.equal(reading.value, null);
    const said = JSON.stringify(reading);
    assert.ok(!said.includes(METRIC_SECRET), `the secret came back: ${said}`);
    assert.match(said, /\*\*\*/);
  });
}
