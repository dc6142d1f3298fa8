// ELBv2 clients, one per region: a listener lives in one region and its ARN says which.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AlbRouterSpec } from '../../../contract/router-spec';

/** The region the spec asks for, else the one in the listener's ARN (arn:aws:elasticloadbalancing:REGION:…). */
export function albRegion(spec: Pick<AlbRouterSpec, 'listenerArn' | 'region'>): string {
  return spec.region ?? spec.listenerArn.split(':')[3];
}

export function createElbv2Client(region: string): ElasticLoadBalancingV2Client {
  // Credentials and endpoint come from the standard chain; AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2
  // (or AWS_ENDPOINT_URL) points it at an emulator. ALB calls are not budgeted like Route 53's, so
  // the SDK's own retries of throttling stay on, and Temporal retries what they give up on.
  return new ElasticLoadBalancingV2Client({ region, maxAttempts: 3 });
}

const shared = new Map<string, ElasticLoadBalancingV2Client>();

/** The worker's client for a region, made on first use. */
export function sharedElbv2Client(region: string): ElasticLoadBalancingV2Client {
  let client = shared.get(region);
  if (!client) shared.set(region, (client = createElbv2Client(region)));
  return client;
}
