// `npm run bench -- fleet`: many releases at once through one worker (or --workers N), against the real dev server
// and moto behind a counting proxy. Prints, per fleet size: wall time against the planned waits,
// Route 53 requests per release, the peak in any 1-second window, the worker's peak RSS and
// history events per release; then how long an abort takes to put the old color back in Route 53
// while a fleet runs. Numbers, not pass/fail.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { loadavg } from 'node:os';
import path from 'node:path';
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
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ReleaseStatus } from '../workflows/messages';
import { DEFAULT_ROUTE53_BUDGET } from '../worker/run';

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** A worker that dies mid-fleet leaves the bench waiting for results forever: say so, with its last words. */
function reportDeath(worker: { child: import('node:child_process').ChildProcess; output: () => string }): void {
  worker.child.once('exit', (code, signal) => {
    if (code === 0 || signal === 'SIGTERM') return;
    console.error(`the worker exited (${signal ?? code}) mid-fleet; its last output:\n${worker.output().slice(-4000)}`);
    process.exit(1);
  });
}

/** Where an abort's time went: the aborted release's events after the signal, and its batcher's. */
async function printTimeline(stack: Awaited<ReturnType<typeof startStack>>, target: WorkflowHandle, asked: number) {
  const show = async (label: string, handle: WorkflowHandle) => {
    const history = await handle.fetchHistory();
    for (const e of history.events ?? []) {
      const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      if (at < asked - 12_000 || at > asked + 10 * 60_000) continue;
      const type = temporal.api.enums.v1.EventType[e.eventType ?? 0].replace('EVENT_TYPE_', '');
      const scheduled = e.activityTaskScheduledEventAttributes;
      const detail = scheduled
        ? ` ${scheduled.activityType?.name} on ${scheduled.taskQueue?.name} (#${e.eventId})`
        : '';
      const started = e.activityTaskStartedEventAttributes;
      const of = started ? ` of #${started.scheduledEventId} (attempt ${started.attempt})` : '';
      const timedOut = e.workflowTaskTimedOutEventAttributes;
      const why = timedOut ? ` ${temporal.api.enums.v1.TimeoutType[timedOut.timeoutType ?? 0]}` : '';
      console.error(`  ${label} +${at - asked} ms ${type}${detail}${of}${why}`);
    }
  };
  await show('release', target);
  const batchers = stack.client.workflow.list({
    query: 'WorkflowType = "route53Batcher" AND ExecutionStatus = "Running"',
  });
  for await (const b of batchers)
    await show('batcher', stack.client.workflow.getHandle(b.workflowId, b.runId)).catch(() => undefined);
}

interface Row {
  n: number;
  correct: number;
  wallS: number;
  requests: number;
  peak: number;
  rssMb: number;
  events: number;
  hits: string;
}

export async function benchFleet(
  sizes: number[],
  budget = DEFAULT_ROUTE53_BUDGET,
  abortUnder: number[] = [],
  cachedWorkflows?: number,
  activitySlots?: number,
  workerCount = 1,
  workflowThreads?: number,
): Promise<void> {
  // BLUEGREEN_MAX_CACHED_WORKFLOWS and BLUEGREEN_MAX_CONCURRENT_ACTIVITIES for every worker of the
  // run (the worker's defaults when unset). Every release in a hold runs one analysis window, so
  // a fleet larger than the activity slots stretches its holds (docs/production.md, "Memory").
  const workerEnv: Record<string, string> = {
    ...(cachedWorkflows ? { BLUEGREEN_MAX_CACHED_WORKFLOWS: String(cachedWorkflows) } : {}),
    ...(activitySlots ? { BLUEGREEN_MAX_CONCURRENT_ACTIVITIES: String(activitySlots) } : {}),
    ...(workflowThreads ? { BLUEGREEN_WORKFLOW_THREADS: String(workflowThreads) } : {}),
  };
  const workersSaid = `${workerCount} worker${workerCount > 1 ? 's' : ''}, ${workflowThreads ?? 1} workflow thread${(workflowThreads ?? 1) > 1 ? 's' : ''} each`;
  const timings = { steps: [50, 100], interval: '30s', bake: '30s', analysisEvery: '10s' };
  // On a shared machine the dev server's SQLite writes wait on a disk busy with everyone's tests
  // (at 1,000 releases the server, not the worker, was the bottleneck): keep them in memory.
  const dbDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/bluegreen-fleet-') : undefined;
  const [stack, app] = await Promise.all([
    startStack({
      dbFile: dbDir && path.join(dbDir, 'temporal.db'),
      proxy: true,
      noWorker: true,
      env: { BLUEGREEN_ROUTE53_BUDGET: String(budget) },
      dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'],
    }),
    startSharedApp(),
  ]);
  let round = 0;
  let base = 0;
  /** The fleet's workers, all on the same queues (docs/production.md "Several workers"). */
  const spawnWorkers = async () => {
    const workers = await Promise.all(Array.from({ length: workerCount }, () => stack.spawnWorker(workerEnv)));
    for (const w of workers) reportDeath(w);
    return {
      workers,
      rss: () => workers.reduce((sum, w) => sum + rssMb(w.child.pid!), 0),
      output: () => workers.map((w, i) => `--- worker ${i + 1}\n${w.output()}`).join('\n'),
      stop: () => Promise.all(workers.map((w) => w.stop())),
    };
  };
  /** n releases of records base..base+n-1 through a fresh worker (its peak RSS is this fleet's). */
  const runFleet = async (n: number): Promise<Row> => {
    round++;
    const specs = Array.from({ length: n }, (_, i) => fleetSpec(base + i, `${round}.0.0`, app.endpoint, timings));
    base += n;
    await seedRecords(stack, specs);
    const worker = await spawnWorkers();
    let peakRss = worker.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, worker.rss())), 250);
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
      else console.error(`  ${specs[i].service}: ${r.outcome}: ${r.reason} (weights ${JSON.stringify(w)})`);
    }
    const events: number[] = [];
    for (let i = 0; i < handles.length; i += 50)
      events.push(...(await Promise.all(handles.slice(i, i + 50).map((h) => historyLength(stack, h)))));
    await worker.stop();
    const row = {
      n,
      correct,
      wallS,
      requests: stack.proxy!.total(),
      peak: stack.proxy!.maxInWindow(1000),
      rssMb: peakRss,
      events: events.reduce((a, b) => a + b, 0) / n,
      hits: JSON.stringify(stack.proxy!.hits),
    };
    // Each row as soon as it is known: a long run stopped later keeps what it measured.
    console.error(
      `fleet of ${n}: ${correct}/${n} correct in ${wallS.toFixed(0)} s; ${(row.requests / n).toFixed(2)} Route 53 ` +
        `requests/release (${row.hits}), peak ${row.peak} in 1 s, worker peak RSS ${peakRss.toFixed(0)} MB, ` +
        `${row.events.toFixed(0)} history events/release`,
    );
    return row;
  };

  /** n releases run while one more is aborted after its first step: ms until Route 53 has blue back. */
  const abortUnderLoad = async (n: number): Promise<{ n: number; restoreMs: number; outcome: string }> => {
    round++;
    const specs = Array.from({ length: n + 1 }, (_, i) => fleetSpec(base + i, `${round}.0.0`, app.endpoint, timings));
    base += n + 1;
    await seedRecords(stack, specs);
    const worker = await spawnWorkers();
    try {
      const [target, ...others] = await startFleet(stack, specs);
      // In its first hold: an abort waits for a shift in flight, batched or not.
      while ((await target.query<ReleaseStatus>('status')).weights.green !== 50)
        await new Promise((r) => setTimeout(r, 100));
      const asked = Date.now();
      await target.signal('abort', { reason: 'bench: abort under load' });
      while ((await weightsOf(stack, specs[0])).blue !== 100) await new Promise((r) => setTimeout(r, 20));
      const restoreMs = Date.now() - asked;
      // At once: the rest of the fleet takes minutes to finish.
      console.error(
        `abort under ${n} (${workersSaid}): Route 53 had blue back after ${restoreMs} ms (load ${loadavg()[0].toFixed(1)})`,
      );
      if (process.env.BENCH_ABORT_TIMELINE) {
        await printTimeline(stack, target, asked);
        // The worker's own account (slow activations, failed task completions) of the same moments.
        const log = path.join(os.tmpdir(), `bench-fleet-abort-${n}-round-${round}-worker.log`);
        writeFileSync(log, worker.output());
        console.error(`  the worker's output: ${log} (abort signalled at ${new Date(asked).toISOString()})`);
      }
      const outcome = (await resultOf(target)).outcome;
      // BENCH_ABORT_NO_WAIT=1: the abort's number only; the rest of the fleet is terminated, not
      // waited for (minutes), so that a next round's worker does not inherit it.
      if (process.env.BENCH_ABORT_NO_WAIT) {
        for (let i = 0; i < others.length; i += 50)
          await Promise.all(
            others.slice(i, i + 50).map((h) => h.terminate('bench: not waited for').catch(() => undefined)),
          );
        console.error(`abort under ${n}: the aborted release ended ${outcome}; the other ${n} were terminated`);
        return { n, restoreMs, outcome };
      }
      await Promise.all(others.map(resultOf));
      console.error(`abort under ${n}: the aborted release ended ${outcome}; the other ${n} ended`);
      return { n, restoreMs, outcome };
    } finally {
      await worker.stop();
    }
  };

  const rows: Row[] = [];
  const aborts: Awaited<ReturnType<typeof abortUnderLoad>>[] = [];
  let lone: Row | undefined;
  try {
    // The yardstick of the fleet rows; an abort-only run (--sizes '') does without it.
    if (sizes.length) lone = await runFleet(1);
    for (const n of sizes) rows.push(await runFleet(n));
    for (const n of abortUnder) aborts.push(await abortUnderLoad(n));
  } finally {
    await stack.stop();
    await app.close();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  }
  const header = [
    'releases',
    'correct',
    'wall (× lone)',
    'R53 requests/release',
    'R53 peak in 1 s',
    'worker peak RSS',
    'history events/release',
  ];
  console.log(
    `Fleet (command provider, 2 steps, 30 s hold, 30 s warm, one shared app, ${workersSaid}, Route 53 budget ${budget} req/s; ` +
      `workflow cache ${cachedWorkflows ?? 'default'}, activity slots ${activitySlots ?? 'default'}; a lone release: ${lone ? `${lone.wallS.toFixed(0)} s, ${lone.requests} requests` : 'not run'}; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}):`,
  );
  const cells = rows.map((r) => [
    String(r.n),
    `${r.correct}/${r.n}`,
    `${r.wallS.toFixed(0)} s (${(r.wallS / lone!.wallS).toFixed(1)}×)`,
    (r.requests / r.n).toFixed(2),
    String(r.peak),
    `${r.rssMb.toFixed(0)} MB`,
    r.events.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  for (const a of aborts)
    console.log(
      `abort of one release while ${a.n} others run (${workersSaid}): Route 53 had the old color back after ${a.restoreMs} ms`,
    );
}
