// Starting and stopping the real servers tests run against.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A port for a server a test starts later (often seconds later: a color of the demo app). Picked
 * below the kernel's ephemeral range (32768 and up), where no listen(0) and no outgoing connection
 * lands meanwhile, and reserved by a file in the temp directory so that test files running side
 * by side never get the same one (a reservation older than RESERVED_FOR_MS is free again).
 */
export async function freePort(): Promise<number> {
  mkdirSync(reservations, { recursive: true });
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (reserve(port) && (await bindable(port))) return port;
  }
  return closedPort(); // every pick was taken: the kernel's choice, as before
}

const reservations = path.join(os.tmpdir(), 'bluegreen-test-ports');
/** Longer than any test file runs (the runner's timeout is 5 minutes a test). */
const RESERVED_FOR_MS = 60 * 60_000;

function reserve(port: number): boolean {
  const file = path.join(reservations, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      if (Date.now() - statSync(file).mtimeMs < RESERVED_FOR_MS) return false;
      writeFileSync(file, String(process.pid));
      return true;
    } catch {
      return false;
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on: the kernel's pick, bound, then released. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function startProcess(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(file, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timeout = sleep(5000).then(() => 'timeout');
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      await exited;
    }
  };
  return { child, output: () => output, stop };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  started?: Started,
  /**
   * Between probes. Each probe costs a request somewhere (moto, the worker, the dev server), and
   * with files run side by side the suite is CPU-bound: 250 ms is quick enough for every wait here.
   */
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (started && started.child.exitCode !== null)
      throw new Error(`${what} exited with ${started.child.exitCode}:\n${started.output()}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `${what} not ready within ${timeoutMs}ms: ${(lastError as Error | undefined)?.message ?? ''}\n${started?.output() ?? ''}`,
  );
}

export async function httpOk(url: string): Promise<boolean | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return true;
  } catch {
    return undefined;
  }
}

/**
 * Starts a server on a free port, again on another port when the one picked was taken meanwhile:
 * freePort() releases the port before the server binds it, so test files running side by side
 * can race for it. Any other failure is thrown as it is.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      const taken = /address already in use|already in use|bind: /i.test((err as Error).message);
      if (!taken || attempt >= attempts) throw err;
    }
  }
}
