// Route 53 health checks on the colors (dns.healthCheck, docs/safety-nets.md). Each activity is
// idempotent: a create finds the check an earlier attempt made (by its CallerReference) before
// it makes one, and a delete of a check already gone succeeds. They run on the rate-limited
// Route 53 queues like every Route 53 request, each request paced by the worker's budget.
import { ApplicationFailure } from '@temporalio/common';
import {
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetHealthCheckCommand,
  ListHealthChecksCommand,
  type HealthCheck,
  type HealthCheckConfig,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import type { CallObserver } from './router';
import { pacedRequests } from './paced-request';
import type { Activities, HealthCheckRef } from '../../../contract/activities';

/** ListHealthChecks pages read at most: Route 53's default limit is 200 checks per account. */
const MAX_LIST_PAGES = 50;

export function createHealthCheckActivities(
  client: () => Route53Client,
  observe: CallObserver,
): Pick<Activities, 'route53EnsureHealthCheck' | 'route53DeleteHealthCheck' | 'route53ListHealthChecks'> {
  /** One request, paced (compensations first), counted and classified like every Route 53 call. */
  const { request, tolerating } = pacedRequests(observe);

  /** Every health check whose CallerReference starts with `prefix` (bluegreen's of one record, or one check). */
  const list = async (prefix: string): Promise<HealthCheck[]> => {
    const found: HealthCheck[] = [];
    let marker: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const out = await request('ListHealthChecks', () =>
        client().send(new ListHealthChecksCommand({ Marker: marker, MaxItems: 1000 })),
      );
      found.push(...(out?.HealthChecks ?? []).filter((h) => h.CallerReference?.startsWith(prefix)));
      if (!out?.IsTruncated || !out.NextMarker) break;
      marker = out.NextMarker;
    }
    return found;
  };
  const byReference = async (callerReference: string) =>
    (await list(callerReference)).find((h) => h.CallerReference === callerReference);

  return {
    /**
     * The health check of `callerReference`, created with `config` unless an earlier attempt
     * already did. Route 53 itself answers a repeated CallerReference with the existing check,
     * but emulators make a second one, and a lost reply must never leave two: so look first.
     */
    async route53EnsureHealthCheck(req: {
      callerReference: string;
      config: HealthCheckConfig;
    }): Promise<{ id: string; created: boolean }> {
      const earlier = await byReference(req.callerReference);
      if (earlier?.Id) return { id: earlier.Id, created: false };
      const out = await tolerating(
        'CreateHealthCheck',
        () =>
          client().send(
            new CreateHealthCheckCommand({ CallerReference: req.callerReference, HealthCheckConfig: req.config }),
          ),
        ['HealthCheckAlreadyExists'],
      );
      if (out?.HealthCheck?.Id) return { id: out.HealthCheck.Id, created: true };
      // HealthCheckAlreadyExists: made meanwhile by another attempt, or a check of this reference
      // was deleted (Route 53 never reuses one), which no retry can fix.
      const again = await byReference(req.callerReference);
      if (again?.Id) return { id: again.Id, created: false };
      throw ApplicationFailure.nonRetryable(
        `Route 53 refuses to create health check ${req.callerReference}: a check with this reference existed and was deleted; start the release again`,
        'HealthCheckAlreadyExists',
      );
    },

    /**
     * Deletes a check bluegreen made: by id, or by CallerReference when the create's reply was
     * lost. A check whose reference does not start with `prefix` (one a person attached to the
     * record) is left alone. A check already gone is fine. The caller detaches it first: Route 53
     * refuses to delete a check a record still uses (HealthCheckInUse, retried).
     */
    async route53DeleteHealthCheck(req: {
      id?: string;
      callerReference?: string;
      prefix: string;
    }): Promise<{ deleted: string | null; skipped?: string }> {
      let check: HealthCheck | undefined;
      if (req.id) {
        const id = req.id;
        const out = await tolerating(
          'GetHealthCheck',
          () => client().send(new GetHealthCheckCommand({ HealthCheckId: id })),
          ['NoSuchHealthCheck'],
        );
        check = out?.HealthCheck;
      } else if (req.callerReference) {
        check = await byReference(req.callerReference);
      }
      if (!check?.Id) return { deleted: null };
      if (!check.CallerReference?.startsWith(req.prefix))
        return { deleted: null, skipped: `${check.Id} was not created by bluegreen for this record` };
      const id = check.Id;
      await tolerating('DeleteHealthCheck', () => client().send(new DeleteHealthCheckCommand({ HealthCheckId: id })), [
        'NoSuchHealthCheck',
      ]);
      return { deleted: id };
    },

    /** The checks bluegreen made for a record (CallerReference starting with `prefix`). */
    async route53ListHealthChecks(prefix: string): Promise<HealthCheckRef[]> {
      return (await list(prefix)).map((h) => ({ id: h.Id!, callerReference: h.CallerReference! }));
    },
  };
}
