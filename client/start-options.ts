// What every release the client starts shares, a single release or a wave release: its task
// queue, one run per id at a time (a finished one may run again), an optional start delay, and
// the search attributes `bluegreen list` and the Web UI filter by.
import { phaseKey, recordKey, serviceKey, versionKey } from '../contract/search-attributes';
import { ensureSearchAttributes, taskQueue } from './connect';
import type { Temporal } from './library/temporal';

export interface Searchable {
  service: string;
  version: string;
  /** The record the release owns (its traffic target), or the wave release's own id. */
  record: string;
}

/** Registers the search attributes when the namespace lacks them, then gives the start options. */
export async function releaseStartOptions(
  t: Temporal,
  workflowId: string,
  searchable: Searchable,
  startDelayMs?: number,
) {
  await ensureSearchAttributes(t.connection, t.namespace);
  return {
    taskQueue: t.taskQueue ?? taskQueue(),
    workflowId,
    workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
    workflowIdConflictPolicy: 'FAIL' as const,
    ...(startDelayMs ? { startDelay: startDelayMs } : {}),
    typedSearchAttributes: [
      { key: serviceKey, value: searchable.service },
      { key: versionKey, value: searchable.version },
      { key: recordKey, value: searchable.record },
      { key: phaseKey, value: startDelayMs ? 'scheduled' : 'provisioning' },
    ],
  };
}
