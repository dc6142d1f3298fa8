// Shell scripts as a command environment's provision and decommission, for the tests of how
// cancellation reaches commands: each script stamps `<what> <pid> <epoch ns>` lines into a log
// the test reads back, and a release spec runs them against a shared demo app.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import type { temporal } from '@temporalio/proto';
import { startSharedApp } from './fleet';
import { waitFor } from './processes';
import { startStack, type Stack } from './stack';

export interface Line {
  what: string;
  pid: number;
  at: number;
}

/** `<what> <pid> <epoch ns>` lines a script appends to its log. */
export function lines(log: string): Line[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [what, pid, ns] = l.split(' ');
      return { what, pid: Number(pid), at: Number(BigInt(ns) / 1_000_000n) };
    });
}

/** The shell line that appends a `what` line to `log`. */
export const stamp = (what: string, log: string) => `echo "${what} $$ $(date +%s%N)" >> ${log}`;

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The activity type of an event that refers to a scheduled activity. */
export function activityOf(events: HistoryEvent[], e: HistoryEvent): string | undefined {
  const scheduledId =
    e.activityTaskCancelRequestedEventAttributes?.scheduledEventId ??
    e.activityTaskCanceledEventAttributes?.scheduledEventId ??
    e.activityTaskStartedEventAttributes?.scheduledEventId;
  const scheduled = events.find((s) => Number(s.eventId) === Number(scheduledId ?? e.eventId));
  return scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined;
}

/**
 * Gives the calling test file a stack and a shared demo app before its tests (stopped after
 * them), a fresh script folder `dir` named after `prefix`, and helpers bound to them.
 */
export function commandScripts(prefix: string, onStack: (stack: Stack) => void) {
  let stack: Stack | undefined;
  let app: Awaited<ReturnType<typeof startSharedApp>> | undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  before(async () => {
    [stack, app] = await Promise.all([startStack(), startSharedApp()]);
    onStack(stack);
  });
  after(async () => {
    await stack?.stop();
    await app?.close();
  });
  const getStack = () => stack!;
  const getAppEndpoint = () => app!.endpoint;

  function writeScript(name: string, body: string[]): string {
    const file = path.join(dir, name);
    // Output to files only: with its worker gone, a write to its stdout pipe would end the script
    // with SIGPIPE and hide the very copy these tests look for.
    writeFileSync(file, ['exec >/dev/null 2>&1', ...body].join('\n'));
    return file;
  }

  function commandSpec(record: string, provision: string, decommission: string): object {
    return {
      service: record.split('.')[0],
      version: '1.0.0',
      environment: {
        provider: 'command',
        provision: ['/bin/sh', provision],
        decommission: ['/bin/sh', decommission],
        endpoint: `${getAppEndpoint()}/{color}`,
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

  async function history(id: string): Promise<HistoryEvent[]> {
    return (await getStack().client.workflow.getHandle(id).fetchHistory()).events ?? [];
  }

  /**
   * A provision whose first run hangs for a minute, longer than the heartbeat timeout, and whose
   * retry is quick, so the release goes on: `<name>-provision.sh`, logging to `log`.
   */
  function provisionHangingOnce(name: string, log: string): string {
    const once = path.join(dir, `${name}.first`);
    return writeScript(`${name}-provision.sh`, [
      stamp('start', log),
      `trap '${stamp('stop', log)}; exit 143' TERM`,
      `if [ -e ${once} ]; then sleep 1; else touch ${once}; sleep 60; fi`,
      stamp('end', log),
    ]);
  }

  /**
   * Starts a release of `<name>.example.com` that runs these scripts; resolves with its id once
   * the provision command has logged its start.
   */
  async function startCommandRelease(
    name: string,
    log: string,
    provision: string,
    decommission: string,
  ): Promise<{ id: string; first: Line }> {
    const stack = getStack();
    const spec = stack.writeSpec(`${name}.yaml`, commandSpec(`${name}.example.com`, provision, decommission));
    const started = await stack.cli('start', spec, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    const first = await waitFor(
      'the provision command',
      async () => lines(log).find((l) => l.what === 'start'),
      30_000,
    );
    return { id, first };
  }

  /**
   * Starts a release of `<name>.example.com` whose provision hangs on its first run only
   * (provisionHangingOnce) and whose decommission does nothing; resolves as startCommandRelease.
   */
  async function startHangingOnce(name: string, log: string): Promise<{ id: string; first: Line }> {
    const provision = provisionHangingOnce(name, log);
    const decommission = writeScript(`${name}-decommission.sh`, ['true']);
    return startCommandRelease(name, log, provision, decommission);
  }

  return { dir, writeScript, startCommandRelease, startHangingOnce, history };
}
