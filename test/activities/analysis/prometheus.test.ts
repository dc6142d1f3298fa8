// The prometheus provider against a real Prometheus scraping a prom-client app: passed, failed,
// and every kind of inconclusive (empty, several series, NaN, bad query, unreachable).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createActivities } from '../../../activities';
import { analysisRequest } from '../../support/analysis';
import { startMetricsApp, type MetricsApp } from '../../support/metrics-app';
import { freePort } from '../../support/processes';
import { startPrometheus, type Prometheus } from '../../support/prometheus';

const act = createActivities({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'bluegreen-prom-')) });
const errorRatio =
  'sum(http_requests_total{color="{{color}}",code=~"5.."}) / sum(http_requests_total{color="{{color}}"})';

describe('prometheus provider (real Prometheus)', () => {
  let prometheus: Prometheus;
  let green: MetricsApp;
  let blue: MetricsApp;

  before(async () => {
    green = await startMetricsApp(0);
    blue = await startMetricsApp(0.5);
    prometheus = await startPrometheus([
      { target: green.target, labels: { color: 'green', service: 'shop' } },
      { target: blue.target, labels: { color: 'blue', service: 'shop' } },
    ]);
    await Promise.all([green.traffic(20), blue.traffic(20)]);
    // Both apps' counters after the traffic above are scraped.
    await prometheus.waitForSeries(
      'sum(http_requests_total{color="blue"}) >= 20 and sum(http_requests_total{color="green"}) >= 20',
    );
  });
  after(async () => {
    await prometheus?.stop();
    await green?.stop();
    await blue?.stop();
  });

  const metric = (query: string, extra: Record<string, unknown> = {}) => ({
    name: 'error-rate',
    max: 0.01,
    prometheus: { address: prometheus.url, query, ...extra },
  });

  it('a healthy color passes: the error ratio query gives 0 for green', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [metric(errorRatio)] }, { color: 'green' }));
    assert.deepEqual(
      { name: m.name, value: m.value, verdict: m.verdict, range: m.range },
      { name: 'error-rate', value: 0, verdict: 'passed', range: '≤ 0.01' },
    );
  });

  it('a color failing half its requests fails, naming the value and the bound', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [metric(errorRatio)] }, { color: 'blue' }));
    assert.equal(m.verdict, 'failed');
    assert.equal(m.value, 0.5);
    assert.equal(m.message, '0.5 > max 0.01');
  });

  it('an empty result is inconclusive', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [metric(errorRatio)] }, { color: 'purple' }));
    assert.equal(m.verdict, 'inconclusive');
    assert.equal(m.value, null);
    assert.match(m.message, /empty result/);
  });

  it('several series where one number is expected are inconclusive, with their labels', async () => {
    const [m] = await act.analyzeRound(
      analysisRequest({ metrics: [metric('http_requests_total{color="{{color}}"}')] }, { color: 'green' }),
    );
    assert.equal(m.verdict, 'inconclusive');
    assert.match(m.message, /^2 series where one number is expected \(\{.*code="(200|500)".*\}.*aggregate with sum/);
  });

  it('NaN is inconclusive; a scalar is read', async () => {
    const [nan, scalar] = await act.analyzeRound(
      analysisRequest({
        metrics: [
          { ...metric('sum(http_requests_total{color="{{color}}",code=~"5.."}) * 0 / 0'), name: 'nan' },
          { ...metric('scalar(vector(0.25))'), name: 'scalar', max: 1 },
        ],
      }),
    );
    assert.equal(nan.verdict, 'inconclusive');
    assert.match(nan.message, /query returned NaN/);
    assert.deepEqual([scalar.verdict, scalar.value], ['passed', 0.25]);
  });

  it('a query Prometheus rejects is inconclusive with its error', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [metric('sum(rate(http_requests_total[1m]')] }));
    assert.equal(m.verdict, 'inconclusive');
    assert.match(m.message, /HTTP 400: bad_data: .*parse error/);
  });

  it('an unreachable server is inconclusive after retries bounded by the timeout', async () => {
    const closed = await freePort();
    const started = Date.now();
    const [m] = await act.analyzeRound(
      analysisRequest({
        metrics: [
          { name: 'down', max: 1, prometheus: { address: `http://127.0.0.1:${closed}`, query: 'up', timeout: '1s' } },
        ],
      }),
    );
    assert.equal(m.verdict, 'inconclusive');
    assert.match(m.message, /unreachable: ECONNREFUSED \(\d attempts\)/);
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started}ms`);
  });

  it('header secrets reach the server but never a reading, even when the server echoes them', async () => {
    process.env.BLUEGREEN_TEST_PROM_TOKEN = 'prom-secret-7f3a9c';
    let seen = '';
    const echo = http.createServer((req, res) => {
      seen = req.headers.authorization ?? '';
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'auth', error: `bad token ${seen}` }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      const address = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      const [m] = await act.analyzeRound(
        analysisRequest({
          metrics: [
            {
              name: 'secret',
              max: 1,
              prometheus: {
                address,
                query: 'up',
                headers: { Authorization: 'Bearer ${env:BLUEGREEN_TEST_PROM_TOKEN}' },
              },
            },
          ],
        }),
      );
      assert.equal(seen, 'Bearer prom-secret-7f3a9c');
      assert.equal(m.verdict, 'inconclusive');
      assert.match(m.message, /HTTP 401: auth: bad token Bearer \*\*\*/);
      assert.ok(!JSON.stringify(m).includes('prom-secret-7f3a9c'));
    } finally {
      echo.close();
    }
  });

  it('a header naming an unset variable is inconclusive, naming the variable', async () => {
    delete process.env.BLUEGREEN_TEST_UNSET;
    const [m] = await act.analyzeRound(
      analysisRequest({ metrics: [metric('up', { headers: { 'X-Token': '${env:BLUEGREEN_TEST_UNSET}' } })] }),
    );
    assert.equal(m.verdict, 'inconclusive');
    assert.match(m.message, /error-rate\.prometheus\.headers\.X-Token references \$\{env:BLUEGREEN_TEST_UNSET\}/);
  });
});
