// CloudWatch alarms as a metric: the team's own alarms (on the load balancer, the error budget)
// decide. Any alarm in ALARM fails the measurement; INSUFFICIENT_DATA or an alarm that does not
// exist makes it inconclusive; all OK passes. The value is how many alarms are in ALARM.
import { parseDuration } from '../../contract/duration';
import type { MetricSpec } from '../../contract/spec';
import { cloudWatchClient, describeAwsError, loadCloudWatch, regionOf } from './aws';
import { DEFAULT_QUERY_TIMEOUT_MS, fillTemplate, type MetricProvider } from './provider';

export type CloudWatchAlarmsConfig = NonNullable<MetricSpec['cloudwatchAlarms']>;

const list = (names: string[]) => names.join(', ');

export const cloudWatchAlarmsProvider: MetricProvider<CloudWatchAlarmsConfig> = {
  async read(name, config, ctx) {
    const region = regionOf(config.region);
    if (!region) return { name, value: null, problem: 'no AWS region: set cloudwatchAlarms.region or AWS_REGION' };
    const timeoutMs = config.timeout ? parseDuration(config.timeout) : DEFAULT_QUERY_TIMEOUT_MS;
    const limit = AbortSignal.timeout(timeoutMs);
    // Names may follow the color: "shop-{{color}}-5xx".
    const names = [...new Set(config.names.map((n) => fillTemplate(n, ctx.vars)))];
    const states = new Map<string, string>();
    try {
      const [{ DescribeAlarmsCommand }, client] = await Promise.all([loadCloudWatch(), cloudWatchClient(region)]);
      let NextToken: string | undefined;
      do {
        const out = await client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken,
          }),
          { abortSignal: ctx.signal ? AbortSignal.any([ctx.signal, limit]) : limit },
        );
        for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])])
          if (a.AlarmName) states.set(a.AlarmName, a.StateValue ?? 'UNKNOWN');
        NextToken = out.NextToken;
      } while (NextToken);
    } catch (err) {
      return {
        name,
        value: null,
        problem: `CloudWatch DescribeAlarms in ${region}: ${describeAwsError(err, timeoutMs)}`,
      };
    }
    const inAlarm = names.filter((n) => states.get(n) === 'ALARM');
    const missing = names.filter((n) => !states.has(n));
    const noData = names.filter((n) => states.has(n) && states.get(n) !== 'ALARM' && states.get(n) !== 'OK');
    if (inAlarm.length) {
      return {
        name,
        value: inAlarm.length,
        verdict: 'failed',
        problem: `${inAlarm.length === 1 ? 'alarm' : 'alarms'} ${list(inAlarm)} in ALARM`,
      };
    }
    if (missing.length) {
      return { name, value: null, problem: `no such alarm in ${region}: ${list(missing)}` };
    }
    if (noData.length) {
      return { name, value: null, problem: noData.map((n) => `alarm ${n} is ${states.get(n)}`).join(', ') };
    }
    return {
      name,
      value: 0,
      verdict: 'passed',
      problem: `${names.length === 1 ? 'alarm' : 'all alarms'} OK: ${list(names)}`,
    };
  },
};
