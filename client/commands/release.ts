// Verbs that start and observe releases: validate, start, status, watch, list.
// Each verb is a thin shell over the client library (client/library/client.ts).
import { parse, printHelp } from '../args';
import type { Temporal } from '../connect';
import { CliError, EXIT, exitCodeFor, type ListedRelease } from '../releases';
import { connect, Release } from '../library/client';
import { formatEvent, renderStatus, unprintedEvents } from '../render';
import type { ReleaseStatus } from '../../workflows/messages';
import { versionLabel } from '../../workflows/plan';
import { trafficTarget } from '../../workflows/target';

export const help = {
  start: `Usage: bluegreen start <spec> [--watch] [--json] [--delay 30m | --at 2026-12-01T02:00:00Z]

Starts a release of the spec's version. One release per traffic target (DNS record, ALB
listener or rule, HAProxy backend) runs at a time: a second start for the same target is refused
(exit 2) and names the running release. A release closes when its result is known (its notifier
workflow goes on delivering), so the next start succeeds at once; one started by an older
bluegreen that still sends its last notifications or runs its afterRelease gates is waited for,
up to 30 s, before that refusal.

A spec with \`waves\` starts a wave release (docs/waves.md): every target released wave by wave
under its own id, old colors kept warm until the last wave; its id is bluegreen-waves-<service>.

  --watch      follow the release live; exit 0 completed, 3 rolled back, 4 failed (needs a human)
  --json       print {"id": "..."}; the id is the Temporal workflow id every other verb accepts
  --delay D    start after a delay (e.g. 30m, at most 365d); \`bluegreen abort <id>\` cancels it before it starts
  --at TIME    start at an ISO-8601 time (UTC "Z" or an offset), at most 365 days ahead`,
  status: `Usage: bluegreen status <id> [--json]

Shows a release: phase, colors, weights, step, what happens next, recent events, and the
result once it ended. --json prints the same object the workflow's \`status\` query returns.
A release that was terminated (or timed out) is shown as such, with who ended it, the router's
weights as they are now (read through a worker), and the \`bluegreen repair <record or id>\` command
with what it would do.`,
  watch: `Usage: bluegreen watch <id>

Live view of a release until it ends. Exit 0 completed, 3 rolled back, 4 failed (needs a human).`,
  list: `Usage: bluegreen list [--service S] [--running] [--json]

Lists releases and repairs, newest first, from Temporal visibility (BlueGreenService /
BlueGreenPhase search attributes). A release that was terminated or timed out is marked
TERMINATED / TIMED OUT with the \`bluegreen repair <record or id>\` command, until a repair completes.`,
};

export async function startCommand(argv: string[]): Promise<number> {
  // Arguments and spec are checked (again: the CLI checks them before loading this module) before
  // anything connects; the spec parser loads only here, so status and watch do not pay for it.
  const checked = (await import('./start-checks')).checkStart(argv);
  if (checked === 'help') return printHelp(help.start);
  const { values, startDelayMs, loaded } = checked;
  const bg = await connect();
  try {
    const release = await bg.start(loaded, { delay: startDelayMs });
    if (values.json) console.log(JSON.stringify({ id: release.id, runId: release.runId }));
    else {
      const when = startDelayMs ? `, starts at ${new Date(Date.now() + startDelayMs).toISOString()}` : '';
      const where = loaded.waves
        ? `in ${loaded.waves.waves.length} waves (${loaded.waves.waves.map((w) => `${w.name}: ${w.targets.map((t) => t.name).join(', ')}`).join(' → ')})`
        : `on ${trafficTarget(loaded.spec).name}`;
      console.log(`started ${loaded.spec.service} ${versionLabel(loaded.spec)} ${where}: ${release.id}${when}`);
    }
    if (!values.watch) return EXIT.completed;
    return await follow(bg.temporal, release.id, Boolean(values.json));
  } finally {
    await bg.close();
  }
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('status', argv, { json: { type: 'boolean' } }, ['id']);
  if (values.help) return printHelp(help.status);
  const bg = await connect();
  try {
    const status = await bg.getHandle(positionals[0]).status();
    // observedShare is always in the JSON: null until something is observed (or nothing can be).
    console.log(
      values.json
        ? JSON.stringify({ ...status, observedShare: status.observedShare ?? null }, null, 2)
        : renderStatus(status),
    );
    return EXIT.completed;
  } finally {
    await bg.close();
  }
}

export async function watchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('watch', argv, {}, ['id']);
  if (values.help) return printHelp(help.watch);
  const bg = await connect();
  try {
    return await follow(bg.temporal, positionals[0], false);
  } finally {
    await bg.close();
  }
}

/**
 * Follows a release to its end. On a terminal it redraws the live view; elsewhere (CI, pipes)
 * it prints each new event once, so logs stay readable.
 */
async function follow(t: Temporal, id: string, quiet: boolean): Promise<number> {
  return exitCodeFor((await followRelease(t, id, quiet)).result);
}

export async function followRelease(t: Temporal, id: string, quiet: boolean): Promise<ReleaseStatus> {
  const live = process.stdout.isTTY && !quiet;
  let printed = 0;
  let status: ReleaseStatus | undefined;
  // A restarting worker or server is not the end of the release: watch() keeps going.
  const onRetry = (err: Error) => {
    if (!quiet) process.stderr.write(`(waiting: ${err.message.split('\n')[0]})\n`);
  };
  for await (status of new Release(t, id).watch({ onRetry })) {
    if (live) {
      process.stdout.write(`\x1b[H\x1b[2J${renderStatus(status, Date.now(), 8, process.stdout.columns)}\n`);
    } else if (!quiet) {
      // The status keeps the latest 200 events; eventCount says how many there were in all.
      const fresh = unprintedEvents(status, printed);
      for (const e of fresh.events) console.log(formatEvent(e));
      printed = fresh.printed;
    }
  }
  if (!status?.result) throw new CliError(`release ${id} ended without a result`, EXIT.other);
  if (!live && !quiet) console.log(`result: ${status.result.outcome}: ${status.result.reason}`);
  if (quiet) console.log(JSON.stringify({ id, result: status.result }));
  return status;
}

/** The run's state; a terminated or timed-out run says whether it still needs `repair`. */
export function listedState(r: ListedRelease, newestFirst: ListedRelease[]): string {
  const state = `${r.status.toLowerCase().replace(/_/g, ' ')}${r.type === 'repair' ? ' (repair)' : ''}`;
  if (r.status !== 'TERMINATED' && r.status !== 'TIMED_OUT') return state;
  const repaired = newestFirst.some(
    (o) => o.id === r.id && o.type === 'repair' && o.status === 'COMPLETED' && o.startTime > r.startTime,
  );
  return repaired
    ? `${state.toUpperCase()}, repaired since`
    : `${state.toUpperCase()}: no rollback ran; run \`bluegreen repair ${r.record ?? r.id}\``;
}

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parse(
    'list',
    argv,
    { service: { type: 'string' }, running: { type: 'boolean' }, json: { type: 'boolean' } },
    [],
  );
  if (values.help) return printHelp(help.list);
  const bg = await connect();
  try {
    const rows = await bg.list({ service: values.service, running: values.running });
    if (values.json) {
      console.log(JSON.stringify(rows, null, 2));
    } else if (rows.length === 0) {
      console.log('no releases found');
    } else {
      for (const r of rows) {
        const when = r.startsAt && Date.parse(r.startsAt) > Date.now() ? `  starts at ${r.startsAt}` : '';
        console.log(
          `${r.startTime.slice(0, 19)}Z  ${(r.phase ?? '?').padEnd(17)} ${(r.service ?? '?').padEnd(14)} ${(r.version ?? '?').padEnd(10)} ${r.id}  ${listedState(r, rows)}${when}`,
        );
      }
    }
    return EXIT.completed;
  } finally {
    await bg.close();
  }
}
