// The Slack sink passes the sink contract; its incoming-webhook URL is the secret.
import { describe } from 'node:test';
import { createSink } from '../../../activities/notify';
import { sinkContract } from './contract';

describe('slack sink contract', () => {
  sinkContract({
    make: (url, index) => {
      // Each sink its own variable: the URL (the secret) differs per test.
      const name = `BG_CONTRACT_SLACK_URL_${index}`;
      process.env[name] = url;
      return { sink: createSink({ slack: { webhookUrl: `\${env:${name}}` } }, index), secret: url };
    },
    missing: (_url, index) => createSink({ slack: { webhookUrl: '${env:BG_CONTRACT_UNSET}' } }, index),
  });
});
