// Error wording shared by the workflow modules.

/** The innermost message: activity failures wrap the real cause, and the operator wants that. */
export function describeError(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e && (e as { cause?: unknown }).cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
