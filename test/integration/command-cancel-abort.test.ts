// Cancellation reaches the commands a release runs, end to end: an abort stops a provision
// command before the rollback's decommission starts, within a heartbeat of the cancel request,
// and what the command would have done after it never happens.
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { groupAlive } from '../../activities/environments/process-group';
import { activityOf, commandScripts, lines, stamp, type HistoryEvent } from '../support/command-scripts';
import { waitFor } from '../support/processes';
import type { Stack } from '../support/stack';

let stack: Stack;
const { dir, writeScript, startCommandRelease, history } = commandScripts(
  'bluegreen-command-cancel-abort-it-',
  (s) => (stack = s),
);

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
    const { id, first } = await startCommandRelease('abort', log, provision, decommission);
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
});
