// What `validate` can tell of an ALB router without calling AWS: ARN shapes and that the ARNs
// belong together. Everything else is the first router call's (alb.test.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { albRouter } from '../../../workflows/router-spec';

const home = 'arn:aws:elasticloadbalancing:us-east-1:123456789012';
const good = {
  provider: 'alb',
  listenerArn: `${home}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  ruleArn: `${home}:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`,
  targetGroups: {
    blue: `${home}:targetgroup/shop-blue/73e2d6bc24d8a067`,
    green: `${home}:targetgroup/shop-green/1d2c3b4a59687f0e`,
  },
  region: 'us-east-1',
};

/** The issues zod reports for `changes`, as `path: message`. */
function issues(changes: Record<string, unknown>): string[] {
  const out = albRouter.safeParse({ ...good, ...changes });
  return out.success ? [] : out.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('ALB router spec', () => {
  it('accepts a listener, a rule of it, two target groups beside it, in any partition', () => {
    assert.deepEqual(issues({}), []);
    assert.deepEqual(issues({ ruleArn: undefined, region: undefined }), []);
    const gov = (arn: string) => arn.replace('arn:aws:', 'arn:aws-us-gov:').replace('us-east-1', 'us-gov-west-1');
    assert.deepEqual(
      issues({
        listenerArn: gov(good.listenerArn),
        ruleArn: gov(good.ruleArn),
        targetGroups: { blue: gov(good.targetGroups.blue), green: gov(good.targetGroups.green) },
        region: 'us-gov-west-1',
      }),
      [],
    );
  });

  it('refuses ARNs of the wrong kind, naming the field and the shape', () => {
    const [nlb] = issues({ listenerArn: good.listenerArn.replace('/app/', '/net/'), ruleArn: undefined });
    assert.match(nlb, /^listenerArn: not an ALB listener ARN; it looks like arn:aws:elasticloadbalancing:/);
    // A rule ARN where the listener goes, and a listener ARN where the rule goes.
    assert.match(issues({ listenerArn: good.ruleArn, ruleArn: undefined })[0], /^listenerArn: not an ALB listener ARN/);
    assert.match(issues({ ruleArn: good.listenerArn })[0], /^ruleArn: not an ALB listener-rule ARN/);
    assert.match(
      issues({ targetGroups: { ...good.targetGroups, green: 'shop-green' } })[0],
      /^targetGroups.green: not a target group ARN/,
    );
    assert.match(issues({ region: 'US East' })[0], /^region: an AWS region/);
  });

  it('refuses ARNs that cannot belong together', () => {
    assert.deepEqual(issues({ targetGroups: { blue: good.targetGroups.blue, green: good.targetGroups.blue } }), [
      'targetGroups: blue and green need different target groups',
    ]);
    const otherListener = good.ruleArn.replace('f2f7dc8efc522ab2', '0000000000000000');
    assert.match(issues({ ruleArn: otherListener })[0], /^ruleArn: this rule does not belong to listenerArn/);
    const elsewhere = good.targetGroups.green.replace('us-east-1', 'eu-west-1');
    assert.match(
      issues({ targetGroups: { ...good.targetGroups, green: elsewhere } })[0],
      /^targetGroups.green: this target group is not in the listener's partition, region and account/,
    );
    assert.deepEqual(issues({ region: 'eu-west-1' }), [
      'region: listenerArn is in us-east-1: leave region out, or make it us-east-1',
    ]);
  });
});
