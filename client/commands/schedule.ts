// `bluegreen schedule ...`: recurring releases on Temporal Schedules.
import { parse, printHelp } from '../args';
import { CliError, EXIT } from '../errors';
import { connect } from '../library/client';
import { checkTiming } from '../schedules';
import { loadSpecFile } from '../spec-file';
import { trafficTarget } from '../../workflows/target';

export const scheduleHelp = `Usage: bluegreen schedule <create|list|pause|unpause|trigger|delete> ...

  schedule create <spec> (--cron "0 2 * * 1-5" | --every 24h) [--timezone Europe/Berlin] [--id ID]
                           --every is between 1s and 365d
  schedule list [--json]
  schedule pause <id>      stop firing until unpaused
  schedule unpause <id>
  schedule trigger <id>    fire once now
  schedule delete <id>     releases it started keep running

Recurring releases run on Temporal Schedules: nothing polls, and they survive restarts.
- A firing never starts a release while another release of the same target (record, listener, backend) runs: it is
  skipped, and the skipped run's result says so (the schedule's recent actions list it).
- Missed firings (Temporal or workers down) still run if they are at most 10 minutes late.
- A release that does not complete (rolled back or failed) pauses the schedule, with a note
  saying why (Temporal does this for regular firings, not for manual triggers).
- Use versionFrom in the spec so each run reads the version to release; a run whose version is
  already live ends at once as a no-op.
The default id is bluegreen-schedule-<target>: the record name, the ALB resource path, or
runtimeApi/backend for HAProxy.`;

export async function scheduleCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') return printHelp(scheduleHelp);
  if (!sub) {
    // A bare `schedule` is a command that did nothing: say how to use it, and fail scripts.
    console.error(scheduleHelp);
    return EXIT.invalid;
  }
  const t = async () => connect();
  switch (sub) {
    case 'create': {
      const { values, positionals } = parse(
        'schedule create',
        rest,
        {
          cron: { type: 'string' },
          every: { type: 'string' },
          timezone: { type: 'string' },
          id: { type: 'string' },
          json: { type: 'boolean' },
        },
        ['spec'],
      );
      if (values.help) return printHelp(scheduleHelp);
      checkTiming({ cron: values.cron, every: values.every, timezone: values.timezone });
      const loaded = loadSpecFile(positionals[0]);
      const bg = await t();
      try {
        const { id, warnings } = await bg.schedules.create(loaded, {
          cron: values.cron,
          every: values.every,
          timezone: values.timezone,
          id: values.id,
        });
        for (const w of warnings) console.warn(w);
        console.log(
          values.json
            ? JSON.stringify({ id })
            : `created schedule ${id} for ${loaded.spec.service} on ${trafficTarget(loaded.spec).name}`,
        );
        return EXIT.completed;
      } finally {
        await bg.close();
      }
    }
    case 'list': {
      const { values } = parse('schedule list', rest, { json: { type: 'boolean' } }, []);
      if (values.help) return printHelp(scheduleHelp);
      const bg = await t();
      try {
        const rows = await bg.schedules.list();
        if (values.json) console.log(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) console.log('no schedules');
        else {
          for (const r of rows) {
            console.log(
              `${r.id}  ${r.paused ? `PAUSED${r.note ? ` (${r.note})` : ''}` : 'active'}  ${r.timing}  ${r.service ?? '?'} → ${r.recordName ?? '?'}`,
            );
            console.log(`  next: ${r.nextRuns.slice(0, 3).join(', ') || '-'}   recent runs: ${r.recentRuns.length}`);
          }
        }
        return EXIT.completed;
      } finally {
        await bg.close();
      }
    }
    case 'pause':
    case 'unpause':
    case 'trigger':
    case 'delete': {
      const { values, positionals } = parse(`schedule ${sub}`, rest, {}, ['id']);
      if (values.help) return printHelp(scheduleHelp);
      const bg = await t();
      try {
        console.log(await bg.schedules[sub](positionals[0]));
        return EXIT.completed;
      } finally {
        await bg.close();
      }
    }
    default:
      throw new CliError(`unknown schedule command "${sub}"\n\n${scheduleHelp}`, EXIT.invalid);
  }
}
