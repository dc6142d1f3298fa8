// Benchmark: history events per hour of a hold. A release keeps its old color warm for 48 hours
// with analysis every 30 s on the time-skipping server (the fake world answers the rounds), and
// every run's history is counted; then the costliest case, a metric inconclusive at every round
// under `onInconclusive: ignore`. Run alone with `node dist/scripts/bench-history.js`; `npm run
// bench` runs it after the other benchmarks.
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Measurement } from '../workflows/metrics';
import { emptyResult, healthyRound, testSpec } from '../test/support/fake-world';
import { eventsPerRun } from '../test/support/history';
import { startTimeSkipping, workflowBundle } from '../test/support/temporal';
import { liveWorld } from '../test/support/time-skipping';

async function eventsPerHour(
  env: Awaited<ReturnType<typeof startTimeSkipping>>,
  hours: number,
  round: () => Measurement[],
) {
  const world = liveWorld();
  world.analysis = round;
  const taskQueue = `bench-history-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities(),
  });
  const spec = testSpec({
    traffic: {
      steps: [100],
      interval: '1m',
      analysis: {
        every: '30s',
        onInconclusive: 'ignore',
        metrics: [{ name: 'error-ratio', web: { url: 'http://metrics.test/q', jsonPath: '$.v' }, max: 0.01 }],
      },
    },
    decommission: { delay: `${hours}h` },
  });
  const runs = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('release', {
      taskQueue,
      workflowId: taskQueue,
      args: [{ spec, specDir: '/tmp' }],
    });
    await handle.result();
    return eventsPerRun(env.client, handle.workflowId);
  });
  const total = runs.reduce((a, b) => a + b, 0);
  return { perHour: total / hours, runs: runs.length, largest: Math.max(...runs), rounds: world.analysisRounds };
}

export async function benchHistory(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await startTimeSkipping();
  try {
    console.log('History events per hour of a hold (a warm period, analysis every 30s, time-skipping server):');
    const passing = await eventsPerHour(env, 48, () => [
      ...healthyRound,
      { ...emptyResult(), value: 0.001, verdict: 'passed' },
    ]);
    console.log(
      `  48h, every round passes: ${passing.perHour.toFixed(1)} events/hour (target ≤ 100; ${passing.rounds} rounds, ${passing.runs} run(s), largest ${passing.largest} events)`,
    );
    const inconclusive = await eventsPerHour(env, 4, () => [...healthyRound, emptyResult()]);
    console.log(
      `  4h, every round inconclusive (onInconclusive: ignore, so each is recorded): ${inconclusive.perHour.toFixed(0)} events/hour (${inconclusive.runs} runs, largest ${inconclusive.largest} events)`,
    );
    console.log(
      '  (the fake answers a window at once and the workflow waits out its time on a timer: about 5 events per 15-minute window that the real activity does not cost)',
    );
  } finally {
    await env.teardown();
  }
}

if (require.main === module) {
  benchHistory().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
