// Builds analysis requests the way the workflow does: from a parsed spec (defaults applied).
import { parseSpec } from '../../client/spec-file';
import type { AnalysisRequest, TemplateVars } from '../../workflows/metrics';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import type { Moto } from './moto';

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

/** A CloudWatch client on moto, for arranging metrics and alarms in the account of `moto`. */
export function motoCloudWatch(moto: Pick<Moto, 'endpoint' | 'credentials'>): CloudWatchClient {
  return new CloudWatchClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: moto.credentials,
    maxAttempts: 1,
  });
}

/**
 * An ALB-style 5xx alarm on moto, set to `state` (moto evaluates nothing itself: tests move the
 * state with SetAlarmState, as a breach would). `null` leaves it as created: INSUFFICIENT_DATA.
 */
export async function putAlarm(cw: CloudWatchClient, name: string, state: StateValue | null = 'OK'): Promise<void> {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  if (state)
    await cw.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'set by a test' }));
}
