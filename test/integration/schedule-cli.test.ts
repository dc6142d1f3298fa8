// Scheduled releases on real servers: --delay, Temporal Schedules created and driven through the
// CLI, overlap with a running release skipped, a failing run pausing its schedule, and a closed
// change window holding the weights.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
  const first = await stack.cli('start', stack.writeSpec('v1.yaml', await stack.appSpec('1.0.0')), '--watch');
  assert.equal(first.code, 0, first.stdout + first.stderr);
});
after(async () => {
  await stack?.stop();
});

const id = 'bluegreen-shop.example.com';
async function status(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', id, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}
const weights = () => stack.colorWeights();

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A spec whose version comes from a file the test controls, as a recurring release would. */
async function recurringSpec(
  name: string,
  version: string,
  extra: Parameters<Stack['appSpec']>[1] = {},
): Promise<string> {
  const versionFile = path.join(path.dirname(stack.writeSpec('probe.yaml', {})), `${name}.VERSION`);
  writeFileSync(versionFile, `${version}\nbuilt by CI\n`);
  const spec = (await stack.appSpec('unused', extra)) as Record<string, unknown>;
  delete spec.version;
  return stack.writeSpec(`${name}.yaml`, { ...spec, versionFrom: { command: ['cat', versionFile] } });
}

describe('scheduled releases on real servers', () => {
  it('start --delay 12s is listed as scheduled, then runs and completes after the delay', async () => {
    // 12 s: start, status and list (three CLI runs) must all land inside the delay on a busy CI machine.
    const started = Date.now();
    const r = await stack.cli('start', stack.writeSpec('delayed.yaml', await stack.appSpec('2.0.0')), '--delay', '12s');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /starts at \d{4}-\d\d-\d\dT/);
    const s = await status();
    assert.equal(s.phase, 'scheduled');
    assert.match(s.next!.action, /^scheduled, starts at /);
    const listed = JSON.parse((await stack.cli('list', '--json')).stdout)[0];
    assert.equal(listed.phase, 'scheduled');
    assert.ok(Date.parse(listed.startsAt) > Date.now());
    const watched = await stack.cli('watch', id);
    assert.equal(watched.code, 0, watched.stdout);
    await recordHistory(stack, 'delayed-start');
    const events = (await status()).events;
    assert.ok(Date.parse(events[0].at) - started >= 11_500, 'nothing happened before the delay');
  });

  it('abort cancels a scheduled release before it starts', async () => {
    const r = await stack.cli('start', stack.writeSpec('later.yaml', await stack.appSpec('3.0.0')), '--delay', '1h');
    assert.equal(r.code, 0);
    const before = await weights();
    const pause = await stack.cli('pause', id);
    assert.equal(pause.code, 2);
    assert.match(pause.stderr, /cannot pause: release is scheduled, starts at/);
    const abort = await stack.cli('abort', id, '--reason', 'not tonight');
    assert.equal(abort.code, 0, abort.stderr);
    assert.match(abort.stdout, /cancelled the scheduled release/);
    const s = await status();
    assert.equal(s.result?.outcome, 'rolled-back');
    assert.match(s.result!.reason, /cancelled before it started/);
    assert.deepEqual(await weights(), before);
  });

  it('schedule create + trigger runs a release; list shows it; the same version again is a no-op; delete removes it', async () => {
    const spec = await recurringSpec('nightly', '4.0.0');
    const created = await stack.cli(
      'schedule',
      'create',
      spec,
      '--cron',
      '0 2 * * 1-5',
      '--timezone',
      'Europe/Berlin',
      '--json',
    );
    assert.equal(created.code, 0, created.stderr);
    const scheduleId = JSON.parse(created.stdout).id;
    assert.equal(scheduleId, 'bluegreen-schedule-shop.example.com');

    const listed = JSON.parse((await stack.cli('schedule', 'list', '--json')).stdout);
    const mine = listed.find((s: { id: string }) => s.id === scheduleId);
    assert.ok(mine, JSON.stringify(listed));
    assert.match(mine.timing, /Europe\/Berlin/);
    assert.equal(mine.paused, false);
    assert.ok(mine.nextRuns.length > 0);

    assert.equal((await stack.cli('schedule', 'trigger', scheduleId)).code, 0);
    await waitFor(
      'release 4.0.0',
      async () => ((await status()).version === '4.0.0' && (await status()).result ? true : undefined),
      60_000,
    );
    assert.equal((await status()).result?.outcome, 'completed');
    await recordHistory(stack, 'version-from');
    const live = await weights();

    // Same version again: the run ends at once as a no-op, weights untouched.
    assert.equal((await stack.cli('schedule', 'trigger', scheduleId)).code, 0);
    await waitFor(
      'no-op run',
      async () => {
        const s = await status();
        return s.result && /no-op/.test(s.result.reason) ? s : undefined;
      },
      60_000,
    );
    await recordHistory(stack, 'version-from-no-op');
    assert.deepEqual(await weights(), live);

    const deleted = await stack.cli('schedule', 'delete', scheduleId);
    assert.equal(deleted.code, 0);
    const after = JSON.parse((await stack.cli('schedule', 'list', '--json')).stdout);
    assert.ok(!after.some((s: { id: string }) => s.id === scheduleId));
    const gone = await stack.cli('schedule', 'delete', scheduleId);
    assert.equal(gone.code, 2);
  });

  it('a firing while another release of the record runs is skipped, and says so', async () => {
    const slow = await stack.cli(
      'start',
      stack.writeSpec(
        'slow.yaml',
        await stack.appSpec('5.0.0', { overrides: { traffic: { steps: [10, 100], interval: '1h' } } }),
      ),
      '--json',
    );
    assert.equal(slow.code, 0, slow.stderr);
    await waitFor('shifting', async () => ((await status()).phase === 'shifting' ? true : undefined), 30_000);
    const spec = await recurringSpec('overlap', '6.0.0');
    const created = JSON.parse(
      (await stack.cli('schedule', 'create', spec, '--every', '24h', '--id', 'overlap-test', '--json')).stdout,
    );
    await stack.cli('schedule', 'trigger', created.id);
    const skipped = await waitFor(
      'skipped run',
      async () => {
        for await (const w of stack.client.workflow.list({
          query: 'WorkflowType="scheduledRelease" AND ExecutionStatus="Completed"',
        })) {
          const result = await stack.client.workflow.getHandle(w.workflowId, w.runId).result();
          if (result.outcome === 'skipped') return result;
        }
        return undefined;
      },
      30_000,
    );
    assert.match(
      skipped.reason,
      /skipped: a release of shop.example.com is already running \(bluegreen-shop.example.com\)/,
    );
    assert.equal((await status()).version, '5.0.0', 'the running release is untouched');
    await stack.cli('abort', id, '--reason', 'test cleanup');
    await stack.cli('watch', id);
    await stack.cli('schedule', 'delete', created.id);
  });

  it('a firing right after a release whose webhook is dead runs: the finished release does not hold the record', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/dead`;
    const overrides = { notify: [{ webhook: { url: dead } }] };
    const released = await stack.cli(
      'start',
      stack.writeSpec('dead-sink.yaml', await stack.appSpec('6.5.0', { overrides })),
      '--watch',
    );
    assert.equal(released.code, 0, released.stdout + released.stderr);
    const spec = await recurringSpec('right-after', '6.6.0');
    const created = JSON.parse(
      (await stack.cli('schedule', 'create', spec, '--every', '24h', '--id', 'right-after-test', '--json')).stdout,
    );
    const triggeredAt = new Date();
    assert.equal((await stack.cli('schedule', 'trigger', created.id)).code, 0);
    const fired = await waitFor(
      'the firing',
      async () => {
        for await (const w of stack.client.workflow.list({ query: 'WorkflowType="scheduledRelease"' })) {
          if (w.startTime < triggeredAt || w.status.name === 'RUNNING') continue;
          return (await stack.client.workflow.getHandle(w.workflowId, w.runId).result()) as {
            outcome: string;
            reason: string;
          };
        }
        return undefined;
      },
      60_000,
    );
    // Before, the dead webhook's retries (2 minutes) kept the previous run open and this firing was skipped.
    assert.equal(fired.outcome, 'started', fired.reason);
    const s = await status();
    assert.equal(s.version, '6.6.0');
    assert.equal(s.result?.outcome, 'completed');
    await stack.cli('schedule', 'delete', created.id);
  });

  it('a scheduled release that rolls back pauses its schedule', async () => {
    const spec = await recurringSpec('broken', '7.0.0-broken', { env: { ERROR_RATE: '0.5' } });
    // A regular firing (Temporal does not pause schedules for failed manual triggers).
    const created = JSON.parse(
      (await stack.cli('schedule', 'create', spec, '--every', '10s', '--id', 'broken-test', '--json')).stdout,
    );
    const paused = await waitFor(
      'schedule paused',
      async () => {
        const listed = JSON.parse((await stack.cli('schedule', 'list', '--json')).stdout);
        const mine = listed.find((s: { id: string }) => s.id === created.id);
        return mine?.paused ? mine : undefined;
      },
      60_000,
    );
    assert.match(paused.note, /paused due to workflow failure: .*rolled-back: analysis breach/);
    assert.equal((await status()).result?.outcome, 'rolled-back');
    await stack.cli('schedule', 'delete', created.id);
  });

  it('a release whose window is closed now changes no weight and reports when the window opens', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + 12 * 3600_000);
    const hhmm = (d: Date) =>
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    const endMinute = new Date(later.getTime() + 60_000);
    if (hhmm(endMinute) <= hhmm(later)) later.setUTCMinutes(later.getUTCMinutes() - 2); // keep start < end
    const window = {
      days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      start: hhmm(later),
      end: hhmm(new Date(later.getTime() + 60_000)),
      timezone: 'UTC',
    };
    const before = await weights();
    const r = await stack.cli(
      'start',
      stack.writeSpec('windowed.yaml', await stack.appSpec('8.0.0', { overrides: { window } })),
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    const s = await waitFor(
      'waiting for the window',
      async () => {
        const st = await status();
        return st.phase === 'waiting-for-window' ? st : undefined;
      },
      30_000,
    );
    const opensAt = Date.parse(s.next!.at!);
    assert.ok(
      Math.abs(opensAt - later.getTime()) < 120_000,
      `opens at ${s.next!.at}, expected about ${later.toISOString()}`,
    );
    assert.match(s.next!.action, /when the window opens/);
    const human = await stack.cli('status', id);
    assert.match(human.stdout, /waiting-for-window/);
    assert.deepEqual(await weights(), before, 'no weight changed');
    await stack.cli('abort', id, '--reason', 'test cleanup');
    assert.equal((await stack.cli('watch', id)).code, 3);
    await recordHistory(stack, 'window-closed-abort');
  });
});
