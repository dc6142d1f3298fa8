// `npm run bench -- fleet`: many releases at once through one worker, against the real dev server
// and moto behind a counting proxy. Prints, per fleet size: wall time against the planned waits,
// Route 53 requests per second (peak in any 1-second window, and mean), calls per release, the
// worker's peak RSS and history events per release. Numbers, not pass/fail.
import { readFileSync } from 'node:fs';
import {
  fleetSpec,
  historyLength,
  resultOf,
  seedRecords,
  startFleet,
  startSharedApp,
  weightsOf,
} from '../test/support/fleet';
import { startStack } from '../test/support/stack';
import { DEFAULT_ROUTE53_BUDGET } from '../worker/run';

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function benchFleet(sizes: number[], budget = DEFAULT_ROUTE53_BUDGET): Promise<void> {
  const timings = { steps: [50, 100], interval: '30s', bake: '30s', analysisEvery: '10s' };
  const plannedS = 60; // one 30 s hold between the steps, then the 30 s warm period
  const [stack, app] = await Promise.all([
    startStack({
      proxy: true,
      noWorker: true,
      env: { BLUEGREEN_ROUTE53_BUDGET: String(budget) },
      dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
    }),
    startSharedApp(),
  ]);
  const rows: string[][] = [];
  try {
    let round = 0;
    for (const n of sizes) {
      round++;
      const specs = Array.from({ length: n }, (_, i) => fleetSpec(i, `${round}.0.0`, app.endpoint, timings));
      await seedRecords(stack, specs);
      // A fresh worker per size, so its peak RSS is this fleet's.
      const worker = await stack.spawnWorker();
      let peakRss = rssMb(worker.child.pid!);
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(worker.child.pid!))), 250);
      stack.proxy!.reset();
      const started = Date.now();
      const handles = await startFleet(stack, specs);
      const results = await Promise.all(handles.map(resultOf));
      const wallS = (Date.now() - started) / 1000;
      clearInterval(sampler);
      let correct = 0;
      for (const [i, r] of results.entries()) {
        const w = await weightsOf(stack, specs[i]);
        if (r.outcome === 'completed' && w.blue === 0 && w.green === 100) correct++;
        else console.error(`  svc-${i}: ${r.outcome}: ${r.reason} (weights ${JSON.stringify(w)})`);
      }
      const log = stack.proxy!.log;
      const calls = log.length;
      const activeS = log.length > 1 ? (log[log.length - 1].at - log[0].at) / 1000 : 1;
      const events = await Promise.all(handles.map((h) => historyLength(stack, h)));
      rows.push([
        String(n),
        `${correct}/${n}`,
        `${wallS.toFixed(0)} s / ${plannedS} s`,
        String(stack.proxy!.maxInWindow(1000)),
        (calls / activeS).toFixed(2),
        (calls / n).toFixed(1),
        `${peakRss.toFixed(0)} MB`,
        (events.reduce((a, b) => a + b, 0) / n).toFixed(0),
      ]);
      await worker.stop();
      console.error(
        `fleet of ${n}: done in ${wallS.toFixed(0)} s; Route 53 requests ${JSON.stringify(stack.proxy!.hits)}`,
      );
    }
  } finally {
    await stack.stop();
    await app.close();
  }
  const header = [
    'releases',
    'correct',
    'wall / planned waits',
    'R53 peak req/s',
    'R53 mean req/s',
    'calls/release',
    'worker peak RSS',
    'history events/release',
  ];
  console.log(`Fleet (command provider, one shared app, one worker, Route 53 budget ${budget} req/s):`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}
