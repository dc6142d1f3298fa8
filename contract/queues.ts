// Task queue names every layer must agree on: the worker polls them, workflows route activities
// to them, activities recognise which one they run on.

/** Suffix of the Route 53 queue for compensations, which never wait behind a release moving forward. */
export const ROUTE53_UNDO_QUEUE_SUFFIX = '-route53-undo';
