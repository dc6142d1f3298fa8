// An ALB's observed share from CloudWatch RequestCount per target group, against moto's CloudWatch
// reached the way a worker reaches AWS (AWS_ENDPOINT_URL_CLOUDWATCH, the SDK's standard chain).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { resetCloudWatchClients } from '../../../activities/analysis/aws';
import { shareReader } from '../../../activities/observe/share';
import type { AlbRouterSpec } from '../../../workflows/router-spec';
import { motoCloudWatch } from '../../support/analysis';
import { startMoto, type Moto } from '../../support/moto';

const home = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const router = (shop: string): AlbRouterSpec => ({
  provider: 'alb',
  listenerArn: `${home}:listener/app/${shop}/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  targetGroups: {
    blue: `${home}:targetgroup/${shop}-blue/73e2d6bc24d8a067`,
    green: `${home}:targetgroup/${shop}-green/2453ed029918f21f`,
  },
});
const vars = {
  service: 'shop',
  version: '2',
  color: 'green',
  liveColor: 'blue',
  record: 'x',
  step: '1',
  percent: '25',
  every: '1s',
};

describe('ALB observed share (CloudWatch RequestCount, moto)', () => {
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = moto.endpoint;
    resetCloudWatchClients();
    const cw = motoCloudWatch(moto);
    const count = (shop: string, color: 'blue' | 'green', value: number) => ({
      MetricName: 'RequestCount',
      Dimensions: [
        {
          Name: 'TargetGroup',
          Value: `targetgroup/${shop}-${color}/${color === 'blue' ? '73e2d6bc24d8a067' : '2453ed029918f21f'}`,
        },
        { Name: 'LoadBalancer', Value: `app/${shop}/50dc6c495c0c9188` },
      ],
      Timestamp: new Date(Date.now() - 30_000),
      Value: value,
      Unit: 'Count' as const,
    });
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [count('shop', 'blue', 750), count('shop', 'green', 250), count('cart', 'blue', 40)],
      }),
    );
    cw.destroy();
  });
  after(async () => {
    resetCloudWatchClients();
    delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
    await moto?.stop();
  });

  it("splits the target groups' request counts of the listener's load balancer", async () => {
    const share = await shareReader({ kind: 'alb', router: router('shop') }, vars)();
    assert.ok(share);
    assert.equal(share.blue, 0.75);
    assert.equal(share.green, 0.25);
    assert.equal(share.requests, 1000);
    assert.equal(share.source, 'cloudwatch RequestCount');
    assert.equal(share.window, '1m');
  });

  it('a target group without datapoints got no requests; none at all is nothing observed', async () => {
    const share = await shareReader({ kind: 'alb', router: router('cart') }, vars)();
    assert.equal(share?.blue, 1);
    assert.equal(share?.green, 0);
    assert.equal(await shareReader({ kind: 'alb', router: router('nothing') }, vars)(), null);
  });
});
