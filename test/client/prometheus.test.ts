// The local stack's Prometheus pieces: finding the binary (and turning it off), the file_sd list
// of the apps releases started, and the demo's fallback to the probe when Prometheus is missing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  findPrometheus,
  localAppTargets,
  pointPrometheusMetricsAt,
  writeTargets,
  PROMETHEUS_INSTALL,
} from '../../client/prometheus';
import { loadSpecFile } from '../../client/spec-file';
import { projectRoot } from '../support/binaries';
import { prometheusBinary } from '../support/prometheus';

describe('local stack: Prometheus', () => {
  it('finds the installed binary; PROMETHEUS_BIN=none turns it off; tests name the install command', () => {
    const saved = process.env.PROMETHEUS_BIN;
    try {
      delete process.env.PROMETHEUS_BIN;
      assert.match(findPrometheus() ?? '', /prometheus$/);
      process.env.PROMETHEUS_BIN = 'none';
      assert.equal(findPrometheus(), undefined);
      assert.throws(() => prometheusBinary(), new RegExp(PROMETHEUS_INSTALL.replace(/[-]/g, '\\-')));
    } finally {
      if (saved === undefined) delete process.env.PROMETHEUS_BIN;
      else process.env.PROMETHEUS_BIN = saved;
    }
  });

  it('lists the apps of the local provider as file_sd targets with service, color and version', () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-sd-'));
    assert.deepEqual(localAppTargets(stateDir), []);
    mkdirSync(path.join(stateDir, 'local'));
    writeFileSync(
      path.join(stateDir, 'local', 'shop-blue.json'),
      JSON.stringify({ service: 'shop', color: 'blue', version: '1.0.0', port: 18081, pid: 1 }),
    );
    writeFileSync(path.join(stateDir, 'local', 'half-written.json'), '{"serv');
    const groups = localAppTargets(stateDir);
    assert.deepEqual(groups, [
      { targets: ['127.0.0.1:18081'], labels: { service: 'shop', color: 'blue', version: '1.0.0' } },
    ]);
    const file = path.join(stateDir, 'targets.json');
    assert.equal(writeTargets(file, groups), true);
    assert.equal(writeTargets(file, groups), false, 'unchanged targets are not rewritten');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), groups);
  });

  it('the demo points its Prometheus metric at the stack, or drops it and keeps the probe', () => {
    const { spec } = loadSpecFile(path.join(projectRoot, 'examples', 'shop-v3-broken.yaml'));
    assert.equal(spec.traffic.analysis.metrics[0].prometheus?.address, 'http://127.0.0.1:9090');
    const copy = structuredClone(spec);
    pointPrometheusMetricsAt(copy, 'http://127.0.0.1:4321');
    assert.equal(copy.traffic.analysis.metrics[0].prometheus?.address, 'http://127.0.0.1:4321');
    pointPrometheusMetricsAt(spec, undefined);
    assert.deepEqual(spec.traffic.analysis.metrics, []);
    assert.equal(spec.traffic.analysis.probe, true);
  });
});
