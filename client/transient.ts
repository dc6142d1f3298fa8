// Which failures of a call to Temporal may pass if asked again — the server or a worker did not
// answer in time (a restart, a deploy, a network blip) — and which would fail the same way: a
// worker that answered with an error (a nondeterminism error after an upgrade, for one) keeps
// answering so. Callers retry the first kind and surface the second instead of hiding it.
import { isGrpcServiceError } from '@temporalio/client';
import { ConnectionError } from './library/errors';
import { describeError, rootCause } from '../workflows/errors';

/**
 * gRPC status codes of "no answer": UNAVAILABLE, DEADLINE_EXCEEDED, and CANCELLED — what a call
 * under `withDeadline` reports when its deadline passes while the server still waits for a worker.
 * A worker that answers a query with an error comes back as a query failure, never as these.
 */
const NO_ANSWER = new Set([14, 4, 1]);

/** The words the server and SDK use when a query found no worker in time. */
const TIMED_OUT = /deadline|timed? ?out|no poller/i;

/** Whether `err`, or an error that caused it, says only that no answer came in time. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e) && NO_ANSWER.has(e.code)) return true;
  }
  return false;
}

/** Whether a failed query only timed out (no worker answered), rather than failed on a worker. */
export function queryTimedOut(err: unknown): boolean {
  if (isTransient(err)) return true;
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (TIMED_OUT.test(e.message)) return true;
  return false;
}

/** What a failed call says, from the error that caused it (the SDK's own message is generic:
 * "Failed to query Workflow"), on one line. */
export function rootMessage(err: unknown): string {
  const e = rootCause(err);
  const details = isGrpcServiceError(e) && e.details ? e.details : undefined;
  return (details ?? describeError(e)).split('\n')[0];
}

/** The hint a nondeterminism error needs: what it means and what to do. */
export function replayHint(message: string): string {
  return /nondetermin/i.test(message)
    ? '\nThe workers run workflow code that cannot replay this run (changed without patched()): run a worker with the version that started it, then try again.'
    : '';
}
