// One POST with a time limit, worded for an operator. Resolved URLs may hold secrets (a Slack
// webhook URL is one), so messages name the URL as the spec wrote it, never as resolved.
export interface PostResult {
  status?: number;
  bodyStart?: string;
  error?: string;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<PostResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'bluegreen', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    const text = await res.text().catch(() => '');
    return { status: res.status, bodyStart: text.slice(0, 200) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return {
      error:
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutMs}ms`
          : (e.cause?.code ?? e.cause?.message ?? e.message),
    };
  }
}

export function describeAnswer(r: PostResult): string {
  if (r.error) return r.error;
  const body = r.bodyStart?.trim().replace(/\s+/g, ' ');
  return `HTTP ${r.status}${body ? `: ${body}` : ''}`;
}

export const isSuccess = (r: PostResult): boolean => r.status !== undefined && r.status >= 200 && r.status < 300;

/** Errors of a failed POST in words, completing "the webhook … ". */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'refused the connection (nothing listens there)',
  ECONNRESET: 'dropped the connection before answering',
  ENOTFOUND: 'could not be found (its host name does not resolve)',
  EAI_AGAIN: 'could not be found (DNS did not answer)',
  EHOSTUNREACH: 'could not be reached (no route to its host)',
  ENETUNREACH: 'could not be reached (no route to its network)',
  UND_ERR_SOCKET: 'dropped the connection before answering',
  UND_ERR_CONNECT_TIMEOUT: 'could not be connected to in time',
};

export function describeAttempt(r: PostResult, timeoutMs: number): string {
  if (r.status !== undefined) return `answered ${describeAnswer(r)}`;
  if (r.error?.startsWith('no answer within')) return `did not answer within ${formatSeconds(timeoutMs)}`;
  return NETWORK_ERRORS[r.error ?? ''] ?? `could not be reached (${r.error ?? 'unknown error'})`;
}

const formatSeconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
