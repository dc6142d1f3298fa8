// Where a release's undos run: in a scope that never takes a cancellation, decided in the same
// workflow task whether a worker runs the release or replays it.
//
// CancellationScope.nonCancellable() made after a Request Cancellation (the Web UI's, `temporal
// workflow cancel`) is "cancel requested" though it cannot be cancelled. Each scope made inside
// it afterwards (every condition with a timeout, e.g. a Route 53 request waiting for the
// batcher's answer) then asks the SDK flag NonCancellableScopesAreShieldedFromPropagation whether
// it is shielded. A flag is recorded at the end of the workflow task that first asked it, and a
// replay knows it only from that task on. The undo's wait is made a task or more after the
// cancellation, at a point that depends on the worker's timing (after a local activity or the
// batcher's signal); when the recording landed on a later task than the one replay reaches that
// point in, the replay found the flag unset, cancelled the wait, failed the undo and scheduled the
// next undo where the run had started a timer: TMPRL1100 on every later query (`repair`, `status`).
//
// Made when the run starts, the outer scope follows the workflow's cancellation and the inner
// one, its non-cancellable child, asks the flag once, while the cancellation itself is handled:
// the task that records it is the task replay asks it in. Scopes made in the inner one never ask.
import { CancellationScope } from '@temporalio/workflow';

/** A non-cancellable scope for undos; call it when the run starts, before anything can cancel it. */
export function undoScope(): CancellationScope {
  const followsCancellation = new CancellationScope({ cancellable: false });
  return new CancellationScope({ cancellable: false, parent: followsCancellation });
}
