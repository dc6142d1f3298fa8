// Task queue names every layer must agree on: the worker polls them, workflows route activities
// to them, activities recognise which one they run on.

/** Suffix of the Route 53 queue for compensations, which never wait behind a release moving forward. */
export const ROUTE53_UNDO_QUEUE_SUFFIX = '-route53-undo';
/**
 * The zone batchers' own workflow queue: a worker serves it with its own slots and workflow cache,
 * so a batcher's tasks (every release's change passes through one) never wait behind a thousand
 * releases' tasks, nor replay a long history after being evicted to make room for them.
 */
export const ROUTE53_BATCHER_QUEUE_SUFFIX = '-route53-batcher';
