// One analysis round, now, in this process (no Temporal server, no release): what `bluegreen
// analyze` prints, for scripts that check their metric queries before a release depends on them.
// The providers (and the AWS SDK, for CloudWatch) load only when a round runs.
import { parseDuration } from '../../workflows/duration';
import { prometheusDuration, type Measurement, type TemplateVars } from '../../workflows/metrics';
import { colors, type Color, type ReleaseSpec } from '../../workflows/spec';
import { resolveSpec, type SpecSource } from './spec';
import { InvalidArgumentError } from './errors';
import { trafficTarget } from '../../workflows/target';

export type { Measurement };

export interface AnalyzeOptions {
  /** The color to judge; default green. Offline, the idle color is unknown: give the one your new version runs on. */
  color?: Color;
  /** For a spec object: the folder relative paths resolve against. */
  specDir?: string;
}

export interface AnalysisReport {
  color: Color;
  /** The color's base URL the probe and the `{{...}}` templates used. */
  endpoint: string;
  /** The built-in probe's readings (unless traffic.analysis.probe is false), then each metric's. */
  measurements: Measurement[];
  /** Every measurement passed (the CLI exits 0; otherwise 3). */
  passed: boolean;
}

export function endpointOf(spec: ReleaseSpec, color: Color): string {
  const env = spec.environment;
  return env.provider === 'local' ? `http://127.0.0.1:${env.ports[color]}` : env.endpoint.replaceAll('{color}', color);
}

export function dryRunVars(spec: ReleaseSpec, color: Color): TemplateVars {
  return {
    service: spec.service,
    version: spec.version ?? '',
    color,
    liveColor: '',
    record: trafficTarget(spec).name,
    step: '1',
    percent: String(spec.traffic.steps[0]),
    every: prometheusDuration(parseDuration(spec.traffic.analysis.every)),
  };
}

/** Reads every metric of the spec once, as the worker would at the first step, and judges each. */
export async function analyze(source: SpecSource, options: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const color = options.color ?? 'green';
  if (!colors.includes(color)) throw new InvalidArgumentError(`color must be blue or green, got "${String(color)}"`);
  const loaded = await resolveSpec(source, options.specDir);
  const { spec } = loaded;
  const analysis = spec.traffic.analysis;
  if (!analysis.probe && analysis.metrics.length === 0)
    throw new InvalidArgumentError(
      `${typeof source === 'string' ? source : loaded.file}: nothing to analyze: traffic.analysis.probe is false and traffic.analysis.metrics is empty`,
    );
  const endpoint = endpointOf(spec, color);
  const { analyzeRound } = await import('../../activities/analysis');
  const measurements = await analyzeRound({
    analysis,
    endpoint,
    vars: dryRunVars(spec, color),
    specDir: loaded.specDir,
  });
  return { color, endpoint, measurements, passed: measurements.every((m) => m.verdict === 'passed') };
}
