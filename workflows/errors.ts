// Error wording shared by the workflow modules and the client.
import { ApplicationFailure } from '@temporalio/common';

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

/**
 * How a release (or a wave release) that did not complete ends its run: failed with its result
 * as the failure's details, so `bluegreen` and the library read the outcome from either. A human
 * is needed after `failed` (NeedsHuman); `rolled-back` put the old color back (RolledBack).
 */
export function endedWithout(outcome: string, reason: string, result: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${outcome}: ${reason}`,
    type: outcome === 'failed' ? 'NeedsHuman' : 'RolledBack',
    nonRetryable: true,
    details: [result],
  });
}
