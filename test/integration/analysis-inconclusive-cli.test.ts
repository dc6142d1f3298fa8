// Analysis on real servers (moto, a real worker and the demo app): an empty metric result (the
// real `web` provider against a local API) pauses a release with `onInconclusive: pause`, then
// abort rolls it back, or resume lets it finish.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { shopReleases } from '../support/cli-release';
import { stackForFile } from '../support/file-stack';
import { waitFor } from '../support/processes';
import { recordHistory, type Stack } from '../support/stack';

const id = 'bluegreen-shop.example.com';
let stack: Stack;
const { status, start, weights } = shopReleases(() => stack);
/** A stand-in metrics API: an empty result until `metricsBack`, then a passing error ratio. */
let metricsApi: http.Server;
let metricsBack = false;
let metricsUrl: string;

stackForFile((s) => (stack = s).releaseFirst());
before(async () => {
  metricsApi = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const result = metricsBack ? [{ metric: {}, value: [Date.now() / 1000, '0.001'] }] : [];
    res.end(JSON.stringify({ status: 'success', data: { result } }));
  });
  await new Promise<void>((resolve) => metricsApi.listen(0, '127.0.0.1', resolve));
  metricsUrl = `http://127.0.0.1:${(metricsApi.address() as AddressInfo).port}/api/v1/query`;
});
after(() => {
  metricsApi?.close();
});

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

describe('analysis on real servers', () => {
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
