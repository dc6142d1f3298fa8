// `bluegreen analyze` as an operator runs it, against real servers: a prom-client app per color
// (also the local provider's endpoints), Prometheus scraping both, CloudWatch alarms on moto and
// a local JSON API. Exit 0 when all pass, 3 when one fails or is inconclusive, 2 on spec errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { projectRoot } from '../support/binaries';
import { motoCloudWatch, putAlarm } from '../support/analysis';
import { startMetricsApp, type MetricsApp } from '../support/metrics-app';
import { startMoto, type Moto } from '../support/moto';
import { startPrometheus, type Prometheus } from '../support/prometheus';

const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-analyze-'));

describe('bluegreen analyze (real servers)', () => {
  let green: MetricsApp;
  let blue: MetricsApp;
  let prometheus: Prometheus;
  let moto: Moto;
  let api: http.Server;
  let apiUrl: string;
  let seenKey = '';

  const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) =>
      execFile(
        process.execPath,
        [bin, 'analyze', ...args],
        {
          cwd: projectRoot,
          env: {
            ...process.env,
            NO_COLOR: '1',
            AWS_ENDPOINT_URL_CLOUDWATCH: moto.endpoint,
            VENDOR_TOKEN: 'vendor-token-5521',
          },
        },
        (err, stdout, stderr) => resolve({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
      ),
    );

  before(async () => {
    green = await startMetricsApp(0);
    blue = await startMetricsApp(0.5);
    [prometheus, moto] = await Promise.all([
      startPrometheus([
        { target: green.target, labels: { color: 'green' } },
        { target: blue.target, labels: { color: 'blue' } },
      ]),
      startMoto(),
    ]);
    api = http.createServer((req, res) => {
      seenKey = String(req.headers['x-api-key']);
      const color = new URL(req.url!, 'http://x').searchParams.get('color');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { latency: color === 'green' ? 120 : 900 } }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const cw = motoCloudWatch(moto);
    await putAlarm(cw, 'shop-5xx');
    cw.destroy();
    await Promise.all([green.traffic(20), blue.traffic(20)]);
    await prometheus.waitForSeries(
      'sum(http_requests_total{color="blue"}) >= 20 and sum(http_requests_total{color="green"}) >= 20',
    );
  });
  after(async () => {
    api?.close();
    await Promise.all([prometheus?.stop(), moto?.stop(), green?.stop(), blue?.stop()]);
  });

  const writeSpec = (name: string, analysis: object): string => {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      YAML.stringify({
        service: 'shop',
        version: '2.0.0',
        environment: {
          provider: 'local',
          command: ['node', 'server.js'],
          ports: { blue: blue.port, green: green.port },
        },
        dns: {
          provider: 'route53',
          zoneName: 'example.com',
          recordName: 'shop.example.com',
          targets: { blue: 'b', green: 'g' },
        },
        traffic: { analysis },
      }),
    );
    return file;
  };

  const fullSpec = () =>
    writeSpec('full.yaml', {
      requests: 10,
      maxErrorRate: 0.01,
      // Generous: this machine's CPU is shared; latency is not what this test is about.
      maxLatencyMs: 5000,
      metrics: [
        {
          name: 'error-rate',
          max: 0.01,
          prometheus: {
            address: prometheus.url,
            query:
              'sum(http_requests_total{color="{{color}}",code=~"5.."}) / sum(http_requests_total{color="{{color}}"})',
          },
        },
        { name: 'alb-alarms', cloudwatchAlarms: { names: ['shop-5xx'], region: 'us-east-1' } },
        {
          name: 'vendor-latency',
          max: 500,
          web: {
            url: `${apiUrl}/q?svc={{service}}&color={{color}}`,
            headers: { 'X-Api-Key': '${env:VENDOR_TOKEN}' },
            jsonPath: '$.data.latency',
          },
        },
      ],
    });

  it('exit 0: every metric of the healthy color passes, one line each with value, range and verdict', async () => {
    const r = await run(fullSpec(), '--color', 'green');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /one analysis round of green at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /probe\.error-rate\s+0\s+≤ 0\.01\s+passed/);
    assert.match(r.stdout, /probe\.p95-ms\s+\d+\s+≤ 5000\s+passed/);
    assert.match(r.stdout, /error-rate\s+0\s+≤ 0\.01\s+passed/);
    assert.match(r.stdout, /alb-alarms\s+0\s+any\s+passed\s+alarm OK: shop-5xx/);
    assert.match(r.stdout, /vendor-latency\s+120\s+≤ 500\s+passed/);
    assert.match(r.stdout, /all 5 passed/);
    assert.equal(seenKey, 'vendor-token-5521');
    assert.ok(!r.stdout.includes('vendor-token-5521'));
  });

  it('exit 3: the broken color fails (probe, Prometheus ratio, vendor latency), --json lists the verdicts', async () => {
    const r = await run(fullSpec(), '--color', 'blue');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /error-rate\s+0\.5\s+≤ 0\.01\s+FAILED\s+0\.5 > max 0\.01/);
    assert.match(r.stdout, /vendor-latency\s+900\s+≤ 500\s+FAILED/);
    assert.match(r.stdout, /3 failed/);
    const json = await run(fullSpec(), '--color', 'blue', '--json');
    assert.equal(json.code, 3);
    const out = JSON.parse(json.stdout) as { measurements: { name: string; verdict: string }[] };
    assert.deepEqual(
      out.measurements.map((m) => [m.name, m.verdict]),
      [
        ['probe.error-rate', 'failed'],
        ['probe.p95-ms', 'passed'],
        ['error-rate', 'failed'],
        ['alb-alarms', 'passed'],
        ['vendor-latency', 'failed'],
      ],
    );
  });

  it('exit 3 with the default color (green, said so) when a metric is inconclusive', async () => {
    const file = writeSpec('empty.yaml', {
      probe: false,
      metrics: [{ name: 'nothing', max: 1, prometheus: { address: prometheus.url, query: 'absent_metric_xyz' } }],
    });
    const r = await run(file);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /round of green \(default; --color blue judges the other one\)/);
    assert.match(r.stdout, /nothing\s+—\s+≤ 1\s+INCONCLUSIVE\s+empty result/);
    assert.match(r.stdout, /1 inconclusive/);
  });

  it('exit 2 on spec errors, naming the field', async () => {
    const file = writeSpec('bad.yaml', {
      metrics: [
        { name: 'two', max: 1, prometheus: { address: 'x', query: 'up' }, web: { url: 'http://x', jsonPath: 'a' } },
      ],
    });
    const r = await run(file);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /traffic\.analysis\.metrics\[0\]: give exactly one provider/);
    assert.match(r.stderr, /traffic\.analysis\.metrics\[0\]\.prometheus\.address: expected an http\(s\) URL/);
    const badColor = await run(fullSpec(), '--color', 'purple');
    assert.equal(badColor.code, 2);
    assert.match(badColor.stderr, /--color must be blue or green/);
  });
});
