// A tiny demo service for bluegreen. It serves /healthz and /, says which color and version it
// is, and can misbehave on purpose: ERROR_RATE=0.5 fails half of the requests to / (analysis
// catches it), HEALTHY=false fails /healthz (verify catches it), LATENCY_MS slows every answer.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const color = process.env.BLUEGREEN_COLOR || 'none';
const version = process.env.BLUEGREEN_VERSION || 'dev';
const errorRate = Number(process.env.ERROR_RATE || 0);
const healthy = process.env.HEALTHY !== 'false';
const latencyMs = Number(process.env.LATENCY_MS || 0);
let served = 0;

const server = http.createServer((req, res) => {
  setTimeout(() => {
    served++;
    if (req.url === '/healthz') {
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(healthy ? 'ok\n' : 'unhealthy\n');
      return;
    }
    // Deterministic failure pattern: every n-th request fails, so a 50% rate is exactly 50%.
    const failing = errorRate > 0 && served % Math.max(1, Math.round(1 / errorRate)) === 0;
    res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service: process.env.BLUEGREEN_SERVICE, version, color, ok: !failing }) + '\n');
  }, latencyMs);
});

server.listen(port, '127.0.0.1', () => console.log(`demo app ${version} (${color}) listening on ${port}`));
process.on('SIGTERM', () => {
  console.log(`demo app ${version} (${color}) stopping`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
