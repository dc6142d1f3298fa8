// Benchmark of one analysis round with five metrics, each against a real local server: the
// built-in probe (20 requests to a prom-client app), a Prometheus error ratio, a CloudWatch
// datapoint and CloudWatch alarms on moto, and a JSON API through `web`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { createActivities } from '../activities';
import { resetCloudWatchClients } from '../activities/analysis/aws';
import { analysisRequest, motoCloudWatch, putAlarm } from '../test/support/analysis';
import { startMetricsApp } from '../test/support/metrics-app';
import { startMoto } from '../test/support/moto';
import { startPrometheus } from '../test/support/prometheus';

export async function benchAnalysisRound(runs: number, stats: (samples: number[]) => string): Promise<void> {
  const app = await startMetricsApp(0);
  const [prometheus, moto] = await Promise.all([
    startPrometheus([{ target: app.target, labels: { color: 'green', service: 'shop' } }]),
    startMoto(),
  ]);
  const api = http.createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"series":[{"value":1.5}]}'),
  );
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const previousEndpoint = process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
  try {
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = moto.endpoint;
    resetCloudWatchClients();
    const cw = motoCloudWatch(moto);
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [
          {
            MetricName: 'TargetResponseTime',
            Dimensions: [{ Name: 'TargetGroup', Value: 'targetgroup/shop-green/abc' }],
            Timestamp: new Date(),
            Value: 0.1,
          },
        ],
      }),
    );
    await putAlarm(cw, 'shop-5xx');
    cw.destroy();
    await app.traffic(10);
    await prometheus.waitForSeries('sum(http_requests_total{color="green"}) >= 10');

    const req = analysisRequest(
      {
        probe: true,
        metrics: [
          {
            name: 'error-ratio',
            max: 0.01,
            prometheus: {
              address: prometheus.url,
              query:
                'sum(http_requests_total{color="{{color}}",code=~"5.."}) / sum(http_requests_total{color="{{color}}"})',
            },
          },
          {
            name: 'response-time',
            max: 0.5,
            cloudwatch: {
              namespace: 'AWS/ApplicationELB',
              metricName: 'TargetResponseTime',
              dimensions: { TargetGroup: 'targetgroup/shop-{{color}}/abc' },
            },
          },
          { name: 'alb-alarms', cloudwatchAlarms: { names: ['shop-5xx'] } },
          {
            name: 'vendor',
            max: 5,
            web: { url: `http://127.0.0.1:${(api.address() as AddressInfo).port}/q`, jsonPath: '$.series[0].value' },
          },
        ],
      },
      { color: 'green' },
      app.url,
    );
    const act = createActivities({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'bluegreen-bench-analysis-')) });
    // The first round loads the AWS SDK and opens connections; report it on its own.
    const t0 = performance.now();
    const first = await act.analyzeRound(req);
    const firstMs = performance.now() - t0;
    const bad = first.filter((m) => m.verdict !== 'passed');
    if (bad.length) throw new Error(`bench round did not pass: ${JSON.stringify(bad)}`);
    const samples: number[] = [];
    for (let i = 0; i < Math.max(10, runs * 4); i++) {
      const t = performance.now();
      await act.analyzeRound(req);
      samples.push(performance.now() - t);
    }
    console.log(
      'Analysis round, five metrics (probe with 20 requests, prometheus, cloudwatch, cloudwatchAlarms, web) against local servers:',
    );
    console.log(`  one round: ${stats(samples)}; first round (loads the AWS SDK): ${firstMs.toFixed(0)} ms`);
  } finally {
    if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
    else process.env.AWS_ENDPOINT_URL_CLOUDWATCH = previousEndpoint;
    resetCloudWatchClients();
    api.close();
    await Promise.all([prometheus.stop(), moto.stop(), app.stop()]);
  }
}
