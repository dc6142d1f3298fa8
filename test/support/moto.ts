// moto's server mode speaks the Route 53 API over HTTP. Each test file gets its own instance.
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { binaries } from './binaries';
import { httpOk, onFreePort, startProcess, waitFor, type Started } from './processes';

export interface Moto {
  endpoint: string;
  port: number;
  client: (endpoint?: string) => Route53Client;
  createZone: (name: string) => Promise<string>;
  weights: (zoneId: string, recordName: string) => Promise<Record<string, number>>;
  stop: () => Promise<void>;
  process: Started;
}

// moto accepts any credentials; the SDK needs some to sign requests.
export const fakeAwsEnv = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
Object.assign(process.env, fakeAwsEnv, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

export async function startMoto(): Promise<Moto> {
  return onFreePort(startMotoOn);
}

async function startMotoOn(port: number): Promise<Moto> {
  const started = startProcess(binaries.moto(), ['-H', '127.0.0.1', '-p', String(port)]);
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor('moto_server', () => httpOk(`${endpoint}/moto-api/`), 30_000, started);
  } catch (err) {
    await started.stop();
    throw err;
  }
  const client = (ep = endpoint) =>
    new Route53Client({
      endpoint: ep,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
  return {
    endpoint,
    port,
    client,
    process: started,
    async createZone(name) {
      const out = await client().send(
        new CreateHostedZoneCommand({ Name: name, CallerReference: `${name}-${Date.now()}-${Math.random()}` }),
      );
      return out.HostedZone!.Id!.replace('/hostedzone/', '');
    },
    async weights(zoneId, recordName) {
      // From the record's own name: a zone of a large fleet holds more than one page.
      const out = await client().send(
        new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: recordName, MaxItems: 10 }),
      );
      const found: Record<string, number> = {};
      for (const rr of out.ResourceRecordSets ?? []) {
        if (rr.Name === `${recordName}.` && rr.SetIdentifier) found[rr.SetIdentifier] = rr.Weight ?? 0;
      }
      return found;
    },
    stop: started.stop,
  };
}
