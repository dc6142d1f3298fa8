// Wave specs: every target's merged spec, its placeholders, and the problems `validate` names
// with the path where they are fixed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { parseAnySpec, SpecError } from '../../client/spec-file';
import { projectRoot } from '../support/binaries';

const region = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  dns: {
    recordName: `${name}.shop.example.com`,
    targets: { blue: `blue.${name}.shop.example.com`, green: `green.${name}.shop.example.com` },
  },
  ...extra,
});

const waveSpec = (): Record<string, unknown> => ({
  service: 'shop',
  version: '2.4.1',
  environment: {
    provider: 'command',
    provision: ['./deploy.sh', '{target}', '{color}'],
    decommission: ['./retire.sh', '{target}'],
    endpoint: 'https://{color}-{target}.shop.internal',
  },
  dns: { provider: 'route53', zoneName: 'shop.example.com', ttl: 60 },
  traffic: {
    steps: [10, 50, 100],
    interval: '5m',
    analysis: { metrics: [{ name: 'errors', max: 0.01, command: { run: ['./errors.sh', '{{target}}'] } }] },
  },
  decommission: { delay: '30m' },
  waves: [
    { name: 'canary', targets: [region('us-east-1')] },
    {
      name: 'rest',
      approval: true,
      wait: '1h',
      targets: [region('eu-west-1', { traffic: { interval: '10m' } }), region('ap-southeast-1')],
    },
  ],
});

function problems(doc: unknown): string[] {
  try {
    parseAnySpec(doc);
  } catch (err) {
    assert.ok(err instanceof SpecError, String(err));
    return err.problems;
  }
  return [];
}

describe('wave spec', () => {
  it('gives every target the defaults with its own overrides and its name filled in', () => {
    const { waves } = parseAnySpec(waveSpec());
    assert.ok(waves);
    assert.equal(waves.onWaveFailure, 'rollback-all');
    assert.equal(waves.finalDelay, '30m');
    assert.deepEqual(
      waves.waves.map((w) => [w.name, w.approval, w.wait, w.targets.map((t) => t.name)]),
      [
        ['canary', false, undefined, ['us-east-1']],
        ['rest', true, '1h', ['eu-west-1', 'ap-southeast-1']],
      ],
    );
    const eu = waves.waves[1].targets[0].spec;
    assert.equal(eu.dns?.recordName, 'eu-west-1.shop.example.com');
    assert.equal(eu.dns?.zoneName, 'shop.example.com');
    assert.equal(eu.dns?.ttl, 60);
    assert.equal(eu.traffic.interval, '10m');
    assert.deepEqual(eu.traffic.steps, [10, 50, 100]);
    assert.equal(waves.waves[1].targets[1].spec.traffic.interval, '5m');
    assert.equal(eu.decommission.delay, '30m');
    assert.ok(eu.environment.provider === 'command');
    assert.deepEqual(eu.environment.provision, ['./deploy.sh', 'eu-west-1', '{color}']);
    assert.equal(eu.environment.endpoint, 'https://{color}-eu-west-1.shop.internal');
    assert.equal(eu.environment.env?.BLUEGREEN_TARGET, 'eu-west-1');
    const metric = eu.traffic.analysis.metrics[0].command!;
    assert.deepEqual(metric.run, ['./errors.sh', 'eu-west-1']);
    assert.equal(metric.env?.BLUEGREEN_TARGET, 'eu-west-1');
  });

  it('takes {target} in a top-level record name', () => {
    const doc = waveSpec();
    doc.dns = {
      provider: 'route53',
      zoneName: 'shop.example.com',
      recordName: '{target}.shop.example.com',
      targets: { blue: 'blue.{target}.shop.example.com', green: 'green.{target}.shop.example.com' },
    };
    doc.waves = [{ name: 'all', targets: [{ name: 'a' }, { name: 'b' }] }];
    const { waves } = parseAnySpec(doc);
    assert.deepEqual(
      waves!.waves[0].targets.map((t) => [t.spec.dns?.recordName, t.spec.dns?.targets.green]),
      [
        ['a.shop.example.com', 'green.a.shop.example.com'],
        ['b.shop.example.com', 'green.b.shop.example.com'],
      ],
    );
  });

  it('names the path of every problem: in the target that must fix it, or at the top level', () => {
    const doc = waveSpec();
    const waves = doc.waves as { targets: Record<string, unknown>[] }[];
    delete (waves[1].targets[0].dns as Record<string, unknown>).recordName;
    waves[1].targets[1] = region('us-east-1');
    waves.push({ targets: [], name: 'empty' } as never);
    const found = problems(doc);
    assert.ok(found.includes('waves[2].targets: a wave needs at least one target'), found.join('\n'));
    const again = problems({ ...doc, waves: waves.slice(0, 2) });
    assert.ok(
      again.some((p) => p.startsWith('waves[1].targets[0].dns.recordName: ')),
      again.join('\n'),
    );
    assert.ok(again.includes('waves[1].targets[1].name: duplicate target name "us-east-1" (also waves[0].targets[0])'));
    assert.ok(
      again.some((p) =>
        /^waves\[1\]\.targets\[1\]\.dns: us-east-1\.shop\.example\.com is also the target of waves\[0\]\.targets\[0\]/.test(
          p,
        ),
      ),
      again.join('\n'),
    );
    // A top-level mistake is reported once, at the top level, not once per target.
    const top = waveSpec();
    (top.traffic as Record<string, unknown>).interval = 'soon';
    assert.equal(problems(top).filter((p) => p.startsWith('traffic.interval: ')).length, 1);
  });

  it('refuses a top-level record, missing ports and onWaveFailure without waves', () => {
    const doc = waveSpec();
    doc.dns = { ...(doc.dns as object), recordName: 'shop.example.com' };
    assert.ok(problems(doc).some((p) => p.startsWith('dns.recordName: with waves every target has its own record')));
    const local = waveSpec();
    local.environment = { provider: 'local', command: ['node', 'app.js'] };
    (local.waves as { targets: Record<string, unknown>[] }[])[0].targets[0].environment = {
      ports: { blue: 8001, green: 8002 },
    };
    const found = problems(local);
    assert.ok(
      found.includes('waves[1].targets[0].environment.ports: required') ||
        found.some((p) => p.startsWith('waves[1].targets[0].environment.ports')),
      found.join('\n'),
    );
    assert.ok(!found.some((p) => p.startsWith('waves[0].targets[0].environment')), found.join('\n'));
    const recurring = waveSpec();
    delete recurring.version;
    recurring.versionFrom = { command: ['./version.sh'] };
    assert.ok(problems(recurring).some((p) => p.startsWith('versionFrom: a wave release releases one fixed version')));
    const typo = waveSpec();
    (typo.waves as { targets: Record<string, unknown>[] }[])[0].targets[0].traffic = { intervall: '1m' };
    assert.ok(problems(typo).some((p) => p.startsWith('waves[0].targets[0].traffic.intervall: unknown key')));
    const plain = { ...waveSpec(), dns: undefined, waves: undefined } as Record<string, unknown>;
    delete plain.waves;
    assert.ok(problems({ ...plain, onWaveFailure: 'halt' }).some((p) => p.startsWith('onWaveFailure: ')));
  });

  it('`bluegreen validate` exits 2 naming the path, and `plan` prints the wave timeline', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'waves-'));
    const bin = path.join(projectRoot, 'bin', 'bluegreen.js');
    const bad = waveSpec();
    delete (bad.waves as { targets: { dns: Record<string, unknown> }[] }[])[1].targets[0].dns.recordName;
    writeFileSync(path.join(dir, 'bad.yaml'), YAML.stringify(bad));
    const r = spawnSync(process.execPath, [bin, 'validate', path.join(dir, 'bad.yaml')], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /waves\[1\]\.targets\[0\]\.dns\.recordName: /);
    writeFileSync(path.join(dir, 'good.yaml'), YAML.stringify(waveSpec()));
    const ok = spawnSync(process.execPath, [bin, 'validate', path.join(dir, 'good.yaml')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /3 targets in 2 waves/);
    const plan = spawnSync(process.execPath, [bin, 'plan', path.join(dir, 'good.yaml')], { encoding: 'utf8' });
    assert.equal(plan.status, 0, plan.stderr);
    // canary: 2 holds of 5m; rest: waits 1h, eu-west-1 holds 2 x 10m; then 30m warm: 2h.
    assert.match(plan.stdout, /t\+0s\s+wave canary: us-east-1/);
    assert.match(plan.stdout, /t\+1h 10m\s+wave rest: eu-west-1, ap-southeast-1 at the same time/);
    assert.match(plan.stdout, /minimum total duration: 2h \(/);
  });
});
