// A tiny demo service for bluegreen. It serves /healthz and /, says which color and version it
// is, and can misbehave on purpose: ERROR_RATE=0.5 fails half of the requests to / (analysis
// catches it), HEALTHY=false fails /healthz (verify catches it), LATENCY_MS slows every answer,
// STOP_DELAY_MS delays the exit after SIGTERM.
// GET /metrics serves http_requests_total by status code (prom-client) for Prometheus to scrape;
// `bluegreen dev` labels each target with its service and color.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const color = process.env.BLUEGREEN_COLOR || 'none';
const version = process.env.BLUEGREEN_VERSION || 'dev';
const errorRate = Number(process.env.ERROR_RATE || 0);
const healthy = process.env.HEALTHY !== 'false';
const latencyMs = Number(process.env.LATENCY_MS || 0);
let served = 0;

// prom-client loads once the port is open, so the app answers as soon as it can; requests are
// only handled after the listen callback below has run.
let registry;
let requests;
function instrument() {
  const { Counter, Registry } = require('prom-client');
  registry = new Registry();
  requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests served (except /metrics), by status code.',
    labelNames: ['code'],
    registers: [registry],
  });
  // Both series exist from the start, so an error ratio is 0 for a healthy app rather than empty.
  requests.inc({ code: '200' }, 0);
  requests.inc({ code: '500' }, 0);
}

const server = http.createServer((req, res) => {
  if (req.url === '/metrics') {
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err) => res.writeHead(500).end(String(err)),
    );
    return;
  }
  setTimeout(() => {
    served++;
    if (req.url === '/healthz') {
      requests.inc({ code: healthy ? '200' : '503' });
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(healthy ? 'ok\n' : 'unhealthy\n');
      return;
    }
    // Deterministic failure pattern: every n-th request fails, so a 50% rate is exactly 50%.
    const failing = errorRate > 0 && served % Math.max(1, Math.round(1 / errorRate)) === 0;
    requests.inc({ code: failing ? '500' : '200' });
    res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: process.env.BLUEGREEN_SERVICE, version, color, ok: !failing }) + '\n');
  }, latencyMs);
});

server.listen(port, '127.0.0.1', () => {
  instrument();
  console.log(`demo app ${version} (${color}) listening on ${port}`);
});
// STOP_DELAY_MS keeps serving that long after SIGTERM, like an app draining connections (tests
// use it to catch a decommission in the middle).
const stopDelayMs = Number(process.env.STOP_DELAY_MS || 0);
process.on('SIGTERM', () => {
  console.log(`demo app ${version} (${color}) stopping${stopDelayMs ? ` in ${stopDelayMs}ms` : ''}`);
  setTimeout(() => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }, stopDelayMs);
});
