// The Route 53 router against moto's real HTTP API, with a fault-injecting proxy in front for
// what moto never does (PENDING, Throttling, PriorRequestNotComplete).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../activities';
import { Route53Router, setIdentifierFor } from '../../../activities/routers/route53/router';
import { testSpec } from '../../support/fake-world';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy';
import { startMoto, type Moto } from '../../support/moto';
import type { DnsSpec } from '../../../workflows/spec';

let moto: Moto;
let proxy: FaultProxy;
let zoneId: string;
let client: Route53Client;

function dns(recordName: string, extra: Partial<DnsSpec> = {}): DnsSpec {
  return { ...testSpec().dns, hostedZoneId: zoneId, recordName, ...extra };
}

before(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  zoneId = await moto.createZone('example.com');
  // The SDK's own retries are on, as in production; the proxy counts what reached it.
  client = new Route53Client({ endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts: 3, retryMode: 'standard' });
});
after(async () => {
  await proxy?.close();
  await moto?.stop();
});
beforeEach(() => proxy.reset());

const activities = () =>
  createActivities({ stateDir: '/tmp/unused', route53: client, syncPollMs: { initial: 10, max: 50 } });

describe('Route 53 router', () => {
  it('creates both weighted records in one batch and reads the weights back', async () => {
    const act = activities();
    const d = dns('one.example.com');
    assert.deepEqual(await act.readTraffic(d), {});
    await act.shiftTraffic(d, { blue: 100, green: 0 });
    assert.deepEqual(await act.readTraffic(d), { blue: 100, green: 0 });
    assert.equal(proxy.hits.ChangeResourceRecordSets, 1, 'one change batch for both records');
    assert.deepEqual(await moto.weights(zoneId, 'one.example.com'), {
      [setIdentifierFor('one.example.com', 'blue')]: 100,
      [setIdentifierFor('one.example.com', 'green')]: 0,
    });
  });

  it('set identifiers are unique per record, so two services in one zone do not collide', async () => {
    const act = activities();
    await act.shiftTraffic(dns('a.example.com'), { blue: 100, green: 0 });
    await act.shiftTraffic(dns('b.example.com'), { blue: 0, green: 100 });
    await act.removeTraffic(dns('a.example.com'));
    assert.deepEqual(await act.readTraffic(dns('a.example.com')), {});
    assert.deepEqual(await act.readTraffic(dns('b.example.com')), { blue: 0, green: 100 });
  });

  it('waits for INSYNC with backoff when Route 53 reports PENDING', async () => {
    const act = activities();
    proxy.inject('GetChange', { kind: 'pending' }, 3);
    const out = await act.shiftTraffic(dns('pending.example.com'), { blue: 90, green: 10 });
    assert.equal(out.polls, 4, 'three PENDING answers, then INSYNC');
    assert.equal(proxy.injected.GetChange, 3);
  });

  it('retries Throttling and PriorRequestNotComplete, then succeeds', async () => {
    const act = activities();
    proxy.inject('ChangeResourceRecordSets', { kind: 'error', code: 'Throttling' }, 1);
    proxy.inject('ChangeResourceRecordSets', { kind: 'error', code: 'PriorRequestNotComplete' }, 1);
    await act.shiftTraffic(dns('busy.example.com'), { blue: 50, green: 50 });
    assert.equal(proxy.injected.ChangeResourceRecordSets, 2);
    assert.equal(proxy.hits.ChangeResourceRecordSets, 3);
    assert.deepEqual(await act.readTraffic(dns('busy.example.com')), { blue: 50, green: 50 });
  });

  it('throttling that outlasts the SDK retries surfaces as a retryable failure for Temporal', async () => {
    const act = activities();
    proxy.inject('ChangeResourceRecordSets', { kind: 'error', code: 'Throttling' }, 5);
    await assert.rejects(
      act.shiftTraffic(dns('throttled.example.com'), { blue: 50, green: 50 }),
      (err: ApplicationFailure) => {
        assert.equal(err.type, 'Throttling');
        assert.equal(err.nonRetryable, false);
        return true;
      },
    );
  });

  it('5xx is retryable; AccessDenied and a missing zone are not', async () => {
    const act = activities();
    proxy.inject('ChangeResourceRecordSets', { kind: 'error', code: 'InternalError' }, 5);
    await assert.rejects(
      act.shiftTraffic(dns('err.example.com'), { blue: 1, green: 99 }),
      (err: ApplicationFailure) => !err.nonRetryable,
    );
    proxy.reset();
    proxy.inject('ChangeResourceRecordSets', { kind: 'error', code: 'AccessDenied' }, 1);
    await assert.rejects(
      act.shiftTraffic(dns('err.example.com'), { blue: 1, green: 99 }),
      (err: ApplicationFailure) => err.nonRetryable && err.type === 'AccessDenied',
    );
    await assert.rejects(
      act.readTraffic(dns('x.example.com', { hostedZoneId: 'ZNOSUCHZONE' })),
      (err: ApplicationFailure) => err.nonRetryable && err.type === 'NoSuchHostedZone',
    );
    await assert.rejects(
      act.readTraffic(dns('x.example.com', { hostedZoneId: undefined, zoneName: 'missing.example.org' })),
      (err: ApplicationFailure) => err.nonRetryable && /no hosted zone named missing.example.org./.test(err.message),
    );
  });

  it('finds the zone by name', async () => {
    const act = activities();
    const d = dns('byname.example.com', { hostedZoneId: undefined, zoneName: 'example.com' });
    await act.shiftTraffic(d, { blue: 100, green: 0 });
    assert.deepEqual(await act.readTraffic(d), { blue: 100, green: 0 });
  });

  it('a retried shift that finds its change id in the heartbeat resumes waiting instead of changing records again', async () => {
    const router = new Route53Router(dns('retry.example.com'), client);
    const { id: changeId } = await router.setWeights({ blue: 90, green: 10 });
    proxy.reset();
    proxy.inject('GetChange', { kind: 'pending' }, 1);
    // What Temporal hands a retried attempt: the last heartbeat of the failed one.
    const retry = new MockActivityEnvironment({ heartbeatDetails: { changeId, weights: { blue: 90, green: 10 } } });
    const out = (await retry.run(activities().shiftTraffic, dns('retry.example.com'), { blue: 90, green: 10 })) as {
      changeId: string;
    };
    assert.equal(out.changeId, changeId);
    assert.equal(proxy.hits.ChangeResourceRecordSets, 0, 'no second change batch');
    assert.equal(proxy.hits.GetChange, 2, 'waited on the earlier change');
    // A heartbeat for other weights (an earlier step) does not stop the new shift.
    proxy.reset();
    const next = new MockActivityEnvironment({ heartbeatDetails: { changeId, weights: { blue: 90, green: 10 } } });
    await next.run(activities().shiftTraffic, dns('retry.example.com'), { blue: 50, green: 50 });
    assert.equal(proxy.hits.ChangeResourceRecordSets, 1);
    assert.deepEqual(await router.readWeights(), { blue: 50, green: 50 });
  });

  it('writes alias A records for load balancer targets', async () => {
    const act = activities();
    const d = dns('alias.example.com', {
      recordType: 'A',
      targets: {
        blue: { dnsName: 'blue-lb.elb.amazonaws.com', hostedZoneId: 'Z35SXDOTRQ7X7K' },
        green: { dnsName: 'green-lb.elb.amazonaws.com', hostedZoneId: 'Z35SXDOTRQ7X7K' },
      },
    });
    await act.shiftTraffic(d, { blue: 100, green: 0 });
    const out = await moto.client().send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const blue = out.ResourceRecordSets!.find(
      (r) => r.SetIdentifier === setIdentifierFor('alias.example.com', 'blue'),
    )!;
    assert.equal(blue.Type, 'A');
    assert.equal(blue.AliasTarget?.DNSName?.replace(/\.$/, ''), 'blue-lb.elb.amazonaws.com');
    assert.deepEqual(await act.readTraffic(d), { blue: 100, green: 0 });
  });

  it('ignores foreign weighted records under the same name', async () => {
    const act = activities();
    await moto.client().send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: {
                Name: 'mixed.example.com',
                Type: 'CNAME',
                SetIdentifier: 'someone-else',
                Weight: 5,
                TTL: 60,
                ResourceRecords: [{ Value: 'x.example.com' }],
              },
            },
          ],
        },
      }),
    );
    assert.deepEqual(await act.readTraffic(dns('mixed.example.com')), {});
  });

  it('a batched read of names far apart in a large zone skips the pages between them', async () => {
    // 600 plain records between gap-a and gap-z: three pages if the pass listed straight through.
    const filler = Array.from({ length: 600 }, (_, i) => ({
      Action: 'UPSERT' as const,
      ResourceRecordSet: {
        Name: `gap-m${String(i).padStart(3, '0')}.example.com`,
        Type: 'CNAME' as const,
        TTL: 60,
        ResourceRecords: [{ Value: 'x.example.com' }],
      },
    }));
    // moto counts an UPSERT's old and new record against the 1,000-record limit of one request.
    for (const part of [filler.slice(0, 200), filler.slice(200, 400), filler.slice(400)])
      await moto
        .client()
        .send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: part } }));
    const act = activities();
    for (const name of ['gap-a.example.com', 'gap-z.example.com'])
      await act.shiftTraffic(dns(name), { blue: 100, green: 0 });
    const wanted = [
      { name: 'gap-a.example.com', type: 'CNAME' },
      { name: 'gap-z.example.com', type: 'CNAME' },
    ];
    proxy.reset();
    const found: string[] = [];
    let start: { name: string; type: string; id?: string } | undefined = wanted[0];
    while (start) {
      const page = await act.route53ListPage(zoneId, start, wanted);
      found.push(...page.records.map((r) => `${r.Name} ${r.SetIdentifier}`));
      start = page.next;
    }
    assert.deepEqual(
      found.sort(),
      [
        `gap-a.example.com. ${setIdentifierFor('gap-a.example.com', 'blue')}`,
        `gap-a.example.com. ${setIdentifierFor('gap-a.example.com', 'green')}`,
        `gap-z.example.com. ${setIdentifierFor('gap-z.example.com', 'blue')}`,
        `gap-z.example.com. ${setIdentifierFor('gap-z.example.com', 'green')}`,
      ].sort(),
    );
    assert.equal(proxy.hits.ListResourceRecordSets, 2, 'one page per wanted name, none for the gap');
  });
});
