// Zero downtime, measured: releases through a real HAProxy (Debian's package) on the real local
// stack while a steady stream of requests goes through its frontend. Counts the requests that
// failed during a full release (its old color decommissioned) and during an aborted release, and
// how long after the abort the old color has the requests again. For Route 53 (moto) it times an
// abort until both weights are back; users follow only as their resolvers' caches expire (the TTL).
//   node dist/scripts/bench.js downtime [--rate 30]
import { BlueGreenClient } from '../client/library/client';
import type { Color } from '../workflows/spec';
import { startHaproxy, type Haproxy } from '../test/support/haproxy';
import { waitFor } from '../test/support/processes';
import { startStack, type Stack } from '../test/support/stack';
import { failures, shareOf, startRequestStream, timeToShare, type StreamSample } from './request-stream';

export interface DowntimeNumbers {
  rate: number;
  full: { sent: number; failed: number; ms: number; failures: string[] };
  aborted: {
    sent: number;
    failed: number;
    /** abort sent → every later second of requests ≥ 99 % on the old color. */
    switchMs: number | undefined;
    /** Share of requests sent in the first second after `abort` returned that the old color answered. */
    liveShareFirstSecond: number;
    failures: string[];
  };
  /** Route 53: abort sent → both weights back in moto. Undefined when not measured. */
  route53SyncMs?: number;
}

function library(stack: Stack): BlueGreenClient {
  return new BlueGreenClient({
    connection: stack.client.connection,
    client: stack.client,
    namespace: 'default',
    address: stack.temporal.address,
  });
}

const other = (c: Color): Color => (c === 'blue' ? 'green' : 'blue');

function failureWords(samples: StreamSample[]): string[] {
  const counts = new Map<string, number>();
  for (const s of failures(samples)) counts.set(s.failure!, (counts.get(s.failure!) ?? 0) + 1);
  return [...counts].map(([why, n]) => `${n}× ${why}`);
}

export async function measureDowntime(options: { rate?: number; route53?: boolean } = {}): Promise<DowntimeNumbers> {
  const rate = options.rate ?? 30;
  const stack: Stack = await startStack();
  let haproxy: Haproxy | undefined;
  try {
    const { environment } = (await stack.appSpec('x')) as { environment: { ports: Record<Color, number> } };
    haproxy = await startHaproxy({ ports: environment.ports });
    const router = haproxy.router('shop');
    const id = `bluegreen-${haproxy.runtimeApi}/shop`;
    let version = 0;
    const spec = async (traffic: object) => {
      const v = `${++version}.0.0`;
      const { dns: _dns, ...s } = (await stack.appSpec(v, { overrides: { traffic } })) as Record<string, unknown>;
      return stack.writeSpec(`downtime-v${v}.yaml`, { ...s, router, decommission: { delay: '1s' } });
    };
    const must = async (what: string, args: string[], code = 0) => {
      const r = await stack.cli(...args);
      if (r.code !== code) throw new Error(`${what} exited ${r.code} (expected ${code}):\n${r.stdout}${r.stderr}`);
    };
    const weights = () => haproxy!.weights('shop');

    await must('the first release', ['start', await spec({ steps: [100], interval: '1s' }), '--watch']);

    // A full release: shift in steps, hold, decommission the old color, all under the stream.
    let stream = startRequestStream(haproxy.url, rate);
    const t0 = performance.now();
    await must('the full release', ['start', await spec({ steps: [10, 50, 100], interval: '1s' }), '--watch']);
    const fullMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
    const full = await stream.stop();

    // An aborted release: abort at 50 %, then watch the old color take the requests back.
    const live: Color = (await weights()).blue === 100 ? 'blue' : 'green';
    stream = startRequestStream(haproxy.url, rate);
    await must('the release to abort', ['start', await spec({ steps: [50, 100], interval: '1h' })]);
    await waitFor('the 50 % step', async () => ((await weights())[other(live)] === 50 ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    // Through the client library, as `bluegreen abort` does once started: the CLI's own process
    // start-up is not the router's switch.
    const abortSent = performance.now();
    await library(stack).getHandle(id).abort('bench');
    const abortReturned = performance.now();
    await must('watch after abort', ['watch', id], 3);
    await new Promise((r) => setTimeout(r, 1500));
    const aborted = await stream.stop();

    const numbers: DowntimeNumbers = {
      rate,
      full: { sent: full.length, failed: failures(full).length, ms: fullMs, failures: failureWords(full) },
      aborted: {
        sent: aborted.length,
        failed: failures(aborted).length,
        switchMs: timeToShare(aborted, live, abortSent, 0.99),
        liveShareFirstSecond: shareOf(aborted, live, abortReturned, abortReturned + 1000),
        failures: failureWords(aborted),
      },
    };
    if (options.route53) numbers.route53SyncMs = await route53AbortSync(stack);
    return numbers;
  } finally {
    await stack.stop();
    await haproxy?.stop();
  }
}

/** Route 53 on moto: abort sent → the live color's weight back at 100 in the zone. */
async function route53AbortSync(stack: Stack): Promise<number> {
  const ports = { blue: 0, green: 0 };
  const { freePort } = await import('../test/support/processes');
  ports.blue = await freePort();
  ports.green = await freePort();
  const spec = async (v: string, traffic: object) => {
    const base = (await stack.appSpec(v)) as { environment: object };
    return stack.writeSpec(`route53-${v}.yaml`, {
      ...base,
      environment: { ...base.environment, ports },
      traffic,
      decommission: { delay: '1s' },
    });
  };
  const first = await stack.cli('start', await spec('1.0.0', { steps: [100], interval: '1s' }), '--watch');
  if (first.code !== 0) throw new Error(`Route 53 first release exited ${first.code}: ${first.stderr}`);
  const id = 'bluegreen-shop.example.com';
  const started = await stack.cli('start', await spec('2.0.0', { steps: [50, 100], interval: '1h' }));
  if (started.code !== 0) throw new Error(`Route 53 release exited ${started.code}: ${started.stderr}`);
  await waitFor('the 50 % step', async () => ((await stack.colorWeights()).green === 50 ? true : undefined), 60_000);
  const sent = performance.now();
  await library(stack).getHandle(id).abort('bench');
  await waitFor('weights back', async () => ((await stack.colorWeights()).blue === 100 ? true : undefined), 60_000);
  const ms = performance.now() - sent;
  await stack.cli('watch', id);
  return ms;
}

export function printDowntime(n: DowntimeNumbers): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(`Zero downtime through HAProxy, a steady ${n.rate} requests/s through its frontend:`);
  console.log(
    `  full release (10 → 50 → 100 %, old color decommissioned): ${n.full.sent} sent, ${n.full.failed} failed` +
      `${n.full.failures.length ? ` (${n.full.failures.join(', ')})` : ''}, ${(n.full.ms / 1000).toFixed(1)} s`,
  );
  console.log(
    `  aborted release (abort at 50 %): ${n.aborted.sent} sent, ${n.aborted.failed} failed` +
      `${n.aborted.failures.length ? ` (${n.aborted.failures.join(', ')})` : ''}`,
  );
  console.log(
    `  time to switch (abort sent → 99 % of requests on the old color): ${n.aborted.switchMs === undefined ? 'never' : `${n.aborted.switchMs.toFixed(0)} ms`}`,
  );
  console.log(`  first second after abort returned: ${pct(n.aborted.liveShareFirstSecond)} on the old color`);
  if (n.route53SyncMs !== undefined)
    console.log(
      `Route 53 (moto): abort sent → weights back in sync: ${n.route53SyncMs.toFixed(0)} ms; clients follow as cached answers expire (dns.ttl)`,
    );
}
