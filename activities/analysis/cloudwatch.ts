// One CloudWatch metric through GetMetricData (a MetricStat query): the latest datapoint of the
// statistic over the period. Dimensions may use template variables ("targetgroup/shop-{{color}}").
import { parseDuration } from '../../contract/duration';
import type { MetricSpec } from '../../contract/spec';
import { cloudWatchClient, describeAwsError, loadCloudWatch, regionOf } from './aws';
import { DEFAULT_QUERY_TIMEOUT_MS, fillTemplate, type MetricProvider } from './provider';

export type CloudWatchConfig = NonNullable<MetricSpec['cloudwatch']>;

/** How many periods back a datapoint may lie: CloudWatch publishes with a delay of minutes. */
const LOOKBACK_PERIODS = 5;

export const cloudWatchProvider: MetricProvider<CloudWatchConfig> = {
  async read(name, config, ctx) {
    const region = regionOf(config.region);
    if (!region) return { name, value: null, problem: 'no AWS region: set cloudwatch.region or AWS_REGION' };
    const timeoutMs = config.timeout ? parseDuration(config.timeout) : DEFAULT_QUERY_TIMEOUT_MS;
    const periodSeconds = Math.max(1, Math.round(parseDuration(config.period) / 1000));
    const dimensions = Object.entries(config.dimensions).map(([Name, value]) => ({
      Name,
      Value: fillTemplate(value, ctx.vars),
    }));
    const end = new Date();
    const start = new Date(end.getTime() - Math.max(LOOKBACK_PERIODS * periodSeconds, 300) * 1000);
    const limit = AbortSignal.timeout(timeoutMs);
    try {
      const [{ GetMetricDataCommand }, client] = await Promise.all([loadCloudWatch(), cloudWatchClient(region)]);
      const out = await client.send(
        new GetMetricDataCommand({
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [
            {
              Id: 'm0',
              ReturnData: true,
              MetricStat: {
                Metric: { Namespace: config.namespace, MetricName: config.metricName, Dimensions: dimensions },
                Period: periodSeconds,
                Stat: config.stat,
              },
            },
          ],
        }),
        { abortSignal: ctx.signal ? AbortSignal.any([ctx.signal, limit]) : limit },
      );
      const result = out.MetricDataResults?.[0];
      const points = (result?.Timestamps ?? []).map((t, i) => ({
        at: new Date(t).getTime(),
        value: result!.Values![i],
      }));
      const what = `${config.namespace} ${config.metricName}${dimensions.length ? ` {${dimensions.map((d) => `${d.Name}=${d.Value}`).join(', ')}}` : ''}`;
      if (points.length === 0) {
        return {
          name,
          value: null,
          problem: `no datapoints for ${what} (${config.stat}) in the last ${Math.round((end.getTime() - start.getTime()) / 60_000)} minutes`,
        };
      }
      const latest = points.reduce((a, b) => (b.at > a.at ? b : a));
      if (!Number.isFinite(latest.value)) return { name, value: null, problem: `${what} is ${latest.value}` };
      return { name, value: latest.value, detail: `${config.stat} at ${new Date(latest.at).toISOString()}` };
    } catch (err) {
      return {
        name,
        value: null,
        problem: `CloudWatch GetMetricData in ${region}: ${describeAwsError(err, timeoutMs)}`,
      };
    }
  },
};
