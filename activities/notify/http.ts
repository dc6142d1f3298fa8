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
