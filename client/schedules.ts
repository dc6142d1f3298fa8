// Recurring releases as Temporal Schedules: nothing polls, the server fires them, and they
// survive restarts. Each firing starts a `scheduledRelease`, which starts the real release.
import path from 'node:path';
import { ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleSummary } from '@temporalio/client';
import { fqdn } from '../workflows/names';
import { MAX_LONG_DURATION, parseDurationWithin } from '../workflows/duration';
import type { ReleaseInput } from '../workflows/messages';
import { recordKey, serviceKey } from '../workflows/search-attributes';
import { versionLabel } from '../workflows/plan';
import { trafficTarget } from '../workflows/target';
import { CliError, EXIT } from './errors';
import { InvalidArgumentError, NotFoundError } from './library/errors';
import { ensureSearchAttributes, taskQueue } from './connect';
import type { Temporal } from './library/temporal';
import { operatorIdentity } from './releases';
import type { LoadedSpec } from './spec-file';

export interface ScheduleTiming {
  cron?: string;
  every?: string;
  timezone?: string;
}

/** Missed firings older than this are dropped: a 02:00 release must not start at 09:00 after an outage. */
export const CATCHUP_WINDOW = '10m';

export function scheduleIdFor(recordName: string): string {
  return scheduleIdOfTarget(fqdn(recordName).slice(0, -1));
}

/** The default schedule id of a traffic target (its TrafficTarget.key). */
export function scheduleIdOfTarget(key: string): string {
  return `bluegreen-schedule-${key}`;
}

/** Checks the timing flags before anything connects; returns the interval in ms (0 for cron). */
export function checkTiming(timing: ScheduleTiming): number {
  if (!timing.cron === !timing.every)
    throw new InvalidArgumentError('give exactly one of --cron "0 2 * * 1-5" or --every 24h');
  if (timing.cron !== undefined && !timing.cron.trim())
    throw new InvalidArgumentError('--cron needs a cron expression, e.g. "0 2 * * 1-5"');
  if (timing.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timing.timezone });
    } catch {
      throw new InvalidArgumentError(
        `--timezone: unknown time zone "${timing.timezone}"; use an IANA name such as "Europe/Berlin"`,
      );
    }
  }
  if (timing.every === undefined) return 0;
  try {
    return parseDurationWithin(timing.every, { min: '1s', max: MAX_LONG_DURATION });
  } catch (err) {
    throw new InvalidArgumentError(`--every: ${(err as Error).message}`);
  }
}

export async function createSchedule(
  t: Temporal,
  loaded: LoadedSpec,
  timing: ScheduleTiming,
  id?: string,
  warn: (message: string) => void = console.warn,
): Promise<string> {
  const { spec } = loaded;
  const everyMs = checkTiming(timing);
  if (spec.version !== undefined) {
    warn(
      `note: the spec pins version ${spec.version}, so every run releases it again; recurring releases usually read their version with versionFrom`,
    );
  }
  await ensureSearchAttributes(t.connection, t.namespace);
  const target = trafficTarget(spec);
  const scheduleId = id ?? scheduleIdOfTarget(target.key);
  const input: ReleaseInput = {
    spec,
    specDir: loaded.specDir,
    requestedBy: `schedule ${scheduleId} (created by ${t.identity ?? operatorIdentity()})`,
  };
  try {
    await t.client.schedule.create({
      scheduleId,
      spec: {
        ...(timing.cron ? { cronExpressions: [timing.cron] } : { intervals: [{ every: everyMs }] }),
        ...(timing.timezone ? { timezone: timing.timezone } : {}),
      },
      action: {
        type: 'startWorkflow',
        workflowType: 'scheduledRelease',
        workflowId: `bluegreen-scheduled-${target.key}`,
        taskQueue: t.taskQueue ?? taskQueue(),
        args: [input],
        typedSearchAttributes: [
          { key: serviceKey, value: spec.service },
          { key: recordKey, value: target.searchValue },
        ],
        staticSummary: `scheduled release of ${spec.service} ${versionLabel(spec)} → ${target.name}`,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: true },
      memo: {
        spec: path.relative(process.cwd(), loaded.file) || loaded.file,
        service: spec.service,
        recordName: target.name,
        version: versionLabel(spec),
      },
    });
  } catch (err) {
    const e = err as Error;
    if (e.name === 'ScheduleAlreadyRunning')
      throw new CliError(`refused: schedule ${scheduleId} already exists; delete it first or pass --id`, EXIT.invalid);
    if (/invalid|cron|timezone|time zone/i.test(e.message))
      throw new CliError(`refused by Temporal: ${e.message}`, EXIT.invalid);
    throw err;
  }
  return scheduleId;
}

export interface ListedSchedule {
  id: string;
  paused: boolean;
  note?: string;
  spec?: string;
  service?: string;
  recordName?: string;
  version?: string;
  timing: string;
  nextRuns: string[];
  recentRuns: { scheduledAt: string; workflowId?: string; runId?: string }[];
}

function timingOf(spec: ScheduleSummary['spec'] | ScheduleDescription['spec']): string {
  if (!spec) return '?';
  const parts: string[] = [];
  for (const c of spec.calendars ?? []) parts.push(`calendar ${JSON.stringify(c)}`);
  for (const i of spec.intervals ?? []) parts.push(`every ${typeof i.every === 'number' ? `${i.every}ms` : i.every}`);
  const raw = (spec as { cronExpressions?: string[] }).cronExpressions;
  for (const c of raw ?? []) parts.push(`cron "${c}"`);
  return `${parts.join(', ') || 'custom'}${spec.timezone ? ` (${spec.timezone})` : ''}`;
}

export async function listSchedules(t: Temporal): Promise<ListedSchedule[]> {
  const out: ListedSchedule[] = [];
  for await (const s of t.client.schedule.list()) {
    if (s.action?.type !== 'startWorkflow' || s.action.workflowType !== 'scheduledRelease') continue;
    const memo = (s.memo ?? {}) as Record<string, string>;
    out.push({
      id: s.scheduleId,
      paused: s.state.paused,
      note: s.state.note,
      spec: memo.spec,
      service: memo.service,
      recordName: memo.recordName,
      version: memo.version,
      timing: timingOf(s.spec),
      nextRuns: s.info.nextActionTimes.map((d) => d.toISOString()),
      recentRuns: s.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt.toISOString(),
        workflowId: a.action.workflow?.workflowId,
        runId: a.action.workflow?.firstExecutionRunId,
      })),
    });
  }
  return out;
}

export async function scheduleAction(
  t: Temporal,
  id: string,
  action: 'pause' | 'unpause' | 'trigger' | 'delete',
): Promise<string> {
  const handle = t.client.schedule.getHandle(id);
  try {
    await handle.describe();
  } catch (err) {
    if ((err as Error).name === 'ScheduleNotFoundError')
      throw new NotFoundError('schedule', id, `no schedule with id ${id}; see \`bluegreen schedule list\``);
    throw err;
  }
  const note = `${action} by ${t.identity ?? operatorIdentity()}`;
  switch (action) {
    case 'pause':
      await handle.pause(note);
      return `paused schedule ${id}`;
    case 'unpause':
      await handle.unpause(note);
      return `unpaused schedule ${id}`;
    case 'trigger':
      // A manual trigger still never overlaps a running release of the record.
      await handle.trigger(ScheduleOverlapPolicy.SKIP);
      return `triggered schedule ${id}: a release starts now unless one of the record is running`;
    case 'delete':
      await handle.delete();
      return `deleted schedule ${id} (releases it started keep running)`;
  }
}
