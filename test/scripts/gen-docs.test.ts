// The committed spec reference, JSON Schema and CLI reference are what the code generates now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { outputs } from '../../scripts/gen-docs';
import { projectRoot } from '../support/binaries';

describe('generated docs', () => {
  for (const [file, make] of Object.entries(outputs)) {
    it(`${file} is up to date (regenerate with node dist/scripts/gen-docs.js)`, () => {
      assert.equal(readFileSync(path.join(projectRoot, file), 'utf8'), make());
    });
  }
  it('the spec reference documents every field the issue names', () => {
    const ref = readFileSync(path.join(projectRoot, 'docs', 'spec-reference.md'), 'utf8');
    for (const field of [
      'service',
      'version',
      'environment.command',
      'environment.ports',
      'dns.hostedZoneId',
      'dns.zoneName',
      'dns.recordType',
      'dns.ttl',
      'verify.http.attempts',
      'traffic.steps',
      'traffic.interval',
      'traffic.analysis.maxErrorRate',
      'decommission.delay',
      'approval.onTimeout',
    ]) {
      assert.ok(ref.includes(`| \`${field}\``), `missing ${field}`);
    }
  });
});
