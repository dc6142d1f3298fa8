// The ALB router against moto's ELBv2: what the contract does not cover (stickiness and other
// settings kept, listeners it must refuse, the messages a user gets), plus the error classes
// moto never answers (throttling, 5xx, AccessDenied) from a small server that speaks ELBv2 errors.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { AlbRouter } from '../../../activities/routers/alb/router';
import { albRegion, createElbv2Client, sharedElbv2Client } from '../../../activities/routers/alb/client';
import type { AlbRouterSpec } from '../../../workflows/router-spec';
import { forward, startAlbWorld, type AlbWorld } from '../../support/elbv2';
import { startMoto, type Moto } from '../../support/moto';

let moto: Moto;
let alb: AlbWorld;
let blue: string;
let green: string;

before(async () => {
  moto = await startMoto();
  process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = moto.endpoint;
  alb = await startAlbWorld(moto);
  blue = await alb.targetGroup('focused-blue');
  green = await alb.targetGroup('focused-green');
});
after(async () => moto?.stop());

const spec = (listenerArn: string, extra: Partial<AlbRouterSpec> = {}): AlbRouterSpec => ({
  provider: 'alb',
  listenerArn,
  targetGroups: { blue, green },
  ...extra,
});
const routerOn = (listenerArn: string, extra: Partial<AlbRouterSpec> = {}) =>
  new AlbRouter(spec(listenerArn, extra), alb.client);

/** Asserts a permanent ApplicationFailure whose message contains every one of `names`. */
function permanent(type: string, ...names: string[]) {
  return (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    assert.equal(err.nonRetryable, true, err.message);
    assert.equal(err.type, type, err.message);
    for (const name of names) assert.ok(err.message.includes(name), `"${err.message}" does not name ${name}`);
    return true;
  };
}

const defaultActions = async (listenerArn: string) =>
  (await alb.client.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners![0].DefaultActions;

describe('ALB router', () => {
  it('keeps stickiness and the actions before the forward when it moves the weights', async () => {
    const authenticate = {
      Type: 'authenticate-oidc' as const,
      Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://login.example.com',
        AuthorizationEndpoint: 'https://login.example.com/authorize',
        TokenEndpoint: 'https://login.example.com/token',
        UserInfoEndpoint: 'https://login.example.com/userinfo',
        ClientId: 'shop',
      },
    };
    const listenerArn = await alb.listener([authenticate, { ...forward({ [blue]: 1, [green]: 0 }, 3600), Order: 2 }]);
    const router = routerOn(listenerArn);
    const change = await router.setWeights({ blue: 75, green: 25 });
    assert.equal(change.effective, true, 'an ALB applies a change at once');
    assert.equal(await router.isEffective(change), true);

    const [auth, fwd] = (await defaultActions(listenerArn))!;
    assert.deepEqual(fwd.ForwardConfig, {
      TargetGroups: [
        { TargetGroupArn: blue, Weight: 75 },
        { TargetGroupArn: green, Weight: 25 },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
    });
    assert.equal(fwd.Order, 2);
    assert.equal(auth.Type, 'authenticate-oidc');
    assert.equal(auth.Order, 1);
    assert.equal(auth.AuthenticateOidcConfig?.ClientId, 'shop');
    // DescribeListeners never returns the client secret: the write must ask ALB to keep its own.
    assert.equal(auth.AuthenticateOidcConfig?.UseExistingClientSecret, true);
  });

  it('keeps a rule stickiness and conditions, and leaves the default action alone', async () => {
    const listenerArn = await alb.listener([forward({ [blue]: 1 })]);
    const ruleArn = await alb.rule(listenerArn, [forward({ [blue]: 1, [green]: 0 }, 120)]);
    await routerOn(listenerArn, { ruleArn }).setWeights({ blue: 10, green: 90 });
    const rule = (await alb.client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }))).Rules![0];
    assert.deepEqual(rule.Actions![0].ForwardConfig?.TargetGroupStickinessConfig, {
      Enabled: true,
      DurationSeconds: 120,
    });
    assert.deepEqual(
      rule.Actions![0].ForwardConfig?.TargetGroups?.map((t) => t.Weight),
      [10, 90],
    );
    assert.equal(rule.Conditions?.[0]?.Field, 'path-pattern');
    assert.deepEqual((await defaultActions(listenerArn))![0].ForwardConfig?.TargetGroups, [
      { TargetGroupArn: blue, Weight: 1 },
    ]);
  });

  it('reads relative weights as whole percentages that add up to 100', async () => {
    const cases: [number, number, { blue: number; green: number }][] = [
      [3, 1, { blue: 75, green: 25 }],
      [1, 2, { blue: 33, green: 67 }],
      [1, 7, { blue: 12, green: 88 }],
      [999, 0, { blue: 100, green: 0 }],
    ];
    for (const [b, g, expected] of cases) {
      const listenerArn = await alb.listener([forward({ [blue]: b, [green]: g })]);
      assert.deepEqual(await routerOn(listenerArn).readWeights(), expected, `${b}/${g}`);
    }
  });

  it("refuses a forward action without the idle color's target group, naming it, and writes nothing", async () => {
    // A listener sending everything to blue without naming green: the idle color has nowhere to go.
    const listenerArn = await alb.listener([{ Type: 'forward', TargetGroupArn: blue }]);
    const router = routerOn(listenerArn);
    await assert.rejects(router.readWeights(), permanent('TargetGroupNotInForwardAction', green, listenerArn));
    await assert.rejects(router.setWeights({ blue: 0, green: 100 }), permanent('TargetGroupNotInForwardAction', green));
    assert.deepEqual(await defaultActions(listenerArn), [{ Type: 'forward', TargetGroupArn: blue }], 'nothing written');
  });

  it('refuses a forward action that also sends traffic to another target group, naming it', async () => {
    const other = await alb.targetGroup('focused-other');
    const listenerArn = await alb.listener([forward({ [blue]: 1, [green]: 0, [other]: 1 })]);
    await assert.rejects(
      routerOn(listenerArn).setWeights({ blue: 50, green: 50 }),
      permanent('OtherTargetGroupsInForwardAction', other),
    );
    assert.deepEqual(
      (await defaultActions(listenerArn))![0].ForwardConfig?.TargetGroups?.map((t) => t.Weight),
      [1, 0, 1],
      'nothing written',
    );
  });

  it('refuses a listener whose default action does not forward, saying what it does', async () => {
    const listenerArn = await alb.listener([
      { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503', ContentType: 'text/plain' } },
    ]);
    await assert.rejects(
      routerOn(listenerArn).readWeights(),
      permanent('NoForwardAction', listenerArn, 'fixed-response'),
    );
  });

  it('names an unknown listener and the field to fix', async () => {
    const listenerArn = alb.loadBalancerArn.replace(':loadbalancer/', ':listener/') + '/0123456789abcdef';
    await assert.rejects(
      routerOn(listenerArn).readWeights(),
      permanent('ListenerNotFoundException', listenerArn, 'router.listenerArn'),
    );
  });

  it('names an unknown rule, and refuses the default rule (only ModifyListener changes it)', async () => {
    const listenerArn = await alb.listener([forward({ [blue]: 1, [green]: 0 })]);
    const ruleArn = `${listenerArn.replace(':listener/', ':listener-rule/')}/fedcba9876543210`;
    await assert.rejects(
      routerOn(listenerArn, { ruleArn }).setWeights({ blue: 100, green: 0 }),
      permanent('RuleNotFoundException', ruleArn, 'router.ruleArn'),
    );
    const rules = (await alb.client.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules!;
    const defaultRule = rules.find((r) => r.IsDefault)!.RuleArn!;
    await assert.rejects(
      routerOn(listenerArn, { ruleArn: defaultRule }).setWeights({ blue: 100, green: 0 }),
      permanent('OperationNotPermittedException', defaultRule, 'leave router.ruleArn out'),
    );
  });

  it('takes its region from the ARN unless the spec gives one', () => {
    const arn =
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2';
    assert.equal(albRegion({ listenerArn: arn }), 'eu-west-1');
    assert.equal(albRegion({ listenerArn: arn, region: 'eu-central-1' }), 'eu-central-1');
  });

  it('reaches the endpoint in AWS_ENDPOINT_URL when no ELBv2-specific one is set', async () => {
    const listenerArn = await alb.listener([forward({ [blue]: 1, [green]: 3 })]);
    const specific = process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2;
    delete process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2;
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    try {
      assert.deepEqual(await new AlbRouter(spec(listenerArn), createElbv2Client('us-east-1')).readWeights(), {
        blue: 25,
        green: 75,
      });
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
      process.env.AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 = specific;
    }
  });

  it('through the activities: a shift is verified with one read, and nothing is removed on undo', async () => {
    const listenerArn = await alb.listener([forward({ [blue]: 1, [green]: 0 })]);
    const act = createActivities({ stateDir: '/tmp/unused', syncPollMs: { initial: 10, max: 50 } });
    assert.deepEqual(await act.readTraffic(spec(listenerArn)), { blue: 100, green: 0 });
    const shifted = await act.shiftTraffic(spec(listenerArn), { blue: 90, green: 10 });
    assert.equal(shifted.polls, 1);
    assert.deepEqual(await act.readTraffic(spec(listenerArn)), { blue: 90, green: 10 });
    assert.deepEqual(await act.removeTraffic(spec(listenerArn)), { removed: false });
    assert.deepEqual(await act.readTraffic(spec(listenerArn)), { blue: 90, green: 10 });
  });

  it('writes only what differs, and a retried shift verifies its change by reading instead of writing again', async () => {
    const listenerArn = await alb.listener([forward({ [blue]: 1, [green]: 0 })]);
    const act = createActivities({ stateDir: '/tmp/unused', syncPollMs: { initial: 10, max: 50 } });
    // The worker's own client for the region (the one the activities use), with a request log.
    const calls: string[] = [];
    const client = sharedElbv2Client('us-east-1');
    client.middlewareStack.add(
      (next, context) => (args) => {
        calls.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'testCallLog' },
    );
    try {
      const first = await act.shiftTraffic(spec(listenerArn), { blue: 90, green: 10 });
      assert.deepEqual(calls, ['DescribeListenersCommand', 'ModifyListenerCommand', 'DescribeListenersCommand']);
      calls.length = 0;
      await act.shiftTraffic(spec(listenerArn), { blue: 90, green: 10 });
      assert.deepEqual(calls, ['DescribeListenersCommand', 'DescribeListenersCommand'], 'same weights: no write');
      calls.length = 0;
      // What Temporal hands a retried attempt: the last heartbeat of the failed one.
      const retry = new MockActivityEnvironment({
        heartbeatDetails: { changeId: first.changeId, weights: { blue: 90, green: 10 } },
      });
      const out = (await retry.run(act.shiftTraffic, spec(listenerArn), { blue: 90, green: 10 })) as {
        changeId: string;
      };
      assert.equal(out.changeId, first.changeId);
      assert.deepEqual(calls, ['DescribeListenersCommand'], 'verified with one read');
    } finally {
      client.middlewareStack.remove('testCallLog');
    }
    assert.deepEqual(
      (await defaultActions(listenerArn))![0].ForwardConfig?.TargetGroups?.map((t) => t.Weight),
      [90, 10],
    );
  });
});

describe('ALB router errors moto never answers', () => {
  let server: http.Server;
  let answer: { status: number; code: string };
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'text/xml' });
        res.end(
          `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>Sender</Type><Code>${answer.code}</Code><Message>injected</Message></Error><RequestId>test</RequestId></ErrorResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const listenerArn =
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2';
  const router = () => {
    const { port } = server.address() as AddressInfo;
    const client = new ElasticLoadBalancingV2Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    return new AlbRouter(spec(listenerArn), client);
  };

  for (const [status, code] of [
    [400, 'Throttling'],
    [500, 'InternalFailure'],
    [503, 'ServiceUnavailable'],
  ] as const) {
    it(`${code} (${status}) is retried by Temporal`, async () => {
      answer = { status, code };
      await assert.rejects(router().readWeights(), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.nonRetryable, false, err.message);
        assert.match(err.message, new RegExp(`ALB DescribeListeners failed: .*${code}`));
        return true;
      });
    });
  }

  it('AccessDenied is permanent and points at the IAM policy', async () => {
    answer = { status: 403, code: 'AccessDenied' };
    await assert.rejects(
      router().setWeights({ blue: 100, green: 0 }),
      permanent('AccessDenied', 'elasticloadbalancing:DescribeListeners', listenerArn, 'docs/iam-policy.json'),
    );
  });
});
