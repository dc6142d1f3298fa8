// Every metric provider of the registry passes the metric provider contract. The record below is
// keyed by every provider the schema allows, so a new provider without a contract entry does not
// compile.
import { describe } from 'node:test';
import type { MetricProviderName } from '../../../workflows/spec';
import { metricProviderContract, type MetricProviderUnderTest } from './contract';

const underTest: { [P in MetricProviderName]: MetricProviderUnderTest } = {
  prometheus: {
    unreachable: (closed) => ({ prometheus: { address: closed, query: 'up', timeout: '1s' } }),
    echoingSecret: (url) => ({
      prometheus: {
        address: url,
        query: 'up',
        headers: { Authorization: 'Bearer ${env:BG_METRIC_SECRET}' },
        timeout: '1s',
      },
    }),
  },
  web: {
    unreachable: (closed) => ({ web: { url: closed, jsonPath: '$.value', timeout: '1s' } }),
    echoingSecret: (url) => ({
      web: { url, jsonPath: '$.value', headers: { 'X-Api-Key': '${env:BG_METRIC_SECRET}' }, timeout: '1s' },
    }),
  },
  command: {
    unreachable: () => ({ command: { run: ['/nonexistent/bluegreen-metric'], timeout: '2s' } }),
    // The command is the source: it fails repeating the token it was handed.
    echoingSecret: () => ({
      command: {
        run: ['sh', '-c', 'echo "invalid key $TOKEN" >&2; exit 3'],
        env: { TOKEN: '${env:BG_METRIC_SECRET}' },
        timeout: '2s',
      },
    }),
  },
  cloudwatch: {
    unreachable: () => ({ cloudwatch: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', timeout: '1s' } }),
  },
  cloudwatchAlarms: {
    unreachable: () => ({ cloudwatchAlarms: { names: ['shop-5xx'], timeout: '1s' } }),
  },
};

describe('metric provider contract', () => {
  // CloudWatch through the worker's standard chain, pointed at a port where nothing listens
  // (port 1 needs root to listen on, and undici is not in this path).
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = 'http://127.0.0.1:1';
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'testing';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  for (const [name, provider] of Object.entries(underTest)) {
    describe(name, () => metricProviderContract(provider));
  }
});
