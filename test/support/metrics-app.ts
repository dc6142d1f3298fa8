// A test app instrumented with prom-client, as a team's service would be: it counts requests by
// status code in http_requests_total and serves /metrics for Prometheus to scrape. `errorRatio`
// makes that share of the requests to / fail with 500 (deterministically: every n-th).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';

export interface MetricsApp {
  port: number;
  target: string;
  url: string;
  setErrorRatio: (ratio: number) => void;
  /** Sends n requests to / and waits for their answers. */
  traffic: (n: number) => Promise<void>;
  stop: () => Promise<void>;
}

export async function startMetricsApp(errorRatio = 0): Promise<MetricsApp> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served, by status code.',
    labelNames: ['code'],
    registers: [registry],
  });
  // Both series exist from the start, so a ratio of 5xx to all is 0 rather than empty.
  requests.inc({ code: '200' }, 0);
  requests.inc({ code: '500' }, 0);
  let ratio = errorRatio;
  let served = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => res.writeHead(500).end(),
      );
      return;
    }
    served++;
    const failing = ratio > 0 && served % Math.max(1, Math.round(1 / ratio)) === 0;
    const code = failing ? 500 : 200;
    requests.inc({ code: String(code) });
    res.writeHead(code, { 'content-type': 'text/plain' }).end(failing ? 'boom\n' : 'ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    port,
    target: `127.0.0.1:${port}`,
    url,
    setErrorRatio: (r) => {
      ratio = r;
    },
    async traffic(n) {
      for (let i = 0; i < n; i++) await (await fetch(`${url}/`)).arrayBuffer();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
