// A steady stream of requests, as users would send them, for measuring downtime: one request
// every 1/rate seconds whether or not earlier ones have answered, each recorded with when it was
// sent and which color answered (the demo app's JSON says its color) or that it failed.

export interface StreamSample {
  /** performance.now() when the request was sent. */
  sentAt: number;
  /** The color that answered; undefined when the request failed. */
  color?: string;
  /** HTTP status, or the network error's message. */
  failure?: string;
}

export interface RequestStream {
  samples: StreamSample[];
  /** Stops sending and waits for the requests in flight. */
  stop: () => Promise<StreamSample[]>;
}

export function startRequestStream(url: string, ratePerSecond: number, timeoutMs = 5000): RequestStream {
  const samples: StreamSample[] = [];
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const sample: StreamSample = { sentAt: performance.now() };
    samples.push(sample);
    const done = fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => {
        if (!res.ok) sample.failure = `HTTP ${res.status}`;
        else sample.color = ((await res.json()) as { color?: string }).color ?? '?';
      })
      .catch((err: Error) => {
        sample.failure = err.message;
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const timer = setInterval(send, 1000 / ratePerSecond);
  return {
    samples,
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return samples;
    },
  };
}

/** Failed requests among these samples. */
export function failures(samples: StreamSample[]): StreamSample[] {
  return samples.filter((s) => s.failure !== undefined);
}

/** The share of requests sent in [from, to) that `color` answered (failures count against it). */
export function shareOf(samples: StreamSample[], color: string, from: number, to = Infinity): number {
  const window = samples.filter((s) => s.sentAt >= from && s.sentAt < to);
  return window.length ? window.filter((s) => s.color === color).length / window.length : NaN;
}

/**
 * How long after `from` until every later one-second window of requests is at least `share` on
 * `color`: the time to switch. Undefined if the stream never got there.
 */
export function timeToShare(samples: StreamSample[], color: string, from: number, share = 0.99): number | undefined {
  const after = samples.filter((s) => s.sentAt >= from);
  for (let i = 0; i < after.length; i++) {
    const rest = after.slice(i);
    const ok = rest.every((_, j) => {
      const start = rest[j].sentAt;
      const win = rest.filter((s) => s.sentAt >= start && s.sentAt < start + 1000);
      return win.filter((s) => s.color === color).length / win.length >= share;
    });
    if (ok) return after[i].sentAt - from;
  }
  return undefined;
}
