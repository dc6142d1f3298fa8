// Releases of the stack's demo app with notification sinks and gates pointed at a local
// receiver: shared by the notification, gate and freeze test files, each with its own stack,
// receiver and version counter.
import assert from 'node:assert/strict';
import type { ReleaseStatus } from '../../workflows/messages';
import type { NotificationPayload } from '../../workflows/notifications';
import type { Receiver } from './receiver';
import { liveShopStack } from './shop-release';
import type { Stack } from './stack';

/**
 * Gives the calling test file a live stack and a receiver (liveShopStack) and helpers bound to
 * them. `nextVersion` bumps the file's version counter and returns the new number (an own
 * counter when not given).
 */
export function notifyCli(options: {
  onStack: (stack: Stack) => void;
  /** Starts the receiver sinks and gates point at (none when not given). */
  onReceiver?: (rx: Receiver) => void;
  nextVersion?: () => number;
}) {
  let stack: Stack;
  let rx: Receiver;
  let version = 0;
  liveShopStack({
    onStack: (s) => options.onStack((stack = s)),
    onReceiver: options.onReceiver && ((r) => options.onReceiver!((rx = r))),
  });
  const getStack = () => stack;
  const getReceiver = () => rx;
  const nextVersion = options.nextVersion ?? (() => ++version);

  const weights = () => getStack().colorWeights();

  /** The status `bluegreen status --json` prints, read in-process (tests poll it). */
  function status(id: string): Promise<ReleaseStatus> {
    return getStack().status(id);
  }

  /** Starts a release of the next version with spec overrides; returns its id. */
  async function start(overrides: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
    // No wait for the previous run here: a release's run closes with its result, and its notifier
    // workflow goes on delivering beside the next release.
    const stack = getStack();
    const n = nextVersion();
    const file = stack.writeSpec(`v${n}.yaml`, await stack.appSpec(`${n}.0.0`, { env, overrides }));
    const r = await stack.cli('start', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { id: string }).id;
  }

  /** The payloads the receiver got on `path`, in order. */
  const bodies = (path: string) =>
    getReceiver()
      .at(path)
      .map((r) => r.body as NotificationPayload);

  return { weights, status, start, bodies };
}
