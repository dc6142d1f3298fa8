// A small HTTP proxy in front of moto that injects what moto never does: PENDING changes,
// Throttling and PriorRequestNotComplete, so retries and INSYNC polling meet real responses.
import http from 'node:http';
import type net from 'node:net';

export type Route53Action =
  | 'ChangeResourceRecordSets'
  | 'GetChange'
  | 'ListResourceRecordSets'
  | 'ListHostedZonesByName'
  | 'CreateHealthCheck'
  | 'Other';

export type Fault =
  | {
      kind: 'error';
      code:
        | 'Throttling'
        | 'PriorRequestNotComplete'
        | 'InternalError'
        | 'AccessDenied'
        | 'InvalidChangeBatch'
        | 'InvalidInput';
      status?: number;
    }
  | { kind: 'pending' };

interface Rule {
  action: Route53Action;
  fault: Fault;
  remaining: number;
}

export function actionOf(method: string, url: string): Route53Action {
  if (method === 'POST' && /\/hostedzone\/[^/]+\/rrset\/?$/.test(url.split('?')[0])) return 'ChangeResourceRecordSets';
  if (method === 'GET' && /\/change\//.test(url)) return 'GetChange';
  if (method === 'GET' && /\/hostedzone\/[^/]+\/rrset/.test(url)) return 'ListResourceRecordSets';
  if (method === 'GET' && /\/hostedzonesbyname/.test(url)) return 'ListHostedZonesByName';
  if (method === 'POST' && /\/healthcheck\/?$/.test(url.split('?')[0])) return 'CreateHealthCheck';
  return 'Other';
}

function errorBody(code: string, message = 'injected by the test proxy'): string {
  return `<?xml version="1.0"?>\n<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;
}

export interface FaultProxy {
  endpoint: string;
  /** Makes the next `times` requests of `action` fail or report PENDING. */
  inject(action: Route53Action, fault: Fault, times: number): void;
  /**
   * Rejects the next `times` ChangeResourceRecordSets whose batch names `recordName` with
   * InvalidChangeBatch, worded as Route 53 words a bad record (it names the record).
   */
  rejectRecord(recordName: string, times: number): void;
  /** Requests seen per action, faulted or not. */
  hits: Record<Route53Action, number>;
  injected: Record<Route53Action, number>;
  /** Every request as it arrived (ms since the epoch), for rate checks. */
  log: { at: number; action: Route53Action }[];
  /** The most requests any window of `windowMs` held (sliding, not aligned to seconds). */
  maxInWindow(windowMs?: number): number;
  /** Requests seen, all actions together. */
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const rules: Rule[] = [];
  const zero = () => ({
    ChangeResourceRecordSets: 0,
    GetChange: 0,
    ListResourceRecordSets: 0,
    ListHostedZonesByName: 0,
    CreateHealthCheck: 0,
    Other: 0,
  });
  const hits: Record<Route53Action, number> = zero();
  const injected: Record<Route53Action, number> = zero();
  const log: { at: number; action: Route53Action }[] = [];
  const rejections: { name: string; remaining: number }[] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const action = actionOf(req.method ?? 'GET', req.url ?? '/');
    hits[action]++;
    log.push({ at: Date.now(), action });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const sent = Buffer.concat(chunks).toString();
    const rejection =
      action === 'ChangeResourceRecordSets' &&
      rejections.find((r) => r.remaining > 0 && sent.includes(`<Name>${r.name}`));
    if (rejection) {
      rejection.remaining--;
      injected[action]++;
      res.writeHead(400, { 'content-type': 'text/xml' });
      res.end(
        errorBody(
          'InvalidChangeBatch',
          `[RRSet with DNS name ${rejection.name}. is not permitted in zone example.com.]`,
        ),
      );
      return;
    }
    const rule = rules.find((r) => r.action === action && r.remaining > 0);
    if (rule && rule.fault.kind === 'error') {
      rule.remaining--;
      injected[action]++;
      res.writeHead(
        rule.fault.status ??
          (rule.fault.code === 'InternalError' ? 500 : rule.fault.code === 'AccessDenied' ? 403 : 400),
        { 'content-type': 'text/xml' },
      );
      res.end(errorBody(rule.fault.code));
      return;
    }
    const upstreamRes = await fetch(upstream + req.url, {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length') as [string, string][],
      ),
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    let body = Buffer.from(await upstreamRes.arrayBuffer());
    if (rule && rule.fault.kind === 'pending') {
      rule.remaining--;
      injected[action]++;
      body = Buffer.from(body.toString().replace('<Status>INSYNC</Status>', '<Status>PENDING</Status>'));
    }
    res.writeHead(upstreamRes.status, { 'content-type': upstreamRes.headers.get('content-type') ?? 'text/xml' });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // moto went away mid-request: answer like an unreachable upstream, never crash the test.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject(action, fault, times) {
      rules.push({ action, fault, remaining: times });
    },
    rejectRecord(recordName, times) {
      rejections.push({ name: recordName.replace(/\.$/, ''), remaining: times });
    },
    hits,
    injected,
    log,
    maxInWindow(windowMs = 1000) {
      let max = 0;
      for (let start = 0, end = 0; end < log.length; end++) {
        while (log[end].at - log[start].at >= windowMs) start++;
        max = Math.max(max, end - start + 1);
      }
      return max;
    },
    total: () => log.length,
    reset() {
      rules.length = 0;
      rejections.length = 0;
      log.length = 0;
      Object.assign(hits, zero());
      Object.assign(injected, zero());
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
