import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadSpecFile, parseSpec, SpecError } from '../../client/spec-file';
import { releaseJsonSchema } from '../../workflows/spec';
import { parseDuration, formatDuration } from '../../workflows/duration';
import { projectRoot } from '../support/binaries';

const minimal = {
  service: 'shop',
  version: '2.4.1',
  environment: { provider: 'local', command: ['python3', 'app.py'], ports: { blue: 8081, green: 8082 } },
  dns: {
    provider: 'route53',
    hostedZoneId: 'Z1',
    recordName: 'shop.example.com',
    targets: { blue: 'blue.shop.example.com', green: 'green.shop.example.com' },
  },
};

/** The minimal spec without its Route 53 block, and an HAProxy router to put in its place. */
const { dns: _dns, ...noDns } = minimal;
const haproxy = {
  provider: 'haproxy',
  runtimeApi: '127.0.0.1:9999',
  backend: 'shop',
  servers: { blue: 'b', green: 'g' },
};

function problems(doc: unknown): string[] {
  try {
    parseSpec(doc);
  } catch (err) {
    assert.ok(err instanceof SpecError);
    return err.problems;
  }
  return [];
}

describe('release spec', () => {
  it('fills the documented defaults', () => {
    const spec = parseSpec(minimal);
    assert.deepEqual(spec.traffic.steps, [10, 50, 100]);
    assert.equal(spec.traffic.interval, '5m');
    assert.equal(spec.dns?.ttl, 60);
    assert.equal(spec.dns?.recordType, 'CNAME');
    assert.equal(spec.verify.http.path, '/healthz');
    assert.equal(spec.verify.http.attempts, 30);
    assert.equal(spec.traffic.analysis.maxErrorRate, 0.01);
    assert.equal(spec.decommission.delay, '15m');
    assert.equal(spec.approval.onTimeout, 'rollback');
  });

  it('reports every problem with its path', () => {
    const found = problems({
      ...minimal,
      service: 'Shop!',
      version: 2,
      surprise: 1,
      traffic: { steps: [10, 50, 40], interval: '5 minutes' },
      environment: { ...minimal.environment, ports: { blue: 8081, green: 8081 } },
    });
    const paths = found.map((p) => p.split(':')[0]);
    for (const expected of [
      'service',
      'version',
      'surprise',
      'traffic.steps[2]',
      'traffic.interval',
      'environment.ports',
    ]) {
      assert.ok(paths.includes(expected), `expected a problem at ${expected}; got:\n${found.join('\n')}`);
    }
    assert.match(
      found.find((p) => p.startsWith('version'))!,
      /quote it/,
    );
    assert.match(
      found.find((p) => p.startsWith('traffic.steps[2]'))!,
      /greater than the step before it \(50\)/,
    );
  });

  it('needs exactly one of hostedZoneId and zoneName, and targets fitting the record type', () => {
    assert.match(
      problems({ ...minimal, dns: { ...minimal.dns, zoneName: 'example.com' } }).join(),
      /exactly one of hostedZoneId or zoneName/,
    );
    assert.match(
      problems({ ...minimal, dns: { ...minimal.dns, recordType: 'A' } }).join(),
      /dns.targets.blue: an A \(alias\) target needs/,
    );
    const alias = parseSpec({
      ...minimal,
      dns: {
        ...minimal.dns,
        recordType: 'A',
        targets: { blue: { dnsName: 'b.elb', hostedZoneId: 'Z2' }, green: { dnsName: 'g.elb', hostedZoneId: 'Z2' } },
      },
    });
    assert.equal(alias.dns?.recordType, 'A');
  });

  it('steps must end at 100 and rise strictly', () => {
    assert.match(
      problems({ ...minimal, traffic: { steps: [10, 50] } }).join(),
      /traffic.steps\[1\]: the last step must be 100/,
    );
    assert.match(problems({ ...minimal, traffic: { steps: [50, 50, 100] } }).join(), /traffic.steps\[1\]/);
  });

  it('the command provider needs {color} in its endpoint', () => {
    const env = {
      provider: 'command',
      provision: ['deploy'],
      decommission: ['undeploy'],
      endpoint: 'https://shop.internal',
    };
    assert.match(problems({ ...minimal, environment: env }).join(), /environment.endpoint: must contain \{color\}/);
  });

  it('commands as checks: an empty run or a bad timeout names the field; `validate` exits 2', async () => {
    const metric = (command: object) => ({
      ...minimal,
      traffic: { analysis: { metrics: [{ name: 'checkout-errors', max: 0, command }] } },
    });
    const bad = {
      ...metric({ run: [], timeout: 'soon' }),
      verify: { command: { run: [], timeout: '2h' } },
    };
    const found = problems(bad).join('\n');
    assert.match(found, /verify\.command\.run: needs at least the program to run/);
    assert.match(found, /verify\.command\.timeout: too long: at most 1h/);
    assert.match(found, /traffic\.analysis\.metrics\[0\]\.command\.run: needs at least the program/);
    assert.match(found, /traffic\.analysis\.metrics\[0\]\.command\.timeout: expected a duration/);
    assert.match(problems({ ...minimal, verify: { command: { run: [''] } } }).join(), /verify\.command\.run\[0\]/);
    // Valid ones get their defaults.
    const spec = parseSpec({
      ...metric({ run: ['./count.sh', '{{color}}'] }),
      verify: { command: { run: ['./smoke.sh'] } },
    });
    assert.equal(spec.verify.command?.timeout, '5m');
    assert.equal(spec.traffic.analysis.metrics[0].command?.timeout, '30s');

    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bluegreen-spec-')), 'bad.yaml');
    writeFileSync(file, JSON.stringify(bad));
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'bluegreen.js'), 'validate', file], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /verify\.command\.run: needs at least the program to run/);
    assert.match(r.stderr, /metrics\[0\]\.command\.timeout/);
  });

  it('dns.healthCheck: Route 53 only, its values as Route 53 takes them; `validate` exits 2 naming the field', () => {
    const withCheck = (healthCheck: object) => ({ ...minimal, dns: { ...minimal.dns, healthCheck } });
    const found = problems(withCheck({ requestInterval: 20, failureThreshold: 11, port: 70000 })).join('\n');
    assert.match(found, /dns\.healthCheck\.requestInterval: Route 53 checks every 10 or every 30 seconds/);
    assert.match(found, /dns\.healthCheck\.failureThreshold: at most 10/);
    assert.match(found, /dns\.healthCheck\.port: .*65535/);
    assert.match(problems(withCheck({ failureThreshold: 0 })).join(), /dns\.healthCheck\.failureThreshold: at least 1/);
    assert.match(problems(withCheck({ type: 'TCP' })).join(), /dns\.healthCheck\.port: a TCP check needs the port/);
    assert.match(
      problems(withCheck({ type: 'TCP', port: 5432, path: '/x' })).join(),
      /dns\.healthCheck\.path: a TCP check has no path/,
    );
    // Defaults: HTTPS every 30 s, 3 failures.
    assert.deepEqual(parseSpec(withCheck({ path: '/healthz' })).dns?.healthCheck, {
      type: 'HTTPS',
      path: '/healthz',
      failureThreshold: 3,
      requestInterval: 30,
    });
    // Another router: the key is refused with where health checks live.
    const onRouter = problems({ ...noDns, router: { ...haproxy, healthCheck: { path: '/healthz' } } }).join();
    assert.match(onRouter, /router\.healthCheck: healthCheck is for Route 53 records only \(dns\.healthCheck\)/);

    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bluegreen-spec-')), 'bad-check.yaml');
    writeFileSync(file, JSON.stringify(withCheck({ requestInterval: 60 })));
    const r = spawnSync(process.execPath, [path.join(projectRoot, 'bin', 'bluegreen.js'), 'validate', file], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /dns\.healthCheck\.requestInterval/);
  });

  it('files: missing and malformed YAML are reported, not thrown raw', () => {
    assert.throws(
      () => loadSpecFile('/no/such/spec.yaml'),
      (e: SpecError) => /file not found/.test(e.problems[0]),
    );
  });

  it('every example spec in examples/ is valid', () => {
    const dir = path.join(projectRoot, 'examples');
    const specs = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.includes('.tmp.'));
    assert.ok(specs.length >= 3, `expected example specs in ${dir}`);
    for (const f of specs) loadSpecFile(path.join(dir, f));
  });

  it('the JSON Schema comes from the same schema', () => {
    const schema = releaseJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    assert.deepEqual(
      Object.keys(schema.properties).sort(),
      [
        'approval',
        'decommission',
        'dns',
        'environment',
        'hooks',
        'notify',
        'onFailure',
        'onWaveFailure',
        'router',
        'service',
        'traffic',
        'verify',
        'version',
        'versionFrom',
        'waves',
        'window',
      ].sort(),
    );
    assert.ok(schema.required.includes('service'));
    assert.ok(JSON.stringify(schema).includes('strictly increasing'));
  });
});

describe('durations', () => {
  it('parses units and rejects bare numbers', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('24h'), 86_400_000);
    assert.throws(() => parseDuration('5'), /with a unit/);
    assert.equal(formatDuration(3_723_000), '1h 2m');
  });
});

describe('router: what moves the traffic', () => {
  const listener =
    'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2';
  const tg = (c: string) =>
    `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-${c}/73e2d6bc24d8a067`;
  const alb = { provider: 'alb', listenerArn: listener, targetGroups: { blue: tg('blue'), green: tg('green') } };

  it('takes an HAProxy backend or an ALB listener instead of dns', () => {
    assert.deepEqual(problems({ ...noDns, router: haproxy }), []);
    assert.deepEqual(problems({ ...noDns, router: alb }), []);
    assert.equal(parseSpec({ ...noDns, router: haproxy }).router?.provider, 'haproxy');
  });

  it('needs exactly one of dns and router, and names both', () => {
    assert.match(
      problems({ ...minimal, router: haproxy }).join(),
      /router: give exactly one of dns .* or router .*not both/,
    );
    assert.match(problems(noDns).join(), /dns: give exactly one of dns .* or router .*neither is given/);
  });

  it('names the field of a malformed router', () => {
    const bad = (router: object) => problems({ ...noDns, router }).join('\n');
    assert.match(bad({ ...haproxy, runtimeApi: 'localhost' }), /router.runtimeApi: host:port .* or unix:/);
    assert.match(
      bad({ ...haproxy, servers: { blue: 'x', green: 'x' } }),
      /router.servers: blue and green need different servers/,
    );
    assert.match(bad({ ...haproxy, backend: 'shop; disable server' }), /router.backend: an HAProxy name/);
    assert.match(
      bad({ ...alb, listenerArn: 'arn:aws:ec2:us-east-1:1:instance/i-1' }),
      /router.listenerArn: not an ALB listener ARN/,
    );
    assert.match(
      bad({ ...alb, targetGroups: { blue: 'shop-blue', green: tg('green') } }),
      /router.targetGroups.blue: not a target group ARN/,
    );
    assert.match(bad({ ...haproxy, provider: 'nginx' }), /router.provider/);
  });
});
