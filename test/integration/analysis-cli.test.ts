// Analysis on real servers: a dev server that suggests continue-as-new at 300 events (as a busy
// production cluster would, only sooner), moto, a real worker and the demo app. A release paused
// through 60 failed analysis rounds (two minutes' worth at one a second, run as fast as the
// machine allows) keeps every run small and still answers `status` with its whole story; an empty metric result (the real `web` provider against a local API) pauses a
// release with `onInconclusive: pause`, then abort rolls it back, or resume lets it finish.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { eventsPerRun } from '../support/history';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

const id = 'bluegreen-shop.example.com';
let stack: Stack;
let version = 0;
/** A stand-in metrics API: an empty result until `metricsBack`, then a passing error ratio. */
let metricsApi: http.Server;
let metricsBack = false;
let metricsUrl: string;

before(async () => {
  stack = await startStack({ dynamicConfig: ['limit.historyCount.suggestContinueAsNew=300'] });
  metricsApi = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const result = metricsBack ? [{ metric: {}, value: [Date.now() / 1000, '0.001'] }] : [];
    res.end(JSON.stringify({ status: 'success', data: { result } }));
  });
  await new Promise<void>((resolve) => metricsApi.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(metricsApi.address() as AddressInfo).port}/api/v1/query`;
  await stack.releaseFirst();
});
after(async () => {
  metricsApi?.close();
  await stack?.stop();
});

async function status(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', id, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

const weights = () => stack.colorWeights();

const inconclusiveMetric = () => ({
  traffic: {
    steps: [10, 100],
    interval: '3s',
    analysis: {
      every: '500ms',
      onInconclusive: 'pause',
      metrics: [
        {
          name: 'error-ratio',
          web: { url: `${metricsUrl}?query=errors{color="{{color}}"}`, jsonPath: '$.data.result[0].value[1]' },
          max: 0.01,
        },
      ],
    },
  },
  decommission: { delay: '1s' },
});

async function start(overrides: Record<string, unknown>, env?: Record<string, string>) {
  const before = await weights();
  const next = before.blue === 100 ? 'green' : 'blue';
  const file = stack.writeSpec(`v${++version}.yaml`, await stack.appSpec(`${version}.0.0`, { overrides, env }));
  const r = await stack.cli('start', file, '--json');
  assert.equal(r.code, 0, r.stderr);
  await waitFor('first step', async () => (((await weights())[next] ?? 0) > 0 ? true : undefined), 30_000);
  return { live: next === 'green' ? 'blue' : 'green', next } as const;
}

describe('analysis on real servers', () => {
  it('a release paused through 60 failed analysis rounds (every 250ms) keeps every run under 900 events, answers status with its whole event list, and completes after resume', async () => {
    // Every round fails (the app fails half its requests) but failureLimit tolerates it: each round
    // is then a history entry, the costliest case, and the release must continue as new.
    const { next } = await start(
      {
        traffic: {
          steps: [10, 100],
          interval: '10s',
          analysis: { every: '250ms', requests: 4, maxErrorRate: 0.05, failureLimit: 1000 },
        },
        decommission: { delay: '1s' },
      },
      { ERROR_RATE: '0.5' },
    );
    const paused = await stack.cli('pause', id, '--reason', 'a long look at the dashboards');
    assert.equal(paused.code, 0, paused.stderr);
    const held = await weights();
    const pausedAt = Date.now();
    // Held until 60 rounds failed across at least three runs (as two minutes at one round a
    // second do), and longer than the 10s step in any case.
    const s = await waitFor(
      '60 failed rounds over three runs',
      async () => {
        const now = await status();
        const count = (type: string) => now.events.filter((e) => e.type === type).length;
        const enough = count('analysis-failed') >= 60 && count('continue-as-new') >= 2;
        return enough && Date.now() - pausedAt > 12_000 ? now : undefined;
      },
      180_000,
      undefined,
      2000,
    );
    assert.deepEqual(await weights(), held, 'weights held while paused');
    assert.equal(s.paused, true);
    assert.deepEqual(
      s.events.slice(0, 2).map((e) => e.type),
      ['started', 'plan'],
      'the first run’s events are still there',
    );
    assert.ok(s.events.some((e) => e.type === 'pause' && e.by === 'tester@ci'));
    const continued = s.events.filter((e) => e.type === 'continue-as-new');
    assert.ok(continued.length >= 2, `continued as new ${continued.length} time(s)`);
    const failed = s.events.filter((e) => e.type === 'analysis-failed').length;
    assert.ok(failed >= 60, `${failed} failed measurements recorded`);
    const rate = s.analysis!.metrics.find((m) => m.name === 'probe.error-rate')!;
    assert.equal(rate.failures, failed, 'the counter survives continue-as-new');
    const runs = await eventsPerRun(stack.client, id);
    assert.ok(runs.length >= 3 && Math.max(...runs) < 900, `events per run: ${runs}`);

    assert.equal((await stack.cli('resume', id)).code, 0);
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout);
    assert.equal((await weights())[next], 100);
    await recordHistory(stack, 'continued-as-new');
  });

  it('status shows the latest passing round while the workflow waits out a long step', async () => {
    // Passing rounds stay inside the watchAnalysis activity until its window ends (here the
    // 2-minute step); status reads them from its heartbeat.
    const { live } = await start({
      traffic: { steps: [10, 100], interval: '2m', analysis: { every: '500ms', requests: 2 } },
    });
    const probeAt = async () => {
      const line = (await status()).analysis?.metrics.find((m) => m.name === 'probe.error-rate');
      return line?.verdict === 'passed' ? Date.parse(line.at) : undefined;
    };
    try {
      const first = await waitFor('a passing round in status', probeAt, 30_000);
      // Heartbeats reach the server at most every 10 s (the worker's throttle).
      const later = await waitFor(
        'a newer passing round',
        async () => (((await probeAt()) ?? 0) > first ? probeAt() : undefined),
        30_000,
      );
      const s = await status();
      assert.equal(s.step.index, 1, 'still in the first (2-minute) step: the workflow has not heard of these rounds');
      assert.ok(later > first);
    } finally {
      assert.equal((await stack.cli('abort', id, '--reason', 'seen enough')).code, 0);
      assert.equal((await stack.cli('watch', id)).code, 3);
    }
    assert.equal((await weights())[live], 100);
  });

  it('an empty metric result with onInconclusive: pause pauses the release with the weights held; abort rolls back', async () => {
    metricsBack = false;
    const { live, next } = await start(inconclusiveMetric());
    await waitFor('paused by analysis', async () => ((await status()).paused ? true : undefined), 30_000);
    const s = await status();
    assert.match(s.pauseReason!, /^error-ratio inconclusive: /);
    assert.deepEqual(s.weights[next], 10);
    await new Promise((r) => setTimeout(r, 5000)); // longer than the 3s step
    assert.equal((await weights())[next], 10, 'weights held while paused');
    const table = (await status()).analysis!.metrics.find((m) => m.name === 'error-ratio')!;
    assert.deepEqual([table.verdict, table.value], ['inconclusive', null]);
    const human = await stack.cli('status', id);
    assert.match(human.stdout, /error-ratio\s+—\s+\(≤ 0\.01\)\s+inconclusive/);
    assert.equal((await stack.cli('abort', id, '--reason', 'metrics are missing')).code, 0);
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3, watched.stdout);
    assert.equal((await weights())[live], 100);
    await recordHistory(stack, 'analysis-inconclusive-pause');
  });

  it('after an inconclusive pause, resume accepts it and the release continues to the end', async () => {
    metricsBack = false;
    const { next } = await start(inconclusiveMetric());
    await waitFor('paused by analysis', async () => ((await status()).paused ? true : undefined), 30_000);
    assert.equal((await weights())[next], 10);
    metricsBack = true;
    const resumed = await stack.cli('resume', id);
    assert.equal(resumed.code, 0, resumed.stderr);
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout);
    assert.equal((await weights())[next], 100);
    const s = await status();
    assert.ok(s.events.some((e) => e.type === 'analysis' && /counters reset/.test(e.message)));
    const ratio = s.analysis!.metrics.find((m) => m.name === 'error-ratio')!;
    assert.deepEqual([ratio.verdict, ratio.value, ratio.inconclusive], ['passed', 0.001, 0]);
  });
});
