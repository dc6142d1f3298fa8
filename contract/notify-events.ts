// The events a release notifies about. Kept apart from spec.ts, which is zod: the workflow bundle
// needs these names, and importing them from the schema module pulled all of zod (and its
// locales) into every worker's workflow sandbox.
export const notifyEventTypes = [
  'started',
  'paused',
  'resumed',
  'awaiting-approval',
  'inconclusive',
  'frozen',
  'shifted',
  'rolled-back',
  'completed',
  'failed',
] as const;
export type NotifyEventType = (typeof notifyEventTypes)[number];
/** What a sink gets without `on`: everything but the chatty per-step `shifted`. */
export const defaultNotifyEvents: NotifyEventType[] = notifyEventTypes.filter((t) => t !== 'shifted');
