// Verbs that read a spec and need no server: validate, plan, schema. This module must not load
// the Temporal client, so these answer in a fraction of a second.
import { parse, printHelp } from '../args';
import { EXIT } from '../errors';
import { loadSpecFile } from '../spec-file';
import { formatDuration, parseDuration } from '../../workflows/duration';
import type { WavePlan } from '../../workflows/wave-messages';
import { effectiveStepWaitMs, planRelease } from '../../workflows/plan';
import { describeRange } from '../../workflows/metrics';
import { metricProviderNames, releaseJsonSchema } from '../../workflows/spec';
import { versionLabel } from '../../workflows/plan';
import { trafficTarget } from '../../workflows/target';
import { describeWindow } from '../../workflows/window';
import { healthCheckConfig } from '../../workflows/routing/route53-health-checks';

export const validateHelp = `Usage: bluegreen validate <spec>

Checks a release spec (YAML or JSON) against the schema and prints every problem with its
path, e.g. "traffic.steps[1]: must be greater than the step before it (50)". Touches nothing.
Exit 0 when valid, 2 when not.`;

export const planHelp = `Usage: bluegreen plan <spec> [--json]

Prints the release timeline without touching anything: each step with its weights and wait
(after raising it to the DNS TTL), approval gates, the warm period and the minimum total
duration. Shown as if blue is live and green is new; the real colors are found at start.
For a spec with \`waves\`: when each wave starts, when each target reaches 100%, the final warm
period and the minimum total duration.`;

export const schemaHelp = `Usage: bluegreen schema

Prints the JSON Schema of a release spec (generated from the same zod schema that validates
specs). Point your editor at it, e.g. the first line of a YAML spec:
  # yaml-language-server: $schema=./bluegreen.schema.json`;

export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('validate', argv, {}, ['spec']);
  if (values.help) return printHelp(validateHelp);
  const loaded = loadSpecFile(positionals[0]);
  if (loaded.waves) {
    const w = loaded.waves;
    const targets = w.waves.reduce((n, x) => n + x.targets.length, 0);
    console.log(
      `${positionals[0]}: valid wave release spec for ${w.service} ${w.version}: ${targets} targets in ${w.waves.length} waves (${w.waves.map((x) => `${x.name}: ${x.targets.map((t) => `${t.name} → ${trafficTarget(t.spec).name}`).join(', ')}`).join('; ')})`,
    );
    return EXIT.completed;
  }
  console.log(
    `${positionals[0]}: valid release spec for ${loaded.spec.service} ${versionLabel(loaded.spec)} on ${trafficTarget(loaded.spec).name}`,
  );
  return EXIT.completed;
}

export async function planCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('plan', argv, { json: { type: 'boolean' } }, ['spec']);
  if (values.help) return printHelp(planHelp);
  const loaded = loadSpecFile(positionals[0]);
  if (loaded.waves) return printWavePlan(loaded.waves, Boolean(values.json));
  const { spec } = loaded;
  const plan = planRelease(spec, 'green', false);
  if (values.json) {
    console.log(JSON.stringify(plan, null, 2));
    return EXIT.completed;
  }
  const wait = effectiveStepWaitMs(spec);
  console.log(
    `${spec.service} ${versionLabel(spec)} → ${trafficTarget(spec).name} (${spec.environment.provider} environment, ${spec.dns ? `TTL ${spec.dns.ttl}s` : `${spec.router?.provider} router`})`,
  );
  if (spec.window)
    console.log(`  weights change only inside the window ${describeWindow(spec.window)}; outside it the release waits`);
  console.log(
    `  provision green with ${versionLabel(spec)}, then health-check ${spec.verify.http.path} (up to ${spec.verify.http.attempts} attempts, every ${spec.verify.http.interval})`,
  );
  if (spec.verify.command)
    console.log(
      `  then smoke-test it: ${spec.verify.command.run.join(' ')} (exit 0 passes; times out after ${spec.verify.command.timeout}; a failure rolls back before any traffic)`,
    );
  if (spec.dns?.healthCheck) {
    const check = healthCheckConfig(spec.dns, 'green');
    console.log(
      `  then create a Route 53 health check on green (${check.Type} ${check.FullyQualifiedDomainName ?? check.IPAddress}:${check.Port}${check.ResourcePath ?? ''}, every ${check.RequestInterval}s, ${check.FailureThreshold} failures), attached by the first shift; blue keeps the check its record carries (the release's plan event names its id)`,
    );
  }
  if (plan.gates.beforeTraffic)
    console.log(
      `  gate: wait for approve before any traffic (times out after ${spec.approval.timeout}: ${spec.approval.onTimeout})`,
    );
  let elapsed = 0;
  for (const s of plan.steps) {
    const last = s.index === plan.steps.length;
    console.log(
      `  t+${formatDuration(elapsed).padEnd(7)} step ${s.index}/${plan.steps.length}: blue ${String(s.weights.blue).padStart(3)}% / green ${String(s.weights.green).padStart(3)}%${last ? '' : `, hold ${formatDuration(s.waitMs)}`}`,
    );
    if (!last) elapsed += s.waitMs;
  }
  if (wait.note) console.log(`  (step wait ${wait.note})`);
  const analysis = spec.traffic.analysis;
  if (analysis.probe)
    console.log(
      `  analysis every ${analysis.every} during every hold: ${analysis.requests} requests to ${analysis.path}, errors <= ${analysis.maxErrorRate * 100}%, p95 <= ${analysis.maxLatencyMs}ms`,
    );
  else if (analysis.metrics.length)
    console.log(`  analysis every ${analysis.every} during every hold (no HTTP probe):`);
  for (const m of analysis.metrics) {
    const provider = metricProviderNames.find((p) => m[p] !== undefined);
    console.log(
      `    ${m.name} (${provider}): ${provider === 'cloudwatchAlarms' ? 'no alarm in ALARM' : describeRange(m)}`,
    );
  }
  if (analysis.metrics.length)
    console.log(
      `    rollback on failed measurement ${analysis.failureLimit + 1} of a metric; ${analysis.onInconclusive} on inconclusive measurement ${analysis.inconclusiveLimit + 1}`,
    );
  console.log(`  t+${formatDuration(elapsed).padEnd(7)} keep blue warm ${formatDuration(plan.bakeMs)}`);
  if (plan.gates.beforeDecommission)
    console.log(
      `  gate: wait for approve before decommissioning blue (times out after ${spec.approval.timeout}: ${spec.approval.onTimeout})`,
    );
  console.log(
    `  t+${formatDuration(elapsed + plan.bakeMs).padEnd(7)} decommission blue${spec.dns?.healthCheck ? " (its record's health check is detached and deleted first)" : ''}`,
  );
  console.log(
    `minimum total duration: ${formatDuration(plan.minimumTotalMs)} (plus provisioning, verify, approvals and DNS sync)`,
  );
  return EXIT.completed;
}

/**
 * The wave timeline: each wave starts once every target of the one before serves 100% (plus its
 * wait and approval); the old colors go after the last wave and decommission.delay.
 */
function printWavePlan(plan: WavePlan, json: boolean): number {
  let elapsed = 0;
  const rows = plan.waves.map((wave, i) => {
    const waitMs = i > 0 && wave.wait ? parseDuration(wave.wait) : 0;
    const startsAt = elapsed + waitMs;
    // A target reaches 100% after its step holds (the last step does not hold).
    const targets = wave.targets.map((t) => {
      const p = planRelease(t.spec, 'green', false);
      const toFull = p.steps.slice(0, -1).reduce((n, s) => n + s.waitMs, 0);
      return { name: t.name, target: trafficTarget(t.spec).name, toFullMs: toFull };
    });
    const longest = Math.max(...targets.map((t) => t.toFullMs));
    elapsed = startsAt + longest;
    return { name: wave.name, approval: wave.approval, waitMs, startsAtMs: startsAt, targets, doneAtMs: elapsed };
  });
  const finalMs = parseDuration(plan.finalDelay);
  const minimumTotalMs = elapsed + finalMs;
  if (json) {
    console.log(JSON.stringify({ ...plan, waves: rows, finalDelayMs: finalMs, minimumTotalMs }, null, 2));
    return EXIT.completed;
  }
  const count = plan.waves.reduce((n, w) => n + w.targets.length, 0);
  console.log(
    `${plan.service} ${plan.version} in ${plan.waves.length} waves, ${count} targets (onWaveFailure: ${plan.onWaveFailure})`,
  );
  for (const r of rows) {
    if (r.waitMs) console.log(`  (the wave before bakes ${formatDuration(r.waitMs)}, its old colors warm)`);
    if (r.approval)
      console.log(
        `  gate: wait for approve before wave ${r.name} (times out after ${plan.approvalTimeout}: ${plan.approvalOnTimeout})`,
      );
    console.log(
      `  t+${formatDuration(r.startsAtMs).padEnd(7)} wave ${r.name}: ${r.targets.map((t) => t.name).join(', ')}${r.targets.length > 1 ? ' at the same time' : ''}`,
    );
    for (const t of r.targets)
      console.log(
        `      ${t.name.padEnd(16)} ${t.target}: 100% after ${formatDuration(t.toFullMs)}, then holds its old color warm`,
      );
  }
  console.log(
    `  t+${formatDuration(elapsed).padEnd(7)} every target at 100%; keep every old color warm ${formatDuration(finalMs)}`,
  );
  console.log(`  t+${formatDuration(minimumTotalMs).padEnd(7)} decommission every old color`);
  console.log(
    `minimum total duration: ${formatDuration(minimumTotalMs)} (plus provisioning, verify, approvals and DNS sync); a failure anywhere ${plan.onWaveFailure === 'halt' ? 'rolls back its wave, finishes earlier ones and starts no later one' : 'rolls every target back to its old color'}`,
  );
  return EXIT.completed;
}

export async function schemaCommand(argv: string[]): Promise<number> {
  const { values } = parse('schema', argv, {}, []);
  if (values.help) return printHelp(schemaHelp);
  console.log(JSON.stringify(releaseJsonSchema(), null, 2));
  return EXIT.completed;
}
