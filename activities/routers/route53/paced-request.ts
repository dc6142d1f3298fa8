// One Route 53 request the way every budgeted activity makes it: it waits for this worker's paced
// turn (compensations first), is counted by outcome, and an SDK error becomes the Temporal
// failure whose type the activity's retry policy reads.
import type { ApplicationFailure } from '@temporalio/common';
import { classifyRoute53Error, THROTTLING_ERRORS, type CallObserver } from './router';
import { onUndoLane, route53Pacer } from './pacer';

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

/** Makes paced requests counted by `observe`. */
export function pacedRequests(observe: CallObserver) {
  /** An error named in `tolerated` (a delete of what is gone) counts as done and gives null. */
  async function tolerating<T>(action: string, fn: () => Promise<T>, tolerated: string[]): Promise<T | null> {
    await route53Pacer.turn(onUndoLane());
    try {
      const out = await fn();
      observe(action, 'ok');
      return out;
    } catch (err) {
      if (tolerated.includes(errorName(err))) {
        observe(action, 'ok');
        return null;
      }
      const failure = classifyRoute53Error(err, action) as ApplicationFailure;
      observe(action, THROTTLING_ERRORS.has(failure.type ?? '') ? 'throttled' : 'error', failure.message);
      throw failure;
    }
  }
  return {
    request: async <T>(action: string, fn: () => Promise<T>): Promise<T> => (await tolerating(action, fn, [])) as T,
    tolerating,
  };
}
