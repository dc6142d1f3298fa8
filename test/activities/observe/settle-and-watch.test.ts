// The share inside the hold's activities: watchAnalysis reads it before each round's metrics
// (which see it as {{observedShare}}), and settleTraffic polls it until it is near the weight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settleTraffic, type SettleRequest } from '../../../activities/observe/settle';
import { watchAnalysis } from '../../../activities/watch';
import type { AnalysisRequest } from '../../../workflows/metrics';
import type { ObservedShare } from '../../../workflows/observed-share';
import { releaseSpecSchema } from '../../../workflows/spec';

const share = (green: number): ObservedShare => ({
  blue: 1 - green,
  green,
  requests: 100,
  window: '1s',
  at: new Date().toISOString(),
  source: 'test',
});

const vars = {
  service: 'shop',
  version: '2',
  color: 'green',
  liveColor: 'blue',
  record: 'shop.example.com',
  step: '1',
  percent: '25',
  every: '1s',
};

/** A reader answering `shares` in turn (null: nothing counted yet), then the last one forever. */
function reader(shares: (number | null)[]) {
  let i = 0;
  return async () => {
    const s = shares[Math.min(i++, shares.length - 1)];
    return s === null ? null : share(s);
  };
}

const settleRequest: SettleRequest = {
  source: { kind: 'observe', observe: { web: { url: 'http://x', method: 'GET', jsonPath: '$.x' } } },
  vars,
  newColor: 'green',
  percent: 25,
  tolerance: 0.1,
  timeoutMs: 1000,
  everyMs: 100,
};

describe('settleTraffic', () => {
  it('polls until the new color is within tolerance of its weight, saying how long it took', async () => {
    const beats: unknown[] = [];
    const r = await settleTraffic(settleRequest, {
      reader: reader([null, 0, 0.05, 0.2]),
      sleep: (ms) => new Promise((res) => setTimeout(res, ms)),
      heartbeat: (d) => beats.push(d),
    });
    assert.equal(r.settled, true);
    assert.equal(r.reads, 4);
    assert.equal(r.share?.green, 0.2);
    assert.ok(r.tookMs >= 250 && r.tookMs < 1000, String(r.tookMs));
    assert.equal(beats.length, 4, 'every read rides on a heartbeat');
  });

  it('gives up at the timeout with the last share it saw', async () => {
    const r = await settleTraffic(
      { ...settleRequest, timeoutMs: 400 },
      { reader: reader([0.01]), sleep: (ms) => new Promise((res) => setTimeout(res, ms)), heartbeat: () => {} },
    );
    assert.equal(r.settled, false);
    assert.equal(r.share?.green, 0.01);
    assert.ok(r.tookMs >= 400 && r.tookMs < 900, String(r.tookMs));
  });
});

describe('watchAnalysis with a share source', () => {
  it('reports the latest share and hands it to the metrics as {{observedShare}}', async () => {
    const seen: string[] = [];
    const req = {
      analysis: {},
      endpoint: 'http://x',
      vars,
      everyMs: 50,
      windowMs: 120,
    } as unknown as AnalysisRequest & {
      everyMs: number;
      windowMs: number;
    };
    const report = await watchAnalysis(req, {
      round: async (r) => {
        seen.push(r.vars.observedShare ?? 'absent');
        return [];
      },
      sleep: (ms) => new Promise((res) => setTimeout(res, Math.max(0, ms))),
      heartbeat: () => {},
      cancelled: () => false,
      // A counter source: nothing on the first read, then shares; a failed read keeps the last.
      observeShare: (() => {
        const next = reader([null, 0.25]);
        let calls = 0;
        return async () => {
          if (++calls === 3) throw new Error('runtime API down');
          return next();
        };
      })(),
    });
    assert.deepEqual(seen, ['', '0.25', '0.25']);
    assert.equal(report.observedShare?.green, 0.25);
  });
});

describe('traffic.observe and traffic.settle in the spec', () => {
  const base = {
    service: 'shop',
    version: '1',
    environment: { provider: 'local', command: ['node', 'app.js'], ports: { blue: 8001, green: 8002 } },
    dns: {
      provider: 'route53',
      zoneName: 'example.com',
      recordName: 'shop.example.com',
      targets: { blue: 'b.example.com', green: 'g.example.com' },
    },
  };
  const issues = (traffic: object, extra: object = {}) => {
    const r = releaseSpecSchema.safeParse({ ...base, ...extra, traffic });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses settle on Route 53 without an observe source, naming the field', () => {
    const [problem] = issues({ settle: {} });
    assert.match(problem, /^traffic\.settle: settle needs an observed share.*traffic\.observe/);
  });

  it('accepts settle on HAProxy, which counts requests itself, and fills the defaults', () => {
    const { dns: _dns, ...rest } = base;
    const r = releaseSpecSchema.parse({
      ...rest,
      router: {
        provider: 'haproxy',
        runtimeApi: '127.0.0.1:9999',
        backend: 'shop',
        servers: { blue: 'b', green: 'g' },
      },
      traffic: { settle: {} },
    });
    assert.deepEqual(r.traffic.settle, { tolerance: 0.1, timeout: '10m', onTimeout: 'pause', every: '5s' });
  });

  it('names the bad field of observe and settle', () => {
    const observe = { prometheus: { address: 'http://p:9090', query: 'sum(rate(x{color="{{color}}"}[1m]))' } };
    assert.deepEqual(issues({ observe, settle: { tolerance: 0.1 } }), []);
    assert.match(issues({ observe: {} })[0], /^traffic\.observe: give exactly one source: prometheus, cloudwatch, web/);
    assert.match(
      issues({ observe: { ...observe, web: { url: 'http://x', jsonPath: '$.v' } } })[0],
      /^traffic\.observe: give exactly one source.*\(got prometheus, web\)/,
    );
    assert.match(
      issues({ observe: { command: { run: ['x'] } } })[0],
      /^traffic\.observe: Unrecognized key: "command"|^traffic\.observe/,
    );
    assert.match(issues({ observe, settle: { tolerance: 0 } })[0], /^traffic\.settle\.tolerance: /);
    assert.match(issues({ observe, settle: { tolerance: 1.5 } })[0], /^traffic\.settle\.tolerance: /);
    assert.match(
      issues({ observe, settle: { onTimeout: 'wait' } })[0],
      /^traffic\.settle\.onTimeout: .*pause.*proceed.*rollback/,
    );
    assert.match(issues({ observe, settle: { timeout: 'soon' } })[0], /^traffic\.settle\.timeout: expected a duration/);
    assert.match(issues({ observe, settle: { every: '10ms' } })[0], /^traffic\.settle\.every: too short/);
  });
});
