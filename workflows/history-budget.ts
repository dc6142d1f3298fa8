// How big a run's history may grow before the release continues as new (docs/operating.md).
// The server suggests it (4 MiB or 4,096 events by default) long before it terminates a run
// (50 MiB or 51,200 events); the budgets below are a backstop for servers tuned otherwise.
import { workflowInfo } from '@temporalio/workflow';

/** Continue as new past this many history events, even if the server does not suggest it. */
export const HISTORY_BUDGET = 4000;
/** ... or past this many bytes: signal payloads (the Web UI's) are stored whole, whatever the workflow makes of them. */
export const HISTORY_SIZE_BUDGET = 8 * 1024 * 1024;

/** Whether this run's history is past its budget, as of the workflow task being processed. */
export function historyFull(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_BUDGET || info.historySize > HISTORY_SIZE_BUDGET;
}
