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
