// Error wording shared by the workflow modules and the client.

/** The end of a cause chain: activity and client failures wrap the real cause. */
export function rootCause(err: unknown): unknown {
  let e = err as { cause?: unknown } | undefined;
  while (e && e.cause) e = e.cause as typeof e;
  return e;
}

/** The innermost message: the one describing of errors for workflows, and the client's
 * rootMessage builds on it. */
export function describeError(err: unknown): string {
  return (rootCause(err) as { message?: string } | undefined)?.message ?? String(err);
}
