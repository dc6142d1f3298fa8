// The cloudwatch and cloudwatchAlarms providers against moto's CloudWatch API, reached the way a
// worker reaches AWS: through AWS_ENDPOINT_URL_CLOUDWATCH and the SDK's standard chain.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutMetricDataCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { createActivities } from '../../../activities';
import { resetCloudWatchClients } from '../../../activities/analysis/aws';
import { analysisRequest, motoCloudWatch, putAlarm } from '../../support/analysis';
import { startMoto, type Moto } from '../../support/moto';
import { freePort } from '../../support/processes';

const act = createActivities({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'bluegreen-cw-')) });

describe('cloudwatch providers (moto)', () => {
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = moto.endpoint;
    resetCloudWatchClients();
    const cw = motoCloudWatch(moto);
    const now = Date.now();
    const point = (color: string, value: number, agoMs: number) => ({
      MetricName: 'TargetResponseTime',
      Dimensions: [{ Name: 'TargetGroup', Value: `targetgroup/shop-${color}/abc` }],
      Timestamp: new Date(now - agoMs),
      Value: value,
      Unit: 'Seconds' as const,
    });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [point('green', 0.9, 180_000), point('green', 0.12, 30_000), point('blue', 0.8, 30_000)],
      }),
    );
    for (const name of ['shop-5xx', 'shop-latency', 'shop-green-errors']) await putAlarm(cw, name);
    await putAlarm(cw, 'shop-new', null);
    cw.destroy();
  });
  after(async () => {
    resetCloudWatchClients();
    delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
    await moto?.stop();
  });

  const p99 = {
    name: 'response-time',
    max: 0.5,
    cloudwatch: {
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensions: { TargetGroup: 'targetgroup/shop-{{color}}/abc' },
      stat: 'Average',
      period: '60s',
    },
  };

  it('reads the latest datapoint of the judged color (template in the dimension): passed', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [p99] }, { color: 'green' }));
    assert.equal(m.verdict, 'passed', m.message);
    assert.equal(m.value, 0.12);
    assert.match(m.message, /0\.12 within ≤ 0\.5 \(Average at /);
  });

  it('a value beyond max fails', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [p99] }, { color: 'blue' }));
    assert.equal(m.verdict, 'failed');
    assert.equal(m.value, 0.8);
  });

  it('no datapoints is inconclusive, naming the metric and dimensions', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [p99] }, { color: 'purple' }));
    assert.equal(m.verdict, 'inconclusive');
    assert.match(
      m.message,
      /no datapoints for AWS\/ApplicationELB TargetResponseTime \{TargetGroup=targetgroup\/shop-purple\/abc\}/,
    );
  });

  const alarms = (names: string[], extra: Record<string, unknown> = {}) => ({
    name: 'alb-alarms',
    cloudwatchAlarms: { names, region: 'us-east-1', ...extra },
  });

  it('alarms all OK pass; one switched to ALARM fails naming it; INSUFFICIENT_DATA is inconclusive', async () => {
    const req = analysisRequest({ metrics: [alarms(['shop-5xx', 'shop-latency'])] });
    let [m] = await act.analyzeRound(req);
    assert.deepEqual([m.verdict, m.value], ['passed', 0]);
    assert.match(m.message, /all alarms OK: shop-5xx, shop-latency/);

    const cw = motoCloudWatch(moto);
    try {
      await cw.send(new SetAlarmStateCommand({ AlarmName: 'shop-5xx', StateValue: 'ALARM', StateReason: 'test' }));
      [m] = await act.analyzeRound(req);
      assert.deepEqual([m.verdict, m.value], ['failed', 1]);
      assert.equal(m.message, 'alarm shop-5xx in ALARM');
      await cw.send(new SetAlarmStateCommand({ AlarmName: 'shop-5xx', StateValue: 'OK', StateReason: 'test' }));
      await cw.send(
        new SetAlarmStateCommand({ AlarmName: 'shop-new', StateValue: 'INSUFFICIENT_DATA', StateReason: 'test' }),
      );
    } finally {
      cw.destroy();
    }

    [m] = await act.analyzeRound(analysisRequest({ metrics: [alarms(['shop-5xx', 'shop-new'])] }));
    assert.equal(m.verdict, 'inconclusive');
    assert.equal(m.message, 'alarm shop-new is INSUFFICIENT_DATA');
  });

  it('alarm names follow the judged color', async () => {
    const [m] = await act.analyzeRound(
      analysisRequest({ metrics: [alarms(['shop-{{color}}-errors'])] }, { color: 'green' }),
    );
    assert.equal(m.message, 'alarm OK: shop-green-errors');
    const [blue] = await act.analyzeRound(
      analysisRequest({ metrics: [alarms(['shop-{{color}}-errors'])] }, { color: 'blue' }),
    );
    assert.equal(blue.message, 'no such alarm in us-east-1: shop-blue-errors');
  });

  it('alarms that do not exist are inconclusive, naming them', async () => {
    const [m] = await act.analyzeRound(analysisRequest({ metrics: [alarms(['shop-5xx', 'shop-typo'])] }));
    assert.equal(m.verdict, 'inconclusive');
    assert.equal(m.message, 'no such alarm in us-east-1: shop-typo');
  });

  it('an unreachable CloudWatch endpoint is inconclusive within the timeout', async () => {
    const closed = await freePort();
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = `http://127.0.0.1:${closed}`;
    resetCloudWatchClients();
    try {
      const started = Date.now();
      const [a, b] = await act.analyzeRound(
        analysisRequest({ metrics: [alarms(['shop-5xx'], { timeout: '2s' }), { ...p99, name: 'p99' }] }),
      );
      assert.equal(a.verdict, 'inconclusive');
      assert.match(
        a.message,
        /CloudWatch DescribeAlarms in us-east-1: (unreachable: ECONNREFUSED|no answer within 2000ms)/,
      );
      assert.equal(b.verdict, 'inconclusive');
      assert.match(b.message, /CloudWatch GetMetricData in us-east-1: /);
      assert.ok(Date.now() - started < 12_000, `took ${Date.now() - started}ms`);
    } finally {
      process.env.AWS_ENDPOINT_URL_CLOUDWATCH = moto.endpoint;
      resetCloudWatchClients();
    }
  });
});
