// One way to reach Temporal for the CLI and the worker: @temporalio/envconfig reads
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS settings and TOML profiles
// (TEMPORAL_PROFILE), exactly as the `temporal` CLI does.
// The CLI uses the client library's pure-JS connection: loading @temporalio/worker (native
// bridge, webpack) would add over half a second to every command. The worker uses its own.
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { temporal } from '@temporalio/proto';
import { allSearchAttributeKeys } from '../workflows/search-attributes';

export const DEFAULT_TASK_QUEUE = 'bluegreen';

export function taskQueue(): string {
  return process.env.BLUEGREEN_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

import { UnreachableError } from './errors';

export { UnreachableError };

import type { AnyConnection, ConnectionOverrides, Temporal } from './library/temporal';

export type { AnyConnection, ConnectionOverrides, Temporal };

/** Connection settings from envconfig: environment variables, then the TOML profile. */
export function connectionConfig(overrides: ConnectionOverrides = {}) {
  const config = loadClientConnectConfig({ profile: overrides.profile ?? process.env.TEMPORAL_PROFILE });
  const options = { ...config.connectionOptions };
  if (overrides.address) options.address = overrides.address;
  if (overrides.apiKey) options.apiKey = overrides.apiKey;
  if (overrides.tls !== undefined) options.tls = overrides.tls;
  // An API key is only ever sent over TLS (Temporal Cloud); say `tls: false` to override.
  else if (overrides.apiKey && options.tls === undefined) options.tls = true;
  return {
    options: { ...options, address: options.address ?? 'localhost:7233' },
    namespace: overrides.namespace ?? config.namespace ?? 'default',
  };
}

export function unreachable(address: string, namespace: string, err: unknown): UnreachableError {
  return new UnreachableError(
    `cannot reach Temporal at ${address} (namespace ${namespace}): ${(err as Error).message.split('\n')[0]}\n` +
      'Start one with `bluegreen dev`, or point TEMPORAL_ADDRESS / TEMPORAL_PROFILE at yours.',
  );
}

export async function connectTemporal(overrides: ConnectionOverrides = {}): Promise<Temporal> {
  const { options, namespace } = connectionConfig(overrides);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...(options as ConnectionOptions), connectTimeout: 5000 });
  } catch (err) {
    throw unreachable(options.address, namespace, err);
  }
  return { connection, client: new Client({ connection, namespace }), namespace, address: options.address };
}

/**
 * Registers bluegreen's search attributes when the namespace lacks them (a fresh
 * `temporal server start-dev`). On Temporal Cloud, add them once with tcld or the UI instead:
 * API keys there are not allowed to change namespace attributes.
 */
export async function ensureSearchAttributes(connection: AnyConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = allSearchAttributeKeys.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  // Visibility picks new attributes up asynchronously; wait until they are listed.
  for (let i = 0; i < 50; i++) {
    const now = await connection.operatorService.listSearchAttributes({ namespace });
    if (missing.every((k) => now.customAttributes?.[k.name] !== undefined)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return missing.map((k) => k.name);
}
