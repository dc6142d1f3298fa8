// Route 53 errors that no retry can fix: the spec or the account needs a human. One list for
// both sides: the router (activities/routers/route53/router.ts) turns these into non-retryable
// failures, and the workflow's retry policies (activity-options.ts) name them as non-retryable
// too, for a failure that reaches Temporal unclassified.
export const PERMANENT_ROUTE53_ERRORS: readonly string[] = [
  'NoSuchHostedZone',
  'InvalidChangeBatch',
  'InvalidInput',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'NoSuchChange',
  // dns.healthCheck: the account's limit of health checks; a human raises it or deletes some.
  'TooManyHealthChecks',
];
