// CloudWatch clients for the metric providers: one per region, created on first use and kept
// for the life of the worker (or CLI run). The SDK is loaded lazily so that commands which never
// read CloudWatch start without it. Endpoint and credentials come from the SDK's standard chain
// (AWS_ENDPOINT_URL_CLOUDWATCH, AWS_PROFILE, instance roles, ...).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

type CloudWatchModule = typeof import('@aws-sdk/client-cloudwatch');

let sdk: Promise<CloudWatchModule> | undefined;
const clients = new Map<string, CloudWatchClient>();

export function loadCloudWatch(): Promise<CloudWatchModule> {
  sdk ??= import('@aws-sdk/client-cloudwatch');
  return sdk;
}

/** The region a provider reads from: its own `region`, else the worker's AWS_REGION. */
export function regionOf(configured: string | undefined): string | undefined {
  return configured ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

export async function cloudWatchClient(region: string): Promise<CloudWatchClient> {
  const cached = clients.get(region);
  if (cached) return cached;
  const { CloudWatchClient } = await loadCloudWatch();
  const client = new CloudWatchClient({ region, maxAttempts: 3 });
  clients.set(region, client);
  return client;
}

/** Drops the cached clients (tests that switch endpoints, and the CLI before it exits). */
export function resetCloudWatchClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}

/** An SDK error as one line, e.g. "ValidationError: The parameter ..." or "unreachable: ECONNREFUSED". */
export function describeAwsError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return `no answer within ${timeoutMs}ms`;
  const code = e?.code ?? (e as { errno?: string })?.errno;
  if (code && /^E[A-Z]+$/.test(String(code))) return `unreachable: ${code}`;
  const status = e?.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${status}`;
}
