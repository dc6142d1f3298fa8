// moto's server mode speaks the Route 53 API over HTTP (and CloudWatch, ELBv2, EC2, IAM). A test
// stack gets an AWS account of its own on the run's shared moto (scripts/test.sh), or a moto of its
// own when there is none; activity tests that read the process's credentials start their own.
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { binaries } from './binaries';
import { httpOk, onFreePort, startProcess, waitFor, type Started } from './processes';

export interface Moto {
  endpoint: string;
  port: number;
  client: (endpoint?: string) => Route53Client;
  createZone: (name: string) => Promise<string>;
  weights: (zoneId: string, recordName: string) => Promise<Record<string, number>>;
  /** The account this handle's credentials act in: its zones, listeners and alarms are its own. */
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The same credentials as environment variables, for the worker and CLI of a stack. */
  awsEnv: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
  stop: () => Promise<void>;
  /** moto's process, when this handle started it; undefined for an account on the shared one. */
  process?: Started;
}

/** The endpoint of the moto that scripts/test.sh starts once for the whole run. */
export const SHARED_MOTO_ENV = 'BLUEGREEN_TEST_MOTO_ENDPOINT';
/** moto's account when a request's access key is not one it issued. */
const DEFAULT_ACCOUNT = '123456789012';

// moto accepts any credentials; the SDK needs some to sign requests.
export const fakeAwsEnv = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
Object.assign(process.env, fakeAwsEnv, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

/** A moto of this process's own, in its default account (the credentials of `fakeAwsEnv`). */
export async function startMoto(): Promise<Moto> {
  return onFreePort(startMotoOn);
}

let accounts = 0;
/**
 * A fresh AWS account on the run's shared moto, or a moto of its own when there is none (a file
 * run directly with `node --test`). moto keeps every service's state per account and picks the
 * account from the access key a request is signed with: the account's own key, made here through
 * moto's IAM, isolates what stacks would share by name (the example.com zone, listeners, alarms)
 * at no cost, where a moto process per stack cost about 0.8 CPU-s to start.
 */
export async function motoAccount(): Promise<Moto> {
  const endpoint = process.env[SHARED_MOTO_ENV];
  if (!endpoint) return startMoto();
  // Twelve digits, unique across the run's processes.
  const accountId = String(100_000_000_000 + process.pid * 10_000 + ++accounts);
  const iam = (params: Record<string, string>) =>
    motoQuery(endpoint, 'iam', { ...params, Version: '2010-05-08' }, { account: accountId });
  await iam({ Action: 'CreateUser', UserName: 'bluegreen-test' });
  const key = await iam({ Action: 'CreateAccessKey', UserName: 'bluegreen-test' });
  return motoHandle(endpoint, Number(new URL(endpoint).port), accountId, {
    accessKeyId: xmlField(key, 'AccessKeyId'),
    secretAccessKey: xmlField(key, 'SecretAccessKey'),
  });
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
  return {
    ...motoHandle(endpoint, port, DEFAULT_ACCOUNT, {
      accessKeyId: fakeAwsEnv.AWS_ACCESS_KEY_ID,
      secretAccessKey: fakeAwsEnv.AWS_SECRET_ACCESS_KEY,
    }),
    process: started,
    stop: started.stop,
  };
}

function motoHandle(endpoint: string, port: number, accountId: string, credentials: Moto['credentials']): Moto {
  const client = (ep = endpoint) =>
    new Route53Client({ endpoint: ep, region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    endpoint,
    port,
    accountId,
    credentials,
    awsEnv: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    client,
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
    // The shared moto outlives the stack: what the account holds is dropped with the run.
    stop: async () => {},
  };
}

/**
 * A request in AWS's query protocol (IAM, EC2) to moto, for what the tests arrange and no SDK
 * client here speaks. moto takes the service from the signature's credential scope and the
 * account from its access key, or from `account` (moto's own header) before any key exists.
 */
export async function motoQuery(
  endpoint: string,
  service: string,
  params: Record<string, string>,
  as: { accessKeyId?: string; account?: string },
): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${as.accessKeyId ?? 'bluegreen-test'}/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      ...(as.account ? { 'x-moto-account-id': as.account } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto ${service} ${params.Action}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

/** The text of `<field>` in moto's XML answer. */
export function xmlField(xml: string, field: string): string {
  const found = new RegExp(`<${field}>([^<]+)</${field}>`).exec(xml)?.[1];
  if (!found) throw new Error(`no ${field} in moto's answer: ${xml.slice(0, 300)}`);
  return found;
}
