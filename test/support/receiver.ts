// A local HTTP receiver for webhooks, Slack and gates: records every request exactly as it
// arrived (raw body, headers) and answers as each path is told to.
import http from 'node:http';
import type net from 'node:net';

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: unknown;
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
  /** Never answer (a hanging gate). */
  hang?: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** How `path` answers: always the same, or decided per request. */
  on(path: string, answer: Answer | ((r: Received) => Answer | Promise<Answer>)): void;
  at(path: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, Answer | ((r: Received) => Answer | Promise<Answer>)>();
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        /* not JSON: keep the text */
      }
      const path = (req.url ?? '/').split('?')[0];
      const got: Received = { path, headers: req.headers, raw, body, at: Date.now() };
      received.push(got);
      const rule = answers.get(path) ?? { status: 200, body: 'ok' };
      void Promise.resolve(typeof rule === 'function' ? rule(got) : rule).then((answer) => {
        if (answer.hang) {
          hanging.add(res);
          return;
        }
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.body ?? '');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    on: (path, answer) => answers.set(path, answer),
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
