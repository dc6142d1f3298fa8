// Analysis on real servers across continue-as-new: a dev server that suggests continue-as-new at
// 300 events (as a busy production cluster would, only sooner), moto, a real worker and the demo
// app. A release paused through 60 failed analysis rounds (two minutes' worth at one a second, run
// as fast as the machine allows) keeps every run small and still answers `status` with its whole
// story. The 60 rounds set this file's duration: each is a report of the analysis activity and a
// workflow task (about a dozen history events), so they cross the 300-event mark twice anyway.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shopReleases } from '../support/cli-release';
import { stackForFile } from '../support/file-stack';
import { eventsPerRun } from '../support/history';
import { waitFor } from '../support/processes';
import { recordHistory, type Stack } from '../support/stack';

const id = 'bluegreen-shop.example.com';
let stack: Stack;
const { status, start, weights } = shopReleases(() => stack);

stackForFile((s) => (stack = s).releaseFirst(), {
  dynamicConfig: ['limit.historyCount.suggestContinueAsNew=300'],
});

describe('analysis on real servers', () => {
  it('a release paused through 60 failed analysis rounds (every 250ms) keeps every run under 900 events, answers status with its whole event list, and completes after resume', async () => {
    // Every round fails (the app fails half its requests) but failureLimit tolerates it: each round
    // is then a history entry, the costliest case, and the release must continue as new.
    const { next } = await start(
      {
        traffic: {
          steps: [10, 100],
          interval: '5s',
          analysis: { every: '250ms', requests: 4, maxErrorRate: 0.05, failureLimit: 1000 },
        },
        decommission: { delay: '1s' },
      },
      { ERROR_RATE: '0.5' },
    );
    const paused = await stack.cli('pause', id, '--reason', 'a long look at the dashboards');
    assert.equal(paused.code, 0, paused.stderr);
    const held = await weights();
    const pausedAt = Date.now();
    // Held until 60 rounds failed across at least three runs (as two minutes at one round a
    // second do), and longer than the 5s step in any case.
    const s = await waitFor(
      '60 failed rounds over three runs',
      async () => {
        const now = await status();
        const count = (type: string) => now.events.filter((e) => e.type === type).length;
        const enough = count('analysis-failed') >= 60 && count('continue-as-new') >= 2;
        return enough && Date.now() - pausedAt > 12_000 ? now : undefined;
      },
      180_000,
      undefined,
      2000,
    );
    assert.deepEqual(await weights(), held, 'weights held while paused');
    assert.equal(s.paused, true);
    assert.deepEqual(
      s.events.slice(0, 2).map((e) => e.type),
      ['started', 'plan'],
      'the first run’s events are still there',
    );
    assert.ok(s.events.some((e) => e.type === 'pause' && e.by === 'tester@ci'));
    const continued = s.events.filter((e) => e.type === 'continue-as-new');
    assert.ok(continued.length >= 2, `continued as new ${continued.length} time(s)`);
    const failed = s.events.filter((e) => e.type === 'analysis-failed').length;
    assert.ok(failed >= 60, `${failed} failed measurements recorded`);
    const rate = s.analysis!.metrics.find((m) => m.name === 'probe.error-rate')!;
    assert.equal(rate.failures, failed, 'the counter survives continue-as-new');
    const runs = await eventsPerRun(stack.client, id);
    assert.ok(runs.length >= 3 && Math.max(...runs) < 900, `events per run: ${runs}`);

    assert.equal((await stack.cli('resume', id)).code, 0);
    const done = await stack.cli('watch', id);
    assert.equal(done.code, 0, done.stdout);
    assert.equal((await weights())[next], 100);
    await recordHistory(stack, 'continued-as-new');
  });
});
