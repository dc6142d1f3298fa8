import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpec } from '../../client/spec-file';
import { healthCheckConfig, healthCheckPrefix, healthCheckReference } from '../../contract/route53-health-checks';
import { weightChanges } from '../../workflows/routing/route53-records';

const spec = (dns: object) =>
  parseSpec({
    service: 'shop',
    version: '1',
    environment: { provider: 'local', command: ['node', 'app.js'], ports: { blue: 8081, green: 8082 } },
    dns: { provider: 'route53', hostedZoneId: 'Z1', recordName: 'shop.example.com', ...dns },
  }).dns!;

describe('Route 53 health checks: shapes and names', () => {
  it("checks each color's target: a host name, an alias's DNS name, an IP address as such", () => {
    const cname = spec({
      targets: { blue: 'blue.shop.example.com', green: '192.0.2.7' },
      healthCheck: { path: '/healthz' },
    });
    assert.deepEqual(healthCheckConfig(cname, 'blue'), {
      Type: 'HTTPS',
      FullyQualifiedDomainName: 'blue.shop.example.com',
      Port: 443,
      ResourcePath: '/healthz',
      EnableSNI: true,
      FailureThreshold: 3,
      RequestInterval: 30,
    });
    assert.equal(healthCheckConfig(cname, 'green').IPAddress, '192.0.2.7');
    assert.equal(healthCheckConfig(cname, 'green').EnableSNI, undefined);
    const alias = spec({
      recordType: 'A',
      targets: {
        blue: { dnsName: 'blue-lb.us-east-1.elb.amazonaws.com.', hostedZoneId: 'Z35SXDOTRQ7X7K' },
        green: { dnsName: 'green-lb.us-east-1.elb.amazonaws.com', hostedZoneId: 'Z35SXDOTRQ7X7K' },
      },
      healthCheck: { type: 'TCP', port: 5432, requestInterval: 10, failureThreshold: 1 },
    });
    assert.deepEqual(healthCheckConfig(alias, 'blue'), {
      Type: 'TCP',
      FullyQualifiedDomainName: 'blue-lb.us-east-1.elb.amazonaws.com',
      Port: 5432,
      FailureThreshold: 1,
      RequestInterval: 10,
    });
  });

  it("names a check by record, color and release, within Route 53's 64 characters", () => {
    const long = {
      recordName: `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`,
      recordType: 'CNAME' as const,
    };
    const ref = healthCheckReference(long, 'green', `bluegreen-${long.recordName}/0190a0b1-run`);
    assert.ok(ref.length <= 64, ref);
    assert.ok(ref.startsWith(healthCheckPrefix(long)));
    assert.equal(ref, healthCheckReference(long, 'green', `bluegreen-${long.recordName}/0190a0b1-run`), 'stable');
    assert.notEqual(ref, healthCheckReference(long, 'green', `bluegreen-${long.recordName}/another-run`));
    assert.notEqual(ref, healthCheckReference(long, 'blue', `bluegreen-${long.recordName}/0190a0b1-run`));
    const other = { recordName: 'api.example.com', recordType: 'CNAME' as const };
    assert.notEqual(healthCheckPrefix(other), healthCheckPrefix(long));
  });

  it("a weight change carries each color's check, and leaves it off a color that has none", () => {
    const dns = spec({ targets: { blue: 'b.example.net', green: 'g.example.net' }, healthCheck: {} });
    const [blue, green] = weightChanges(dns, { blue: 90, green: 10 }, { green: 'hc-g' });
    assert.equal(blue.ResourceRecordSet?.HealthCheckId, undefined);
    assert.ok(!('HealthCheckId' in blue.ResourceRecordSet!), 'absent, not undefined: the UPSERT detaches');
    assert.equal(green.ResourceRecordSet?.HealthCheckId, 'hc-g');
  });
});
