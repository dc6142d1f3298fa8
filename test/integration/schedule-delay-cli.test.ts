// Scheduled releases on real servers: --delay, and a closed change window holding the weights.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopReleases, untilPhase } from '../support/cli-release';
import { stackForFile } from '../support/file-stack';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
const { status, weights } = shopReleases(() => stack);
stackForFile((s) => (stack = s).releaseFirst('1.0.0'));

const id = 'bluegreen-shop.example.com';

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
    const s = await untilPhase('waiting for the window', status, 'waiting-for-window', 30_000);
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
