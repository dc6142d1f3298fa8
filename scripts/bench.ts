// Benchmarks that print numbers (no pass/fail): CLI start-up per verb, the overhead a release
// adds on top of its planned waits, how fast an abort puts the old color back, and the cost of
// one weight shift through the Route 53 API, and one analysis round with five metrics. Runs on the
// real local servers. Last, history events per hour of a hold (time-skipping server).
//   node dist/scripts/bench.js [--runs 5] [analysis|history|cli]     (runs only that part)
//   node dist/scripts/bench.js downtime [--rate 30]     (see bench-downtime.ts)
//   node dist/scripts/bench.js fleet [--sizes 100,300,1000] [--abort 100,300] [--budget 5] [--cache N] [--activities N] [--workers N] [--threads N]   (see bench-fleet.ts)
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createActivities } from '../activities';
import { setIdentifierFor } from '../workflows/names';
import { testSpec } from '../test/support/fake-world';
import { startStack } from '../test/support/stack';
import { benchAnalysisRound } from './bench-analysis';
import { benchHistory } from './bench-history';
import { benchFleet } from './bench-fleet';
import { benchCli } from './bench-cli';
import { measureDowntime, printDowntime } from './bench-downtime';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'bluegreen.js');

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)];
  return `median ${median.toFixed(0)} ms, min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)} (n=${s.length})`;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      sizes: { type: 'string', default: '100' },
      abort: { type: 'string', default: '100' },
      cache: { type: 'string' },
      activities: { type: 'string' },
      workers: { type: 'string', default: '1' },
      threads: { type: 'string' },
      budget: { type: 'string', default: '5' },
      rate: { type: 'string', default: '30' },
    },
    allowPositionals: true,
  });
  const runs = Number(values.runs);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const parts = ['analysis', 'history', 'fleet', 'cli', 'downtime'];
  const unknown = positionals.filter((p) => !parts.includes(p));
  if (unknown.length) throw new Error(`unknown bench part ${unknown.join(', ')}; parts: ${parts.join(', ')}`);
  if (positionals.includes('fleet')) {
    const list = (v: string) => (v ? v.split(',').map(Number) : []);
    const cache = values.cache ? Number(values.cache) : undefined;
    const activities = values.activities ? Number(values.activities) : undefined;
    const threads = values.threads ? Number(values.threads) : undefined;
    await benchFleet(
      list(values.sizes),
      Number(values.budget),
      list(values.abort),
      cache,
      activities,
      Number(values.workers),
      threads,
    );
    return;
  }
  if (positionals.includes('cli')) {
    await benchCli(runs, stats);
    return;
  }
  if (positionals.includes('downtime')) {
    printDowntime(await measureDowntime({ rate: Number(values.rate), route53: true }));
    return;
  }
  if (positionals.includes('analysis')) {
    await benchAnalysisRound(runs, stats);
    return;
  }
  if (positionals.includes('history')) {
    await benchHistory();
    return;
  }

  console.log('CLI start-up (process start to exit):');
  for (const args of [['--help'], ['validate', 'examples/shop.yaml'], ['plan', 'examples/shop.yaml'], ['schema']]) {
    const samples = Array.from({ length: runs }, () =>
      time(() => execFileSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'ignore' })),
    );
    console.log(`  bluegreen ${args.join(' ').padEnd(28)} ${stats(samples)}`);
  }

  const stack = await startStack();
  try {
    const statusSamples: number[] = [];
    const overhead: number[] = [];
    const abortMs: number[] = [];
    let version = 0;
    const release = async (overrides: Record<string, unknown>) => {
      const file = stack.writeSpec(`bench-${++version}.yaml`, await stack.appSpec(`${version}.0.0`, { overrides }));
      const started = performance.now();
      const r = await stack.cli('start', file, '--watch');
      if (r.code !== 0) throw new Error(`release failed: ${r.stdout}${r.stderr}`);
      return performance.now() - started;
    };
    await release({}); // first release: puts blue live

    // Planned waits: 2 holds of 1s + 1s warm period = 3s; everything else is overhead.
    for (let i = 0; i < runs; i++) {
      const total = await release({
        traffic: { steps: [10, 50, 100], interval: '1s', analysis: { every: '1s' } },
        decommission: { delay: '1s' },
      });
      overhead.push(total - 3000);
      statusSamples.push(
        time(() =>
          execFileSync(process.execPath, [bin, 'status', 'bluegreen-shop.example.com', '--json'], {
            env: stack.env,
            stdio: 'ignore',
          }),
        ),
      );
    }
    console.log('Release (dev server + moto + local processes, 3 steps):');
    console.log(
      `  overhead beyond the 3s of planned waits (provision, verify, 3 shifts, decommission, CLI watch): ${stats(overhead)}`,
    );
    console.log(`  bluegreen status --json against a running server: ${stats(statusSamples)}`);

    for (let i = 0; i < runs; i++) {
      const file = stack.writeSpec(
        `abort-${i}.yaml`,
        await stack.appSpec(`abort-${i}`, { overrides: { traffic: { steps: [10, 50, 100], interval: '1h' } } }),
      );
      const { id } = JSON.parse((await stack.cli('start', file, '--json')).stdout);
      const before = await stack.moto.weights(stack.zoneId, 'shop.example.com');
      const live = before[setIdentifierFor('shop.example.com', 'blue')] === 100 ? 'blue' : 'green';
      // Wait for the first step, then measure abort → old color back at 100 in Route 53.
      for (;;) {
        const w = await stack.moto.weights(stack.zoneId, 'shop.example.com');
        if ((w[setIdentifierFor('shop.example.com', live)] ?? 100) < 100) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const t = performance.now();
      await stack.cli('abort', id, '--reason', 'bench');
      for (;;) {
        const w = await stack.moto.weights(stack.zoneId, 'shop.example.com');
        if (w[setIdentifierFor('shop.example.com', live)] === 100) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      abortMs.push(performance.now() - t);
      await stack.cli('watch', id);
    }
    console.log(`  abort mid-shift until the old color is back at 100% in Route 53: ${stats(abortMs)}`);

    const zoneSpec = { ...testSpec().dns, hostedZoneId: stack.zoneId, recordName: 'bench.example.com' };
    const act = createActivities({
      stateDir: stack.stateDir,
      route53: stack.moto.client(),
      syncPollMs: { initial: 100, max: 1000 },
    });
    const shifts = [];
    for (let i = 0; i < runs * 4; i++)
      shifts.push(
        await (async () => {
          const t = performance.now();
          await act.shiftTraffic(zoneSpec, i % 2 ? { blue: 10, green: 90 } : { blue: 90, green: 10 });
          return performance.now() - t;
        })(),
      );
    console.log(
      `Route 53 shift activity (read, one change batch, GetChange until INSYNC) against moto: ${stats(shifts)}`,
    );
  } finally {
    await stack.stop();
  }
  await benchAnalysisRound(runs, stats);
  await benchHistory();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
