// The local stack's HAProxy front door: Debian's `haproxy`, when installed, in front of the demo
// app's two colors, with its Runtime API at level admin so a spec with `router.provider: haproxy`
// moves the weights. Both servers start at weight 0: no release has used the backend yet.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Color } from '../workflows/spec';

export const HAPROXY_INSTALL = 'sudo apt-get install haproxy';

/** The backend the front door routes to, and the servers' names in it. */
export const FRONT_DOOR_BACKEND = 'shop';

/** The local ports of the colors behind the front door (examples/shop-frontdoor.yaml). */
export const FRONT_DOOR_APP_PORTS: Record<Color, number> = { blue: 18091, green: 18092 };

/** HAPROXY_BIN (`none` leaves the front door off), else haproxy on PATH or in /usr/sbin. */
export function findHaproxy(): string | undefined {
  const configured = process.env.HAPROXY_BIN;
  if (configured) return existsSync(configured) ? configured : undefined;
  const candidates: (string | undefined)[] = [];
  try {
    candidates.push(execFileSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).trim() || undefined);
  } catch {
    /* not on PATH */
  }
  candidates.push('/usr/sbin/haproxy');
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export interface FrontDoorConfig {
  port: number;
  apiPort: number;
  servers: Record<Color, number>;
  /** Where HAProxy saves the servers' weights across reloads (docs/routers.md, Reloads). */
  stateFile: string;
}

export function frontDoorConfig(c: FrontDoorConfig): string {
  return [
    'global',
    `  stats socket ipv4@127.0.0.1:${c.apiPort} level admin`,
    `  server-state-file ${c.stateFile}`,
    'defaults',
    '  mode http',
    '  load-server-state-from-file global',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    'frontend web',
    `  bind 127.0.0.1:${c.port}`,
    `  default_backend ${FRONT_DOOR_BACKEND}`,
    `backend ${FRONT_DOOR_BACKEND}`,
    '  balance roundrobin',
    // A connection a color refuses (its process has just stopped) is retried on the other color
    // rather than failed: with the release's order (weight 0, decommission.delay, then stop) no
    // request is in flight there, and this covers a client's connection that raced the weight.
    '  retries 3',
    '  option redispatch 1',
    `  server blue 127.0.0.1:${c.servers.blue} weight 0`,
    `  server green 127.0.0.1:${c.servers.green} weight 0`,
    '',
  ].join('\n');
}
