// Cancellation reaches the commands a release runs, end to end: an abort stops a provision
// command before the rollback's decommission starts, and a worker killed with -9 mid-provision
// never leaves two copies of the command running once a new worker retries it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { groupAlive } from '../../activities/environments/process-group';
import { startSharedApp } from '../support/fleet';
import { waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let app: Awaited<ReturnType<typeof startSharedApp>>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-command-cancel-it-'));

before(async () => {
  [stack, app] = await Promise.all([startStack(), startSharedApp()]);
});
after(async () => {
  await stack?.stop();
  await app?.close();
});

interface Line {
  what: string;
  pid: number;
  at: number;
}

/** `<what> <pid> <epoch ns>` lines a script appends to its log. */
function lines(log: string): Line[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [what, pid, ns] = l.split(' ');
      return { what, pid: Number(pid), at: Number(BigInt(ns) / 1_000_000n) };
    });
}

function writeScript(name: string, body: string[]): string {
  const file = path.join(dir, name);
  // Output to files only: with its worker gone, a write to its stdout pipe would end the script
  // with SIGPIPE and hide the very copy these tests look for.
  writeFileSync(file, ['exec >/dev/null 2>&1', ...body].join('\n'));
  return file;
}

const stamp = (what: string, log: string) => `echo "${what} $$ $(date +%s%N)" >> ${log}`;

function commandSpec(record: string, provision: string, decommission: string): object {
  return {
    service: record.split('.')[0],
    version: '1.0.0',
    environment: {
      provider: 'command',
      provision: ['/bin/sh', provision],
      decommission: ['/bin/sh', decommission],
      endpoint: `${app.endpoint}/{color}`,
      timeout: '2m',
    },
    dns: {
      provider: 'route53',
      zoneName: 'example.com',
      recordName: record,
      ttl: 1,
      targets: { blue: `blue.${record}`, green: `green.${record}` },
    },
    verify: { http: { attempts: 5, interval: '200ms', timeout: '1s' } },
    traffic: { steps: [100], interval: '1s', analysis: { requests: 2, maxErrorRate: 0.5, every: '500ms' } },
    decommission: { delay: '1s' },
  };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function history(id: string): Promise<HistoryEvent[]> {
  return (await stack.client.workflow.getHandle(id).fetchHistory()).events ?? [];
}

/** The activity type of an event that refers to a scheduled activity. */
function activityOf(events: HistoryEvent[], e: HistoryEvent): string | undefined {
  const scheduledId =
    e.activityTaskCancelRequestedEventAttributes?.scheduledEventId ??
    e.activityTaskCanceledEventAttributes?.scheduledEventId ??
    e.activityTaskStartedEventAttributes?.scheduledEventId;
  const scheduled = events.find((s) => Number(s.eventId) === Number(scheduledId ?? e.eventId));
  return scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined;
}

describe('cancellation reaches commands', () => {
  it('an abort 3 s into a 20 s provision stops the command before the decommission runs', async () => {
    const log = path.join(dir, 'abort.log');
    const marker = path.join(dir, 'abort.done');
    const provision = writeScript('abort-provision.sh', [
      stamp('start', log),
      `trap '${stamp('stop', log)}; exit 143' TERM`,
      'sleep 20',
      stamp('end', log),
      `touch ${marker}`,
    ]);
    const decommission = writeScript('abort-decommission.sh', [stamp('decommission', log)]);
    const spec = stack.writeSpec('abort.yaml', commandSpec('abort.example.com', provision, decommission));
    const started = await stack.cli('start', spec, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };

    const first = await waitFor(
      'the provision command',
      async () => lines(log).find((l) => l.what === 'start'),
      30_000,
    );
    await sleep(Math.max(0, first.at + 3000 - Date.now()));
    const abortedAt = Date.now();
    const abort = await stack.cli('abort', id, '--reason', 'cancel test');
    assert.equal(abort.code, 0, abort.stderr);

    await waitFor('the provision group to stop', async () => (groupAlive(first.pid) ? undefined : true), 20_000);
    const stoppedAfter = Date.now() - abortedAt;
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 3, watched.stdout + watched.stderr);
    assert.match(watched.stdout, /rolled-back/);

    const events = lines(log);
    const stop = events.find((l) => l.what === 'stop');
    const decommissioned = events.find((l) => l.what === 'decommission');
    assert.ok(stop && decommissioned, JSON.stringify(events));
    assert.ok(
      decommissioned.at >= stop.at,
      `the decommission ran ${stop.at - decommissioned.at} ms before the provision had stopped`,
    );
    // The workflow waited for the cancelled provision: its decommission was scheduled only after
    // the provision reported itself cancelled.
    const h = await history(id);
    const index = (pred: (e: HistoryEvent) => boolean) => h.findIndex(pred);
    const cancelled = index((e) => !!e.activityTaskCanceledEventAttributes && activityOf(h, e) === 'provisionColor');
    const undo = index((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'decommissionColor');
    assert.ok(
      cancelled > 0 && undo > cancelled,
      `provision cancelled at event ${cancelled}, undo scheduled at ${undo}`,
    );
    // The command saw the cancel within seconds of the workflow asking (one heartbeat round trip).
    const requested = h.find((e) => e.activityTaskCancelRequestedEventAttributes);
    const requestedAt = Number(requested?.eventTime?.seconds ?? 0) * 1000 + (requested?.eventTime?.nanos ?? 0) / 1e6;
    const seenAfter = stop.at - requestedAt;
    assert.ok(seenAfter < 8000, `the command got SIGTERM ${seenAfter} ms after the cancel request`);

    // What the provision would have done after its sleep never happens.
    await sleep(Math.max(0, first.at + 21_000 - Date.now()));
    assert.equal(existsSync(marker), false, 'the aborted provision finished its work');
    assert.deepEqual(
      lines(log).map((l) => l.what),
      ['start', 'stop', 'decommission'],
    );
    console.log(
      `cancel request to SIGTERM: ${Math.round(seenAfter)} ms; abort command to group gone: ${stoppedAfter} ms`,
    );
  });

  it('a worker stopped mid-provision stops its command; another worker runs it again and the release completes', async () => {
    const log = path.join(dir, 'shutdown.log');
    const once = path.join(dir, 'shutdown.first');
    const provision = writeScript('shutdown-provision.sh', [
      stamp('start', log),
      `trap '${stamp('stop', log)}; exit 143' TERM`,
      `if [ -e ${once} ]; then sleep 1; else touch ${once}; sleep 60; fi`,
      stamp('end', log),
    ]);
    const decommission = writeScript('shutdown-decommission.sh', ['true']);
    const spec = stack.writeSpec('shutdown.yaml', commandSpec('shutdown.example.com', provision, decommission));
    const started = await stack.cli('start', spec, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };

    const first = await waitFor(
      'the provision command',
      async () => lines(log).find((l) => l.what === 'start'),
      30_000,
    );
    await stack.stopWorker();
    assert.equal(groupAlive(first.pid), false, 'the stopped worker left its command running');
    await stack.startWorker();
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.deepEqual(
      lines(log).map((l) => l.what),
      ['start', 'stop', 'start', 'end'],
    );
  });

  it('a worker killed with -9 mid-provision: the retry on a new worker never runs beside the first copy', async () => {
    const log = path.join(dir, 'crash.log');
    const once = path.join(dir, 'crash.first');
    // The first run outlasts the heartbeat timeout; the retry is quick, so the release goes on.
    const provision = writeScript('crash-provision.sh', [
      stamp('start', log),
      `trap '${stamp('stop', log)}; exit 143' TERM`,
      `if [ -e ${once} ]; then sleep 1; else touch ${once}; sleep 60; fi`,
      stamp('end', log),
    ]);
    const decommission = writeScript('crash-decommission.sh', ['true']);
    const spec = stack.writeSpec('crash.yaml', commandSpec('crash.example.com', provision, decommission));
    const started = await stack.cli('start', spec, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };

    const first = await waitFor(
      'the provision command',
      async () => lines(log).find((l) => l.what === 'start'),
      30_000,
    );
    await sleep(1000);
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    await new Promise((r) => stack.worker!.child.once('exit', r));
    stack.worker = undefined;
    assert.ok(groupAlive(first.pid), 'the command outlives its worker');
    await stack.startWorker();

    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout + watched.stderr);
    assert.equal(groupAlive(first.pid), false);

    // Each copy runs from its start to its end or stop; no two of those spans overlap.
    const events = lines(log);
    const spans = [...new Set(events.map((l) => l.pid))].map((pid) => {
      const mine = events.filter((l) => l.pid === pid);
      const end = mine.find((l) => l.what !== 'start');
      assert.ok(end, `copy ${pid} never ended: ${JSON.stringify(events)}`);
      return { pid, from: mine[0].at, to: end.at };
    });
    assert.equal(spans.length, 2, JSON.stringify(events));
    const [a, b] = spans.sort((x, y) => x.from - y.from);
    assert.ok(a.to <= b.from, `the two copies ran side by side for ${a.to - b.from} ms: ${JSON.stringify(events)}`);
    assert.equal(events.find((l) => l.pid === first.pid && l.what !== 'start')?.what, 'stop');
    // The retry was the new worker's attempt 2.
    const h = await history(id);
    const attempts = h.flatMap((e) =>
      e.activityTaskStartedEventAttributes && activityOf(h, e) === 'provisionColor'
        ? [e.activityTaskStartedEventAttributes.attempt ?? 1]
        : [],
    );
    assert.deepEqual(attempts, [2], `provision attempts recorded: ${attempts.join(', ')}`);
    console.log(
      `first copy stopped ${b.from - a.to} ms before the retry started; ${b.from - first.at} ms after its start`,
    );
  });
});
