// Waits, inside one activity, until the new color's observed share comes within `tolerance` of
// its weight after a shift: many reads, one history entry. Each read rides on the heartbeat (the
// status overlays it, as it does analysis rounds), and the heartbeat lets an abort cancel the wait.
import type { ObservedShare } from '../../contract/observed-share';
import type { ShareReader } from './share';
import type { SettleRequest, SettleResult } from '../../contract/activities';
export type { SettleRequest, SettleResult };

export interface SettleContext {
  reader: ShareReader;
  sleep: (ms: number) => Promise<void>;
  heartbeat: (details: unknown) => void;
}

export async function settleTraffic(req: SettleRequest, ctx: SettleContext): Promise<SettleResult> {
  const started = Date.now();
  const deadline = started + req.timeoutMs;
  const wanted = req.percent / 100;
  let reads = 0;
  let share: ObservedShare | undefined;
  for (;;) {
    const read = await ctx.reader().catch(() => null); // an unreadable source is a share not yet known
    reads++;
    if (read) share = read;
    ctx.heartbeat({ settling: true, observedShare: share });
    // Within tolerance, with a tiny allowance for floating point (0.35 - 0.25 is not 0.1).
    if (read && Math.abs(read[req.newColor] - wanted) <= req.tolerance + 1e-9)
      return { settled: true, tookMs: Date.now() - started, reads, share };
    const left = deadline - Date.now();
    if (left <= 0) return { settled: false, tookMs: Date.now() - started, reads, ...(share ? { share } : {}) };
    await ctx.sleep(Math.min(req.everyMs, left));
  }
}
