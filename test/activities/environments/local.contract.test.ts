// The local provider passes the environment contract with real processes on free ports.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { createEnvironmentProvider } from '../../../activities/environments';
import { parseSpec } from '../../../client/spec-file';
import { freePort } from '../../support/processes';
import { environmentContract } from './contract';

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-local-contract-'));
const serve = "require('http').createServer((q, s) => s.end(process.env.BLUEGREEN_VERSION)).listen(process.env.PORT)";

describe('local provider contract', () => {
  environmentContract({
    locateKnowsRunning: true,
    async fresh(options = {}) {
      const tag = Math.random().toString(36).slice(2, 10);
      const environment = parseSpec({
        service: 'svc',
        version: '1.0.0',
        environment: {
          provider: 'local',
          command: ['node', '-e', options.slowStart ? `setTimeout(() => { ${serve} }, 60000)` : serve],
          ports: { blue: await freePort(), green: await freePort() },
          stopGracePeriod: '2s',
          env: { CONTRACT_TAG: tag },
        },
        dns: {
          provider: 'route53',
          hostedZoneId: 'Z',
          recordName: 'svc.example.com',
          targets: { blue: 'b', green: 'g' },
        },
      }).environment;
      const provider = createEnvironmentProvider(environment, { stateDir, specDir: stateDir });
      return { provider, tag, instance: { service: `svc-${tag}`, color: 'green', version: '1.0.0' } };
    },
  });
});
