// Builds analysis requests the way the workflow does: from a parsed spec (defaults applied).
import { parseSpec } from '../../client/spec-file';
import type { AnalysisRequest, TemplateVars } from '../../workflows/metrics';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export function analysisRequest(
  analysis: Record<string, unknown>,
  vars: Partial<TemplateVars> = {},
  endpoint = 'http://127.0.0.1:9',
): AnalysisRequest {
  const spec = parseSpec({
    service: 'shop',
    version: '2.0.0',
    environment: {
      provider: 'command',
      endpoint: 'https://{color}.shop.internal',
      provision: ['true'],
      decommission: ['true'],
    },
    dns: { provider: 'route53', hostedZoneId: 'Z', recordName: 'shop.example.com', targets: { blue: 'b', green: 'g' } },
    traffic: { analysis: { probe: false, ...analysis } },
  });
  return {
    analysis: spec.traffic.analysis,
    endpoint,
    vars: {
      service: 'shop',
      version: '2.0.0',
      color: 'green',
      liveColor: 'blue',
      record: 'shop.example.com',
      step: '1',
      percent: '10',
      every: '30s',
      ...vars,
    },
  };
}

/** A CloudWatch client on moto, for arranging metrics and alarms. */
export function motoCloudWatch(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
}
