// docker-compose.yml wiring: no Docker engine runs here, so the file is parsed and checked for
// what a broken edit would get wrong: services, pinned images, ports, addresses, dependencies,
// credentials from the environment, and a worker image that really runs `bluegreen worker`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { projectRoot } from './support/binaries';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  volumes?: string[];
  profiles?: string[];
}
const compose = YAML.parse(readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const s = compose.services;
const deps = (svc: Service) => (Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {}));

describe('docker-compose.yml', () => {
  it('has Temporal on PostgreSQL, the Web UI and the worker', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker'])
      assert.ok(s[name], `missing service ${name}`);
    assert.equal(s.temporal.environment!.DB, 'postgres12');
    assert.equal(s.temporal.environment!.POSTGRES_SEEDS, 'postgresql');
  });

  it('pins every image by version', () => {
    for (const [name, svc] of Object.entries(s)) {
      if (!svc.image) continue;
      assert.match(svc.image, /:\d+\.\d+(\.\d+)?$/, `${name} image ${svc.image} is not pinned to a version`);
    }
  });

  it('wires the worker and the UI to the Temporal frontend port it exposes', () => {
    const frontendPort = s.temporal.ports!.map((p) => p.split(':').at(-1))[0];
    assert.equal(frontendPort, '7233');
    assert.equal(s.worker.environment!.TEMPORAL_ADDRESS, `temporal:${frontendPort}`);
    assert.equal(s['temporal-ui'].environment!.TEMPORAL_ADDRESS, `temporal:${frontendPort}`);
    assert.ok(s['temporal-ui'].ports!.some((p) => p.endsWith(':8080')));
  });

  it('orders startup: postgres healthy before temporal, temporal before UI and worker', () => {
    assert.deepEqual(s.temporal.depends_on, { postgresql: { condition: 'service_healthy' } });
    assert.ok(deps(s['temporal-ui']).includes('temporal'));
    assert.ok(deps(s.worker).includes('temporal'));
  });

  it('takes credentials from the environment, never from the file', () => {
    assert.match(s.postgresql.environment!.POSTGRES_PASSWORD, /^\$\{POSTGRES_PASSWORD:\?/);
    assert.equal(s.temporal.environment!.POSTGRES_PWD, s.postgresql.environment!.POSTGRES_PASSWORD);
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) assert.match(s.worker.environment![key], /^\$\{/);
  });

  it('builds the worker from the Dockerfile in the repo, running `bluegreen worker` with persistent state', () => {
    assert.deepEqual(s.worker.build, { context: '.', dockerfile: 'Dockerfile' });
    const dockerfile = readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/bluegreen.js"\]/);
    assert.match(dockerfile, /CMD \["worker"\]/);
    assert.match(dockerfile, /^FROM node:20\.\d+\.\d+/m);
    assert.ok(s.worker.volumes!.some((v) => v.endsWith(`:${s.worker.environment!.BLUEGREEN_STATE_DIR}`)));
    for (const v of [...s.worker.volumes!, ...s.postgresql.volumes!]) {
      const named = v.split(':')[0];
      if (!named.startsWith('.')) assert.ok(named in compose.volumes, `volume ${named} not declared`);
    }
  });
});
