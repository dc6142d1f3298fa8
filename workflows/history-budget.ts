// How big a run's history may grow before the release continues as new (docs/operating.md).
// The server suggests it (4 MiB or 4,096 events by default) long before it terminates a run
// (50 MiB or 51,200 events). The event budget is a backstop for servers tuned otherwise; the
// size budget is lower than the server's on purpose: a release's own runs stay far below 1 MiB,
// so only large signals reach it, and the smaller a run is when it continues as new, the cheaper
// each retry of that workflow task while more signals keep arriving (docs/operating.md).
import { workflowInfo } from '@temporalio/workflow';

/** Continue as new past this many history events, even if the server does not suggest it. */
export const HISTORY_BUDGET = 4000;
/** ... or past this many bytes: signal payloads (the Web UI's) are stored whole, whatever the
 * workflow makes of them. Weighed after signals and updates only. */
export const HISTORY_SIZE_BUDGET = 1024 * 1024;

/** Whether this run's history is past its budget, as of the workflow task being processed. */
export function historyFull(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > HISTORY_BUDGET || info.historySize > HISTORY_SIZE_BUDGET;
}
