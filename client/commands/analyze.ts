// `bluegreen analyze`: one analysis round, now, in this process: no Temporal server, no workflow.
// A dry run for writing queries: it reads every metric exactly as the worker would and prints
// each value against its range. The AWS SDK is loaded only when a CloudWatch metric is read.
import { parse, printHelp } from '../args';
import { CliError, EXIT } from '../errors';
import { loadSpecFile } from '../spec-file';
import { analyze, dryRunVars, endpointOf } from '../library/analyze';
import type { Measurement } from '../../workflows/metrics';
import { colors, type Color } from '../../workflows/spec';

// The round itself is the client library's analyze(); these stay importable from here.
export { dryRunVars, endpointOf };

export const analyzeHelp = `Usage: bluegreen analyze <spec> [--color blue|green] [--json]

Runs one analysis round now, directly in this process (no Temporal server, no release): the
built-in HTTP probe against the color's endpoint (unless traffic.analysis.probe is false) and
every metric in traffic.analysis.metrics, each judged against its min/max. Prints each value,
its range and its verdict: a dry run for writing queries before a release depends on them.

  --color blue|green   the color to judge (default: green). Offline, bluegreen cannot know which
                       color is idle (that is read from Route 53 when a release starts), so give
                       the color your new version runs on.
  --json               print the measurements as JSON

The color's endpoint: http://127.0.0.1:<its port> for the local provider, the \`endpoint\`
template for the command provider. Template variables: {{service}}, {{version}}, {{color}},
{{record}}, {{every}}; {{liveColor}} is empty, {{step}} is 1 and {{percent}} the first step's
percent, as at the first step of a release. \${env:NAME} in headers is read from this shell's
environment (the worker reads its own); CloudWatch uses the standard AWS chain (AWS_REGION,
AWS_PROFILE, AWS_ENDPOINT_URL_CLOUDWATCH, ...).

Exit 0 when every measurement passed, 3 when one failed or was inconclusive, 2 on spec errors.`;

function formatValue(value: number | null): string {
  if (value === null) return '—';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

export function formatMeasurements(measurements: Measurement[]): string[] {
  const width = (pick: (m: Measurement) => string, min: number) =>
    Math.max(min, ...measurements.map((m) => pick(m).length));
  const name = width((m) => m.name, 6);
  const value = width((m) => formatValue(m.value), 5);
  const range = width((m) => m.range, 5);
  const header = `  ${'metric'.padEnd(name)}  ${'value'.padEnd(value)}  ${'range'.padEnd(range)}  ${'verdict'.padEnd(12)}  why`;
  return [
    header,
    ...measurements.map(
      (m) =>
        `  ${m.name.padEnd(name)}  ${formatValue(m.value).padEnd(value)}  ${m.range.padEnd(range)}  ${(m.verdict === 'passed' ? m.verdict : m.verdict.toUpperCase()).padEnd(12)}  ${m.message}`,
    ),
  ];
}

export async function analyzeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('analyze', argv, { color: { type: 'string' }, json: { type: 'boolean' } }, [
    'spec',
  ]);
  if (values.help) return printHelp(analyzeHelp);
  const color = (values.color ?? 'green') as Color;
  if (!colors.includes(color))
    throw new CliError(`--color must be blue or green, got "${String(values.color)}"`, EXIT.invalid);
  const loaded = loadSpecFile(positionals[0]);
  const { spec } = loaded;
  const started = performance.now();
  const { endpoint, measurements } = await analyze(
    { ...loaded, file: positionals[0] }, // problems name the path as the operator typed it
    { color },
  );
  const ms = Math.round(performance.now() - started);
  const failed = measurements.filter((m) => m.verdict === 'failed').length;
  const inconclusive = measurements.filter((m) => m.verdict === 'inconclusive').length;
  if (values.json) {
    console.log(JSON.stringify({ color, endpoint, measurements }, null, 2));
  } else {
    const defaulted = values.color === undefined ? ' (default; --color blue judges the other one)' : '';
    console.log(
      `${spec.service} ${spec.version ?? '(versionFrom)'}: one analysis round of ${color}${defaulted} at ${endpoint}`,
    );
    for (const line of formatMeasurements(measurements)) console.log(line);
    const verdict =
      failed + inconclusive === 0
        ? `all ${measurements.length} passed`
        : [failed && `${failed} failed`, inconclusive && `${inconclusive} inconclusive`].filter(Boolean).join(', ');
    console.log(`${verdict} (${ms} ms)`);
  }
  return failed + inconclusive === 0 ? EXIT.completed : EXIT.rolledBack;
}
