// The demo: the local stack, the demo app at v1, a healthy v2 released step by step with the
// live view, then a broken v3 that analysis rolls back on its own; then, when HAProxy is
// installed, the same app released through the front door under a steady stream of requests. Stays up for exploring until
// Ctrl-C; with CI=true (or --ci) it stops and exits 0 only if both outcomes were as expected.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { banner, devFlags, devOptions, quietWorkerLogs, untilStopped } from '../client/commands/dev';
import { followRelease } from '../client/commands/release';
import { startLocalStack, projectRoot, type LocalStack } from '../client/local-stack';
import { BlueGreenClient } from '../client/library/client';
import { pointPrometheusMetricsAt } from '../client/prometheus';
import { bold } from '../client/render';
import { loadSpecFile } from '../client/spec-file';
import type { Outcome } from '../workflows/messages';
import { frontDoorDemo, type FrontDoorRun } from './demo-front-door';
const steps: { spec: string; expect: Outcome; title: string }[] = [
  { spec: 'examples/shop.yaml', expect: 'completed', title: 'v1: the first release puts the demo app live on blue' },
  {
    spec: 'examples/shop-v2.yaml',
    expect: 'completed',
    title: 'v2: a healthy release, shifted 10 → 50 → 100 % onto green',
  },
  {
    spec: 'examples/shop-v3-broken.yaml',
    expect: 'rolled-back',
    title: 'v3: a broken release (50% errors) that analysis rolls back',
  },
];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { ...devFlags, ci: { type: 'boolean' } }, strict: true });
  const ci = Boolean(values.ci) || process.env.CI === 'true';
  const { ci: _ci, ...ports } = values;
  const o = devOptions({ ...ports, 'state-dir': values['state-dir'] ?? path.join(projectRoot, '.bluegreen', 'demo') });
  // A demo starts from nothing: no earlier releases, records or app processes.
  rmSync(o.stateDir, { recursive: true, force: true });
  quietWorkerLogs();
  // Ctrl-C at any point (servers starting, a release running) stops everything the demo started.
  const stopped = untilStopped();
  const stack: LocalStack = await startLocalStack({ ...o, zones: ['example.com'], log: (l) => console.log(l) });
  console.log(
    stack.prometheusUrl
      ? `v2 and v3 are judged by a Prometheus error-ratio query (${stack.prometheusUrl}) and the built-in HTTP probe.`
      : `${stack.prometheusMissing}: v2 and v3 fall back to the built-in HTTP probe alone.`,
  );
  let exploring = false;
  void stopped.then(async (sig) => {
    if (exploring) return; // the normal end below stops the stack
    console.log(`\n${sig}: stopping the demo ...`);
    await stack.stop();
    process.exit(130);
  });
  const outcomes: { version: string; outcome: Outcome | undefined; expect: Outcome; link: string; reason: string }[] =
    [];
  try {
    for (const step of steps) {
      console.log(`\n${bold(`== ${step.title}`)}\n`);
      const loaded = loadSpecFile(path.join(projectRoot, step.spec));
      pointPrometheusMetricsAt(loaded.spec, stack.prometheusUrl);
      const release = await new BlueGreenClient(stack.temporal).start(loaded);
      const status = await followRelease(stack.temporal, release.id, false);
      outcomes.push({
        version: loaded.spec.version ?? '?',
        outcome: status.result?.outcome,
        expect: step.expect,
        reason: status.result?.reason ?? '',
        link: `${stack.uiUrl}/namespaces/default/workflows/${encodeURIComponent(release.id)}/${release.runId}/history`,
      });
    }
    let frontDoor: FrontDoorRun[] = [];
    if (stack.frontDoor) {
      console.log(`\n${bold('== The same app through the HAProxy front door, under a steady request stream')}\n`);
      frontDoor = await frontDoorDemo(stack, (l) => console.log(l));
    } else console.log(`\n${stack.frontDoorMissing}: the front door part is left out.`);
    const live = await fetch('http://127.0.0.1:18082/')
      .then((r) => r.text())
      .catch((e: Error) => `(no answer: ${e.message})`);
    console.log(`\n${bold('== Summary')}`);
    for (const r of outcomes) {
      const ok = r.outcome === r.expect ? 'as expected' : `EXPECTED ${r.expect}`;
      console.log(`  shop ${r.version.padEnd(6)} ${String(r.outcome).padEnd(12)} ${ok}: ${r.reason}\n    ${r.link}`);
    }
    console.log(`  live now: green answers ${live.trim()}`);
    for (const r of frontDoor) {
      const ok = r.outcome === r.expect && r.failed === 0 ? 'as expected' : `EXPECTED ${r.expect}, no failed request`;
      const stream = r.sent ? `; ${r.sent} requests sent, ${r.failed} failed` : '';
      console.log(`  front door shop ${r.version.padEnd(6)} ${String(r.outcome).padEnd(12)} ${ok}${stream}`);
    }
    const passed =
      outcomes.every((r) => r.outcome === r.expect) && frontDoor.every((r) => r.outcome === r.expect && r.failed === 0);
    if (ci) {
      console.log(passed ? '\ndemo: both outcomes as expected' : '\ndemo: an outcome was not as expected');
      return passed ? 0 : 1;
    }
    console.log(banner(stack, o));
    console.log('Explore the releases in the Web UI, or try `npx bluegreen list`. Ctrl-C stops the demo.');
    exploring = true;
    await stopped;
    return passed ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
