// The webhook sink passes the sink contract; its secret signs the body and stays in the worker.
import { describe } from 'node:test';
import { createSink } from '../../../activities/notify';
import { sinkContract } from './contract';

const SECRET = 'webhook-contract-secret-81';
process.env.BG_CONTRACT_WEBHOOK_TOKEN = SECRET;

describe('webhook sink contract', () => {
  sinkContract({
    make: (url, index) => ({
      sink: createSink(
        {
          webhook: {
            url,
            secret: '${env:BG_CONTRACT_WEBHOOK_TOKEN}',
            headers: { Authorization: 'Bearer ${env:BG_CONTRACT_WEBHOOK_TOKEN}' },
          },
        },
        index,
      ),
      secret: SECRET,
    }),
    missing: (url, index) => createSink({ webhook: { url, secret: '${env:BG_CONTRACT_UNSET}' } }, index),
  });
});
