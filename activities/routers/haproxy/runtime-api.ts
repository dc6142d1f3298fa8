// A client of HAProxy's Runtime API (the `stats socket`): one connection per command line, as
// the API's non-interactive mode expects: send the line, read until HAProxy closes.
import net from 'node:net';
import { ApplicationFailure } from '@temporalio/common';

/** How long one command may take, connecting included: the API answers in milliseconds. */
const COMMAND_TIMEOUT_MS = 5000;

/** Where the API listens: `host:port`, `[v6]:port` or `unix:/path`. */
export type RuntimeApiAddress = { path: string } | { host: string; port: number };

export function parseRuntimeApi(address: string): RuntimeApiAddress {
  if (address.startsWith('unix:')) return { path: address.slice('unix:'.length) };
  const m = /^\[([0-9a-fA-F:]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!m)
    throw ApplicationFailure.nonRetryable(
      `router.runtimeApi ${address}: expected host:port or unix:/path`,
      'InvalidInput',
    );
  return { host: m[1], port: Number(m[2]) };
}

/** Socket errors no retry can fix: the address is wrong or the worker may not use it. */
const PERMANENT_SOCKET_ERRORS = new Set(['ENOTFOUND', 'EACCES', 'EPERM', 'ENOTSOCK']);

export class RuntimeApi {
  private readonly where: RuntimeApiAddress;

  constructor(readonly address: string) {
    this.where = parseRuntimeApi(address);
  }

  /** Runs one command line (commands may be joined with "; ") and returns HAProxy's answer. */
  run(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.where);
      const chunks: Buffer[] = [];
      socket.setTimeout(COMMAND_TIMEOUT_MS);
      socket.on('connect', () => socket.end(`${line}\n`));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('timeout', () => {
        socket.destroy();
        reject(
          ApplicationFailure.retryable(
            `HAProxy's Runtime API at ${this.address} did not answer within ${COMMAND_TIMEOUT_MS} ms; check that HAProxy runs and router.runtimeApi names its stats socket`,
            'RouterUnavailable',
          ),
        );
      });
      socket.on('error', (err: NodeJS.ErrnoException) => reject(this.unreachable(err)));
      socket.on('close', (hadError) => {
        if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  private unreachable(err: NodeJS.ErrnoException): ApplicationFailure {
    const code = err.code ?? 'error';
    const fix =
      'path' in this.where
        ? `check that HAProxy runs with \`stats socket ${this.where.path} level admin\` and that the worker may open it`
        : `check that HAProxy runs with \`stats socket ipv4@${this.where.host}:${this.where.port} level admin\` and that the worker can reach it`;
    const message = `cannot reach HAProxy's Runtime API at ${this.address} (router.runtimeApi): ${code}; ${fix}`;
    return PERMANENT_SOCKET_ERRORS.has(code)
      ? ApplicationFailure.nonRetryable(message, 'RouterMisconfigured')
      : ApplicationFailure.retryable(message, 'RouterUnavailable');
  }
}
