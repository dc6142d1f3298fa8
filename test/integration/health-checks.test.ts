// dns.healthCheck end to end on moto: the live color's record carries a Route 53 health check
// on its target, a release moves it to the new color and deletes the old one's, an abort leaves
// only the live color's, and a retried create makes no second check.
//
// moto (5.2) differs from Route 53 here, so these tests prove what bluegreen sends, not what
// Route 53 would refuse: it makes a second check for a repeated CallerReference (Route 53 returns
// the first; bluegreen looks a reference up before it creates, so both behave the same), and it
// never checks anything: any RequestInterval, a HealthCheckId no check has, deleting a check a
// record still uses (Route 53: HealthCheckInUse) or one already gone (Route 53:
// NoSuchHealthCheck) all succeed, and ListHealthChecks ignores MaxItems. Checks never run, so
// no color is ever seen unhealthy. A check Route 53 refuses comes from the fault proxy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListHealthChecksCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { createHealthCheckActivities } from '../../activities/routers/route53/health-checks';
import type { ReleaseStatus } from '../../workflows/messages';
import { setIdentifierFor } from '../../workflows/names';
import { healthCheckPrefix, healthCheckReference } from '../../contract/route53-health-checks';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

const ID = 'bluegreen-shop.example.com';
const RECORD = { recordName: 'shop.example.com', recordType: 'CNAME' as const };
const healthCheck = { type: 'HTTP', path: '/healthz', port: 8080, failureThreshold: 2, requestInterval: 10 };

let stack: Stack;
before(async () => {
  // Through the fault proxy: one test makes Route 53 refuse a check, which moto never does.
  stack = await startStack({ proxy: true });
});
after(async () => {
  await stack?.stop();
});

/** The health check id on each color's record, as moto has them. */
async function recordChecks(): Promise<{ blue?: string; green?: string }> {
  const out = await stack.moto
    .client()
    .send(new ListResourceRecordSetsCommand({ HostedZoneId: stack.zoneId, StartRecordName: 'shop.example.com' }));
  const found: { blue?: string; green?: string } = {};
  for (const rr of out.ResourceRecordSets ?? [])
    for (const c of ['blue', 'green'] as const)
      if (rr.SetIdentifier === setIdentifierFor('shop.example.com', c) && rr.HealthCheckId) found[c] = rr.HealthCheckId;
  return found;
}

/** bluegreen's checks of the record that exist (moto lists deleted ones no more). */
async function ourChecks() {
  const out = await stack.moto.client().send(new ListHealthChecksCommand({}));
  return (out.HealthChecks ?? []).filter((h) => h.CallerReference?.startsWith(healthCheckPrefix(RECORD)));
}

async function release(version: string, traffic?: object): Promise<{ code: number; stdout: string }> {
  const spec = await stack.appSpec(version);
  const dns = { ...(spec as { dns: object }).dns, healthCheck };
  const file = stack.writeSpec(`hc-${version}.yaml`, { ...spec, dns, ...(traffic ? { traffic } : {}) });
  return stack.cli('start', file, '--watch');
}

async function status(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', ID, '--json');
  return JSON.parse(r.stdout) as ReleaseStatus;
}

describe('Route 53 health checks on the colors (moto)', () => {
  it('a first release leaves the live color with a check on its target, with the configured path', async () => {
    const r = await release('1.0.0');
    assert.equal(r.code, 0, r.stdout);
    const onRecords = await recordChecks();
    assert.deepEqual(Object.keys(onRecords), ['blue'], 'only the live color carries a check');
    const checks = await ourChecks();
    assert.equal(checks.length, 1);
    assert.equal(checks[0].Id, onRecords.blue);
    assert.deepEqual(
      {
        type: checks[0].HealthCheckConfig?.Type,
        host: checks[0].HealthCheckConfig?.FullyQualifiedDomainName,
        port: checks[0].HealthCheckConfig?.Port,
        path: checks[0].HealthCheckConfig?.ResourcePath,
        threshold: checks[0].HealthCheckConfig?.FailureThreshold,
        interval: checks[0].HealthCheckConfig?.RequestInterval,
      },
      { type: 'HTTP', host: 'blue.shop.example.com', port: 8080, path: '/healthz', threshold: 2, interval: 10 },
    );
    assert.deepEqual((await status()).healthChecks, { blue: onRecords.blue });
    await recordHistory(stack, 'route53-health-checks-first-release');
  });

  it('the next release gives the new live color its own check and deletes the old one', async () => {
    const [blueCheck] = await ourChecks();
    const r = await release('2.0.0');
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(await stack.colorWeights(), { blue: 0, green: 100 });
    const onRecords = await recordChecks();
    assert.deepEqual(Object.keys(onRecords), ['green']);
    const checks = await ourChecks();
    assert.deepEqual(
      checks.map((h) => h.Id),
      [onRecords.green],
      "blue's check is gone",
    );
    assert.notEqual(onRecords.green, blueCheck.Id);
    assert.equal(checks[0].HealthCheckConfig?.FullyQualifiedDomainName, 'green.shop.example.com');
    assert.match(r.stdout, /deleted blue's Route 53 health check/);
    const text = await stack.cli('status', ID);
    assert.match(text.stdout, new RegExp(`checks  green ${onRecords.green}`));
    await recordHistory(stack, 'route53-health-checks-second-release');
  });

  it('an abort after traffic moved leaves only the live color with a check', async () => {
    const [greenCheck] = await ourChecks();
    const spec = await stack.appSpec('3.0.0');
    const file = stack.writeSpec('hc-3.0.0.yaml', {
      ...spec,
      dns: { ...(spec as { dns: object }).dns, healthCheck },
      traffic: { steps: [10, 100], interval: '1h', analysis: { requests: 20, maxErrorRate: 0.05, every: '500ms' } },
    });
    assert.equal((await stack.cli('start', file, '--json')).code, 0);
    await waitFor(
      'blue at 10% with its own check',
      async () => ((await stack.status()).weights.blue === 10 ? true : undefined),
      60_000,
    );
    const during = await recordChecks();
    assert.equal(during.green, greenCheck.Id, 'the live color keeps its check during the release');
    assert.ok(during.blue && during.blue !== greenCheck.Id, 'the new color got its own with the first shift');
    assert.equal((await stack.cli('abort', ID, '--reason', 'test')).code, 0);
    const watched = await stack.cli('watch', ID);
    assert.equal(watched.code, 3, watched.stdout);
    assert.deepEqual(await stack.colorWeights(), { blue: 0, green: 100 });
    assert.deepEqual(await recordChecks(), { green: greenCheck.Id });
    assert.deepEqual(
      (await ourChecks()).map((h) => h.Id),
      [greenCheck.Id],
      "blue's check was deleted by the rollback",
    );
    assert.match(watched.stdout, /delete blue's Route 53 health check/);
    await recordHistory(stack, 'route53-health-checks-abort');
  });

  it('a check Route 53 refuses fails the release before any traffic moves; nothing is left behind', async () => {
    const [greenCheck] = await ourChecks();
    stack.proxy!.inject('CreateHealthCheck', { kind: 'error', code: 'InvalidInput', status: 400 }, 1);
    const r = await release('4.0.0');
    assert.equal(r.code, 3, r.stdout);
    assert.match(r.stdout, /CreateHealthCheck failed: InvalidInput/);
    assert.equal(stack.proxy!.injected.CreateHealthCheck, 1);
    assert.deepEqual(await stack.colorWeights(), { blue: 0, green: 100 }, 'no weight changed');
    assert.deepEqual(await recordChecks(), { green: greenCheck.Id });
    assert.deepEqual(
      (await ourChecks()).map((h) => h.Id),
      [greenCheck.Id],
    );
    assert.ok(!(await status()).events.some((e) => e.type === 'shifted'), 'no shift was sent');
    assert.match(r.stdout, /compensated.*delete blue's Route 53 health check/);
  });

  it('a retried create finds the check it made instead of making a second', async () => {
    const acts = createHealthCheckActivities(
      () => stack.moto.client(),
      () => undefined,
    );
    const req = {
      callerReference: healthCheckReference(RECORD, 'blue', 'retry-test/run-1'),
      config: { Type: 'TCP' as const, IPAddress: '192.0.2.10', Port: 443, FailureThreshold: 3, RequestInterval: 30 },
    };
    const first = await acts.route53EnsureHealthCheck(req);
    const again = await acts.route53EnsureHealthCheck(req);
    assert.deepEqual(again, { id: first.id, created: false });
    assert.equal(first.created, true);
    const mine = (await ourChecks()).filter((h) => h.CallerReference === req.callerReference);
    assert.equal(mine.length, 1);
    // A delete by reference (the create's reply was lost) finds it; a second finds nothing.
    const prefix = healthCheckPrefix(RECORD);
    assert.deepEqual(await acts.route53DeleteHealthCheck({ callerReference: req.callerReference, prefix }), {
      deleted: first.id,
    });
    assert.deepEqual(await acts.route53DeleteHealthCheck({ callerReference: req.callerReference, prefix }), {
      deleted: null,
    });
  });

  it('repair deletes the checks bluegreen made for the record that no record uses', async () => {
    const [greenCheck] = await ourChecks();
    // As a release whose worker died between creating a check and the shift that attaches it.
    const acts = createHealthCheckActivities(
      () => stack.moto.client(),
      () => undefined,
    );
    const orphan = await acts.route53EnsureHealthCheck({
      callerReference: healthCheckReference(RECORD, 'blue', 'lost-release/run-1'),
      config: { Type: 'HTTP', FullyQualifiedDomainName: 'blue.shop.example.com', Port: 8080, ResourcePath: '/healthz' },
    });
    const r = await stack.cli('repair', 'shop.example.com');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`deleted Route 53 health check ${orphan.id}, which no record uses`));
    assert.deepEqual(
      (await ourChecks()).map((h) => h.Id),
      [greenCheck.Id],
    );
    assert.deepEqual(await recordChecks(), { green: greenCheck.Id }, 'the live color keeps its check');
    assert.deepEqual(await stack.colorWeights(), { blue: 0, green: 100 });
    await recordHistory(stack, 'route53-health-checks-repair');
  });
});
