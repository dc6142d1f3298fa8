// Counting history events per run of a workflow that continues as new.
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** History events of every run of a workflow id, newest run first (each run names the one it continues). */
export async function eventsPerRun(client: Client, workflowId: string): Promise<number[]> {
  const counts: number[] = [];
  for (let runId: string | undefined = undefined; ;) {
    const history: { events?: HistoryEvent[] | null } = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    counts.push(events.length);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return counts;
  }
}

export interface RunSize {
  runId: string;
  events: number;
  bytes: number;
}

/** Events and bytes of every run of a workflow id as the server counts them, oldest run first,
 * from `fromRunId` (default: the latest run) back along the runs it continues. */
export async function runSizes(client: Client, workflowId: string, fromRunId?: string): Promise<RunSize[]> {
  const runs: RunSize[] = [];
  for (let runId: string | undefined = fromRunId; ;) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const described = await handle.describe();
    runs.unshift({ runId: described.runId, events: described.historyLength, bytes: described.historySize ?? 0 });
    // Only the first event (it names the run this one continues): the rest may be megabytes of signals.
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId: described.runId },
      maximumPageSize: 1,
    });
    runId = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}
