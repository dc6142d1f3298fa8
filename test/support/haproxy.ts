// HAProxy (Debian's `haproxy` package) for tests: started on free ports with a generated config:
// a frontend, one backend per name given with servers blue and green (weight 0: no release yet)
// pointing at local ports, and the Runtime API on a TCP stats socket at level admin.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Color } from '../../workflows/spec';
import type { HaproxyRouterSpec } from '../../workflows/router-spec';
import { freePort, startProcess, waitFor, type Started } from './processes';

export const HAPROXY_INSTALL = 'install it with `sudo apt-get install haproxy` (Debian/Ubuntu)';

export function haproxyBinary(): string {
  for (const candidate of [process.env.HAPROXY_BIN, '/usr/sbin/haproxy', '/usr/bin/haproxy'])
    if (candidate && existsSync(candidate)) return candidate;
  throw new Error(`haproxy not found (HAPROXY_BIN, /usr/sbin/haproxy): ${HAPROXY_INSTALL}`);
}

export interface Haproxy {
  /** The frontend users reach: http://127.0.0.1:<port> */
  url: string;
  /** host:port of the Runtime API (router.runtimeApi). */
  runtimeApi: string;
  process: Started;
  /** A router spec of one of the backends. */
  router: (backend: string) => HaproxyRouterSpec;
  /** One Runtime API command, straight on the socket (around any router). */
  command: (line: string) => Promise<string>;
  /**
   * Stops HAProxy and starts it again from its configuration, as a reload does. With
   * `serverStateFile`, the servers' state is saved first the way docs/routers.md says to.
   * `downMs`: how long nothing listens in between (a Runtime API that is briefly unreachable).
   */
  restart: (downMs?: number) => Promise<void>;
  /** The servers' weights as HAProxy has them (`get weight`). */
  weights: (backend: string) => Promise<Record<Color, number>>;
  stop: () => Promise<void>;
}

export interface HaproxyOptions {
  /** Backends to create, each with servers blue and green. The frontend routes to the first. */
  backends?: string[];
  /** Local ports of the blue and green servers (nothing needs to listen for router tests). */
  ports: Record<Color, number>;
  /** Configure server-state-file + load-server-state-from-file (weights survive a reload). */
  serverStateFile?: boolean;
}

export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const backends = options.backends ?? ['shop'];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-haproxy-'));
  const config = path.join(dir, 'haproxy.cfg');
  const stateFile = path.join(dir, 'server-state');
  const [frontendPort, apiPort] = [await freePort(), await freePort()];
  const backendBlocks = backends.map((b) =>
    [
      `backend ${b}`,
      '  balance roundrobin',
      // Both at 0: no release has happened yet. Retry another server when a color's process is
      // not listening, so a stopped old color costs no request while it still has weight.
      '  retries 2',
      '  option redispatch 1',
      `  server blue 127.0.0.1:${options.ports.blue} weight 0`,
      `  server green 127.0.0.1:${options.ports.green} weight 0`,
    ].join('\n'),
  );
  writeFileSync(
    config,
    [
      'global',
      `  stats socket ipv4@127.0.0.1:${apiPort} level admin`,
      ...(options.serverStateFile ? [`  server-state-file ${stateFile}`] : []),
      'defaults',
      '  mode http',
      ...(options.serverStateFile ? ['  load-server-state-from-file global'] : []),
      '  timeout connect 1s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend web',
      `  bind 127.0.0.1:${frontendPort}`,
      `  default_backend ${backends[0]}`,
      ...backendBlocks,
      '',
    ].join('\n'),
  );
  const runtimeApi = `127.0.0.1:${apiPort}`;
  const command = (line: string) => runtimeCommand(apiPort, line);
  const start = async () => {
    const p = startProcess(haproxyBinary(), ['-f', config, '-db']);
    await waitFor('haproxy', async () => ((await command('show info').catch(() => '')) ? true : undefined), 15_000, p);
    return p;
  };
  let started = await start();
  return {
    url: `http://127.0.0.1:${frontendPort}`,
    runtimeApi,
    get process() {
      return started;
    },
    async restart(downMs = 0) {
      if (options.serverStateFile) writeFileSync(stateFile, await command('show servers state'));
      await started.stop();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      started = await start();
    },
    router: (backend) => ({ provider: 'haproxy', runtimeApi, backend, servers: { blue: 'blue', green: 'green' } }),
    command,
    async weights(backend) {
      const answer = await command(`get weight ${backend}/blue; get weight ${backend}/green`);
      const [blue, green] = answer
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => Number(/^(\d+) /.exec(l)?.[1] ?? NaN));
      return { blue, green };
    },
    async stop() {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runtimeCommand(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ host: '127.0.0.1', port }, () => socket.end(`${line}\n`));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
