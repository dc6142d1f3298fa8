// The observed traffic share on real parts: requests through a real HAProxy counted by its
// `show stat`, and a Route 53 release (moto) whose `traffic.observe` is a small JSON server this
// test controls, so the share can lag its weight, follow it, or never follow it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import type { Color } from '../../workflows/spec';
import { startHaproxy, type Haproxy } from '../support/haproxy';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
let haproxy: Haproxy;
let rates: Server;
let ratesUrl: string;
/** What the rate server says: `lag` keeps every request on the color that was live; `follow` answers the weights. */
let mode: 'lag' | 'follow' = 'lag';
let laggingOn: Color = 'blue';
let version = 0;

before(async () => {
  stack = await startStack();
  const { environment } = (await stack.appSpec('x')) as { environment: { ports: Record<Color, number> } };
  haproxy = await startHaproxy({ ports: environment.ports });
  rates = createServer((req, res) => {
    const color = (req.url ?? '').split('/').pop() as Color;
    void (async () => {
      const w = mode === 'follow' ? await stack.colorWeights() : { [laggingOn]: 100 };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ rps: ((w as Partial<Record<Color, number>>)[color] ?? 0) / 10 }));
    })();
  });
  await new Promise<void>((r) => rates.listen(0, '127.0.0.1', r));
  ratesUrl = `http://127.0.0.1:${(rates.address() as AddressInfo).port}/rate/{{color}}`;
});
after(async () => {
  await stack?.stop();
  await haproxy?.stop();
  rates?.close();
});

async function status(id: string): Promise<ReleaseStatus> {
  return JSON.parse((await stack.cli('status', id, '--json')).stdout) as ReleaseStatus;
}

/** Ports of the Route 53 releases' colors: the HAProxy release's live color keeps the stack's own. */
let otherPorts: Record<Color, number> | undefined;

async function spec(overrides: Record<string, unknown>, router?: object): Promise<string> {
  const v = `${++version}.0.0`;
  const { dns, ...rest } = (await stack.appSpec(v, { overrides })) as Record<string, unknown>;
  if (!router) {
    otherPorts ??= { blue: await freePort(), green: await freePort() };
    rest.environment = { ...(rest.environment as object), ports: otherPorts };
  }
  return stack.writeSpec(`observe-v${v}.yaml`, router ? { ...rest, router } : { ...rest, dns });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** About 30 requests a second through HAProxy until stopped: which color answered each. */
function steadyStream(url: string): { stop: () => Promise<Record<string, number>> } {
  const seen: Record<string, number> = {};
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const p = fetch(url)
      .then(async (res) => {
        const who = res.ok ? ((await res.json()) as { color: string }).color : `HTTP ${res.status}`;
        seen[who] = (seen[who] ?? 0) + 1;
      })
      .catch(() => {
        seen.failed = (seen.failed ?? 0) + 1;
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  }, 33);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return seen;
    },
  };
}

describe('observed traffic share', () => {
  it('HAProxy: during a 25% step about a quarter of real requests reach the new color, and observedShare says so', async (t) => {
    const router = haproxy.router('shop');
    const id = `bluegreen-${haproxy.runtimeApi}/shop`;
    const first = await stack.cli('start', await spec({}, router), '--watch');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const live: Color = (await haproxy.weights('shop')).blue === 100 ? 'blue' : 'green';
    const next: Color = live === 'blue' ? 'green' : 'blue';

    const file = await spec(
      { traffic: { steps: [25, 100], interval: '1h', analysis: { requests: 2, every: '1s' } } },
      router,
    );
    assert.equal((await stack.cli('start', file)).code, 0);
    await waitFor(
      'the 25% step',
      async () => ((await haproxy.weights('shop'))[next] === 25 ? true : undefined),
      60_000,
    );
    const stream = steadyStream(haproxy.url);
    const streamStarted = Date.now();
    // A share read while the stream ran: at least two rounds (a baseline and a difference) after it began.
    const observed = await waitFor(
      'an observed share of the stream',
      async () => {
        const s = (await stack.status(id)).observedShare;
        return s && Date.parse(s.at) > streamStarted + 1500 && s.requests >= 20 ? s : undefined;
      },
      30_000,
    );
    const seen = await stream.stop();
    const total = (seen.blue ?? 0) + (seen.green ?? 0);
    // Losing none is the front-door work's claim (docs/routers.md); here the split is what counts.
    assert.ok((seen.failed ?? 0) <= total * 0.02, JSON.stringify(seen));
    const reached = (seen[next] ?? 0) / total;
    t.diagnostic(`stream ${JSON.stringify(seen)}; observedShare ${JSON.stringify(observed)}`);
    assert.ok(reached >= 0.15 && reached <= 0.35, `${next} got ${JSON.stringify(seen)}`);
    assert.ok(observed[next] >= 0.15 && observed[next] <= 0.35, JSON.stringify(observed));
    assert.ok(Math.abs(observed.blue + observed.green - 1) < 1e-9);
    assert.equal(observed.source, 'haproxy show stat');
    assert.match(observed.window, /^\d/);
    // The human status shows it beside the weights.
    assert.match((await stack.cli('status', id)).stdout, /seen .*of \d+ requests over .*haproxy show stat/);

    assert.equal((await stack.cli('abort', id, '--reason', 'test over')).code, 0);
    assert.equal((await stack.cli('watch', id)).code, 3);
  });

  const id = 'bluegreen-shop.example.com';
  const observe = { web: { url: '', jsonPath: '$.rps' } };
  const settled = (timeout: string, onTimeout = 'pause') => ({
    traffic: {
      steps: [50, 100],
      interval: '1s',
      analysis: { requests: 2, every: '500ms' },
      observe: { web: { ...observe.web, url: ratesUrl } },
      settle: { tolerance: 0.1, timeout, every: '200ms', onTimeout },
    },
  });
  const weightOf = async (c: Color) => (await stack.colorWeights())[c] ?? 0;

  it('Route 53 with traffic.observe: the hold waits while the share lags and the release completes once it follows', async () => {
    const first = await stack.cli('start', await spec({}), '--watch');
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const w = await stack.colorWeights();
    const live: Color = w.blue === 100 ? 'blue' : 'green';
    const next: Color = live === 'blue' ? 'green' : 'blue';
    mode = 'lag';
    laggingOn = live;
    assert.equal((await stack.cli('start', await spec(settled('1m')))).code, 0);
    await waitFor('the 50% step', async () => ((await weightOf(next)) === 50 ? true : undefined), 60_000);
    // Well past the 1s interval: a hold that had started would have moved on to 100%.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(await weightOf(next), 50);
    const waiting = await status(id);
    assert.match(waiting.next?.action ?? '', /start the hold once .*observed share is within 10 points of 50%/);
    assert.ok(!waiting.events.some((e) => e.type === 'settled'));
    assert.equal(waiting.observedShare?.[next], 0);
    assert.equal(waiting.observedShare?.source, 'traffic.observe web');

    mode = 'follow';
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.equal(await weightOf(next), 100);
    const events = (await status(id)).events.filter((e) => e.type === 'settled');
    assert.equal(events.length, 2, 'after the 50% shift and after the 100% shift');
    assert.match(events[0].message, /observed share settled after \d+(\.\d+)?s: \w+ 50% /);
    await recordHistory(stack, 'observe-settle-release', id);
  });

  it('Route 53 with traffic.observe: a share that never follows pauses the release after settle.timeout', async () => {
    const w = await stack.colorWeights();
    const live: Color = w.blue === 100 ? 'blue' : 'green';
    const next: Color = live === 'blue' ? 'green' : 'blue';
    mode = 'lag';
    laggingOn = live;
    assert.equal((await stack.cli('start', await spec(settled('2s')))).code, 0);
    const paused = await waitFor(
      'the settle timeout',
      async () => {
        const s = await stack.status(id);
        return s.paused ? s : undefined;
      },
      60_000,
    );
    const timedOut = paused.events.find((e) => e.type === 'settle-timeout');
    assert.match(
      timedOut?.message ?? '',
      new RegExp(`${next}'s observed share did not come within 10 points of 50% in 2s.*onTimeout: pause`),
    );
    assert.match(paused.pauseReason ?? '', /resume starts the hold anyway/);
    assert.equal(await weightOf(next), 50);
    assert.equal((await stack.cli('abort', id, '--reason', 'test over')).code, 0);
    assert.equal((await stack.cli('watch', id)).code, 3);
    assert.equal(await weightOf(live), 100);
    await recordHistory(stack, 'observe-settle-timeout', id);
  });

  it('Route 53 with traffic.observe: onTimeout rollback puts the old color back at 100%', async () => {
    const w = await stack.colorWeights();
    const live: Color = w.blue === 100 ? 'blue' : 'green';
    const next: Color = live === 'blue' ? 'green' : 'blue';
    mode = 'lag';
    laggingOn = live;
    assert.equal((await stack.cli('start', await spec(settled('1s', 'rollback')))).code, 0);
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3, watched.stdout + watched.stderr);
    assert.match(watched.stdout, new RegExp(`${next}'s observed share did not come within 10 points of 50% in 1s`));
    assert.equal(await weightOf(live), 100);
    assert.equal(await weightOf(next), 0);
  });
});
