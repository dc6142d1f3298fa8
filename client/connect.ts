// One way to reach Temporal for the CLI and the worker: @temporalio/envconfig reads
// TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS settings and TOML profiles
// (TEMPORAL_PROFILE), exactly as the `temporal` CLI does.
import { Client } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { allSearchAttributeKeys } from '../workflows/search-attributes';

export const DEFAULT_TASK_QUEUE = 'bluegreen';

export function taskQueue(): string {
  return process.env.BLUEGREEN_TASK_QUEUE || DEFAULT_TASK_QUEUE;
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

export interface Temporal {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  address: string;
}

export async function connectTemporal(): Promise<Temporal> {
  const config = loadClientConnectConfig({ profile: process.env.TEMPORAL_PROFILE });
  const namespace = config.namespace ?? 'default';
  const address = config.connectionOptions.address ?? 'localhost:7233';
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect({ ...config.connectionOptions, address });
  } catch (err) {
    throw new UnreachableError(
      `cannot reach Temporal at ${address} (namespace ${namespace}): ${(err as Error).message.split('\n')[0]}\n` +
        'Start one with `bluegreen dev`, or point TEMPORAL_ADDRESS / TEMPORAL_PROFILE at yours.',
    );
  }
  return { connection, client: new Client({ connection, namespace }), namespace, address };
}

/**
 * Registers bluegreen's search attributes when the namespace lacks them (a fresh
 * `temporal server start-dev`). On Temporal Cloud, add them once with tcld or the UI instead:
 * API keys there are not allowed to change namespace attributes.
 */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = allSearchAttributeKeys.filter((k) => !known.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  // Visibility picks new attributes up asynchronously; wait until they are listed.
  for (let i = 0; i < 50; i++) {
    const now = await connection.operatorService.listSearchAttributes({ namespace });
    if (missing.every((k) => now.customAttributes?.[k.name] !== undefined)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return missing.map((k) => k.name);
}
