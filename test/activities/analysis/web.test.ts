// The web provider against a local HTTP server that asserts what it got (method, body, headers
// with resolved secrets), and the JSONPath subset; plus one whole round: probe first, all
// metrics read at the same time.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createActivities } from '../../../activities';
import { parseJsonPath, selectJsonPath } from '../../../activities/analysis/web';
import { analysisRequest } from '../../support/analysis';

const act = createActivities({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'bluegreen-web-')) });

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('web provider (local HTTP server)', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  let flaky = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const json = (status: number, doc: unknown): void =>
          void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
        const u = new URL(req.url!, 'http://x');
        if (u.pathname === '/series')
          return json(200, {
            series: [
              {
                'error rate': 0.2,
                pointlist: [
                  [1, 3.5],
                  [2, '4.25'],
                ],
              },
            ],
          });
        if (u.pathname === '/slow') {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          return void setTimeout(() => {
            inFlight--;
            json(200, { v: 1 });
          }, 300);
        }
        if (u.pathname === '/flaky') return flaky++ < 2 ? json(503, { error: 'warming up' }) : json(200, { v: 2 });
        if (u.pathname === '/echo-auth') return json(403, { error: `denied for ${req.headers['dd-api-key']}` });
        if (u.pathname === '/text') return void res.writeHead(200).end('not json');
        return json(404, { error: 'no such thing' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const web = (name: string, config: Record<string, unknown>, bounds: Record<string, number> = { max: 5 }) => ({
    name,
    ...bounds,
    web: { url: `${base}/series`, jsonPath: '$.series[0].pointlist[-1][1]', ...config },
  });

  it('POSTs the templated body with resolved headers and reads the number at the JSONPath: passed', async () => {
    process.env.BLUEGREEN_TEST_DD_KEY = 'dd-key-91bc';
    seen.length = 0;
    const [m] = await act.analyzeRound(
      analysisRequest(
        {
          metrics: [
            web('vendor', {
              url: `${base}/series?svc={{service}}&color={{color}}&from={{since}}&to={{now}}`,
              method: 'POST',
              body: '{"query": "avg:errors{service:{{service}},color:{{color}}}", "from": "-{{every}}"}',
              headers: { 'DD-API-KEY': '${env:BLUEGREEN_TEST_DD_KEY}' },
            }),
          ],
        },
        { color: 'green', every: '30s' },
      ),
    );
    assert.deepEqual([m.verdict, m.value], ['passed', 4.25]);
    assert.equal(seen[0].method, 'POST');
    const url = new URL(seen[0].url, base);
    assert.equal(url.searchParams.get('svc'), 'shop');
    assert.equal(url.searchParams.get('color'), 'green');
    const to = Number(url.searchParams.get('to'));
    assert.ok(Math.abs(to - Date.now() / 1000) < 5, `to=${to} is now in Unix seconds`);
    assert.equal(to - Number(url.searchParams.get('from')), 30, 'from is `every` before to');
    assert.equal(seen[0].body, '{"query": "avg:errors{service:shop,color:green}", "from": "-30s"}');
    assert.equal(seen[0].headers['dd-api-key'], 'dd-key-91bc');
    assert.equal(seen[0].headers['content-type'], 'application/json');
  });

  it('bracket-quoted keys; a value beyond max fails; below min fails', async () => {
    const [high, low] = await act.analyzeRound(
      analysisRequest({
        metrics: [
          web('quoted', { jsonPath: "$.series[0]['error rate']" }, { max: 0.1 }),
          web('low', { jsonPath: '$["series"][0].pointlist[0][1]' }, { min: 10 }),
        ],
      }),
    );
    assert.deepEqual([high.verdict, high.value, high.message], ['failed', 0.2, '0.2 > max 0.1']);
    assert.deepEqual([low.verdict, low.value, low.message], ['failed', 3.5, '3.5 < min 10']);
  });

  it('inconclusive: nothing at the path, not a number, not JSON, an HTTP error, a timeout', async () => {
    const round = await act.analyzeRound(
      analysisRequest({
        metrics: [
          web('missing', { jsonPath: '$.series[3].value' }),
          web('object', { jsonPath: '$.series[0]' }),
          web('text', { url: `${base}/text` }),
          web('404', { url: `${base}/nope` }),
          web('slow', { url: `${base}/slow`, jsonPath: '$.v', timeout: '100ms' }),
        ],
      }),
    );
    assert.deepEqual(
      round.map((m) => m.verdict),
      ['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive', 'inconclusive'],
    );
    assert.equal(round[0].message, 'no value at $.series[3].value');
    assert.match(round[1].message, /^\$\.series\[0\] is \{"error rate":0\.2.*, not a number$/);
    assert.equal(round[2].message, 'the answer is not JSON: not json');
    assert.equal(round[3].message, 'GET answered HTTP 404: {"error":"no such thing"}');
    assert.match(round[4].message, /^no answer within 100ms/);
  });

  it('retries 5xx within its timeout', async () => {
    flaky = 0;
    const [m] = await act.analyzeRound(
      analysisRequest({ metrics: [web('flaky', { url: `${base}/flaky`, jsonPath: '$.v', timeout: '5s' })] }),
    );
    assert.deepEqual([m.verdict, m.value], ['passed', 2]);
    assert.equal(flaky, 3);
  });

  it('a secret echoed back by the server never appears in the measurement', async () => {
    process.env.BLUEGREEN_TEST_DD_KEY = 'dd-key-91bc';
    const [m] = await act.analyzeRound(
      analysisRequest({
        metrics: [web('echo', { url: `${base}/echo-auth`, headers: { 'DD-API-KEY': '${env:BLUEGREEN_TEST_DD_KEY}' } })],
      }),
    );
    assert.equal(m.verdict, 'inconclusive');
    assert.equal(m.message, 'GET answered HTTP 403: {"error":"denied for ***"}');
    assert.ok(!JSON.stringify(m).includes('dd-key-91bc'));
  });

  it('one round: the probe first, then the metrics in spec order, read at the same time', async () => {
    maxInFlight = 0;
    const round = await act.analyzeRound(
      analysisRequest(
        {
          probe: true,
          path: '/series',
          requests: 3,
          metrics: [
            web('slow-a', { url: `${base}/slow`, jsonPath: '$.v' }),
            web('slow-b', { url: `${base}/slow`, jsonPath: '$.v' }),
            web('slow-c', { url: `${base}/slow`, jsonPath: '$.v' }),
          ],
        },
        {},
        base,
      ),
    );
    assert.deepEqual(
      round.map((m) => [m.name, m.verdict]),
      [
        ['probe.error-rate', 'passed'],
        ['probe.p95-ms', 'passed'],
        ['slow-a', 'passed'],
        ['slow-b', 'passed'],
        ['slow-c', 'passed'],
      ],
    );
    assert.equal(maxInFlight, 3, 'the three slow metrics were read at the same time');
  });

  it('JSONPath subset: parses what it supports, names what it does not', () => {
    assert.deepEqual(parseJsonPath(`$.a.b[0]['c d']["e"][-1]`), ['a', 'b', 0, 'c d', 'e', -1]);
    assert.equal(selectJsonPath({ a: [{ b: 7 }] }, parseJsonPath('$.a[0].b')), 7);
    assert.equal(selectJsonPath({ a: 1 }, parseJsonPath('$.a.b')), undefined);
    assert.throws(() => parseJsonPath('$.series[*].value'), /unsupported JSONPath at "\[\*\]\.value"/);
  });
});
