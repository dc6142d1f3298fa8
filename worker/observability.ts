// What the worker tells operators: logs (text or one JSON object per line) and a Prometheus
// endpoint serving bluegreen's counters together with the Temporal SDK's runtime metrics.
import http from 'node:http';
import net from 'node:net';
import type { Context as ActivityContext } from '@temporalio/activity';
import {
  DefaultLogger,
  Runtime,
  type ActivityExecuteInput,
  type ActivityInboundCallsInterceptor,
  type LogLevel,
  type LogMetadata,
  type Logger,
  type Next,
} from '@temporalio/worker';
import { countPhase, countReleaseOutcome, registry } from '../activities/metrics';
import { finalPhases, type Phase } from '../workflows/messages';

export type LogFormat = 'text' | 'json';

export function logFormatFromEnv(): LogFormat {
  const v = (process.env.BLUEGREEN_LOG_FORMAT ?? 'text').toLowerCase();
  if (v !== 'text' && v !== 'json') {
    throw new Error(`BLUEGREEN_LOG_FORMAT must be "text" or "json", not "${v}"`);
  }
  return v;
}

/**
 * The worker's logger. Workflow log entries reach it only when the workflow really runs, never
 * while it is replayed, which makes them the replay-safe place to count phase changes and
 * outcomes (workflows/tracker.ts logs each phase with a `phase` field).
 */
export function createLogger(format: LogFormat, level: LogLevel = 'INFO'): Logger {
  const write = (entry: { level: LogLevel; message: string; meta?: LogMetadata; timestampNanos: bigint }) => {
    // The task token is binary and means nothing to a reader; the ids around it say the same.
    const { taskToken: _token, ...meta } = entry.meta ?? {};
    if (meta.sdkComponent === 'workflow' && typeof meta.phase === 'string') {
      countPhase(meta.phase);
      if (finalPhases.includes(meta.phase as Phase)) countReleaseOutcome(meta.phase);
    }
    const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    if (format === 'json') {
      process.stdout.write(
        `${JSON.stringify({ time, level: entry.level.toLowerCase(), message: entry.message, ...meta }, jsonSafe)}\n`,
      );
    } else {
      const { sdkComponent: _component, ...rest } = meta;
      const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest, jsonSafe)}` : '';
      process.stdout.write(`${time} [${entry.level}] ${entry.message}${extra}\n`);
    }
  };
  return new DefaultLogger(level, write);
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** Installs the SDK runtime: our logger, and its Prometheus exporter on a private local port. */
export async function installRuntime(options: { logFormat: LogFormat; metrics: boolean }): Promise<string | null> {
  const sdkMetrics = options.metrics ? `127.0.0.1:${await freePort()}` : null;
  Runtime.install({
    logger: createLogger(options.logFormat),
    telemetryOptions: sdkMetrics ? { metrics: { prometheus: { bindAddress: sdkMetrics } } } : undefined,
  });
  return sdkMetrics;
}

/**
 * Serves GET /metrics: bluegreen's counters, then the SDK's (workflow task latencies, slots,
 * poll results, sticky cache). One port to scrape, one job in Prometheus.
 */
export async function serveMetrics(port: number, host: string, sdkMetrics: string | null): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || !(req.url ?? '').startsWith('/metrics')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    void (async () => {
      let body = await registry.metrics();
      if (sdkMetrics) {
        try {
          const sdk = await fetch(`http://${sdkMetrics}/metrics`, { signal: AbortSignal.timeout(2000) });
          body += `\n${await sdk.text()}`;
        } catch (err) {
          body += `\n# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
        }
      }
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Logs every activity's outcome (each is one external call or one bounded piece of work) at
 * INFO; the activity logger adds the release id (workflowId), the activity type and the attempt.
 */
export const activityOutcomeLogging = (ctx: ActivityContext): { inbound: ActivityInboundCallsInterceptor } => ({
  inbound: {
    async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
      const started = Date.now();
      try {
        const result = await next(input);
        ctx.log.info(`${ctx.info.activityType} succeeded`, { outcome: 'ok', durationMs: Date.now() - started });
        return result;
      } catch (err) {
        const e = err as { name?: string; type?: string; message?: string };
        ctx.log.warn(`${ctx.info.activityType} failed`, {
          outcome: 'error',
          error: `${e.type ?? e.name ?? 'Error'}: ${e.message ?? String(err)}`,
          durationMs: Date.now() - started,
        });
        throw err;
      }
    },
  },
});
