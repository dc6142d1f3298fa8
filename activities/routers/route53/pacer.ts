// Spaces this worker's Route 53 requests evenly (one every 1000 / budget ms), compensations first.
// The Temporal server's rate limit on the Route 53 queues holds the budget for the whole fleet,
// but its token bucket lets a second after a quiet spell take twice the rate; spacing the requests
// where they are made keeps any 1-second window of one worker within the budget (plus the one
// request a window's edge can catch), so the server may be asked for the whole budget.

import { Context } from '@temporalio/activity';
import { ROUTE53_UNDO_QUEUE_SUFFIX } from '../../../contract/queues';

/** Whether the running activity is a compensation (it came on the undo lane): it goes first. */
export function onUndoLane(): boolean {
  try {
    return Context.current().info.taskQueue.endsWith(ROUTE53_UNDO_QUEUE_SUFFIX);
  } catch {
    return false;
  }
}

interface Waiter {
  urgent: boolean;
  go: () => void;
}

export class RequestPacer {
  private nextAt = 0;
  private readonly waiting: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private intervalMs: number) {}

  setBudget(requestsPerSecond: number): void {
    this.intervalMs = 1000 / requestsPerSecond;
  }

  /** Resolves when this request may go; urgent ones (compensations) overtake the others waiting. */
  turn(urgent: boolean): Promise<void> {
    return new Promise((go) => {
      const w = { urgent, go };
      if (urgent) {
        const firstOrdinary = this.waiting.findIndex((x) => !x.urgent);
        this.waiting.splice(firstOrdinary < 0 ? this.waiting.length : firstOrdinary, 0, w);
      } else this.waiting.push(w);
      this.pump();
    });
  }

  private pump(): void {
    if (this.timer) return;
    const now = Date.now();
    if (this.waiting.length === 0) return;
    if (now >= this.nextAt) {
      this.nextAt = now + this.intervalMs;
      this.waiting.shift()!.go();
      if (this.waiting.length === 0) return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, this.nextAt - now);
    this.timer.unref?.();
  }
}

/** The worker's pacer for Route 53 (worker/run.ts sets the budget; 5/s until it does). */
export const route53Pacer = new RequestPacer(200);
