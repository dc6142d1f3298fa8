// Replays recorded histories of each release path (first release, success, analysis breach,
// health-check failure, a smoke test (verify.command) passing and failing, operator actions, a Request Cancellation (the Web UI's cancel) mid-shift, scheduling, repairs; the older ones from before analysis
// windows, which take the patched-out analyzeColor loop; a paused inconclusive analysis; a run
// continued as new from a checkpoint in a hold; runs continued as new after a flood of signals, from
// a freeze, a closed change window and a pending approval; releases through an HAProxy router; a wave release) against today's workflow code: a change that would break running
// releases fails here. Re-record with `RECORD_HISTORIES=1 npm test -- dist/test/integration/`.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { projectRoot } from '../support/binaries';
import { workflowBundle } from '../support/temporal';

Runtime.install({ logger: new DefaultLogger('WARN') });

const dir = path.join(projectRoot, 'test', 'histories');

/** Histories recorded under another id than the record's release id (a wave release's targets). */
const recordedUnder: Record<string, string> = {
  'wave-target-release.json': 'bluegreen-us-east.shop.example.com',
  'wave-target-rollback.json': 'bluegreen-us-east.shop.example.com',
  'batched-abort-undo-signal.json': 'bluegreen-svc-420.example.com',
};

describe('replay of recorded histories', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has a history for every release path', () => {
    for (const name of [
      'first-release',
      'second-release',
      'analysis-breach',
      'health-check-failure',
      'pause-resume',
      'abort-mid-shift',
      'cancel-request-mid-shift',
      'approval-gate',
      'promote',
      'delayed-start',
      'version-from',
      'version-from-no-op',
      'window-closed-abort',
      'repair-mid-shift',
      'repair-warm-period',
      'repair-mid-shift-v2',
      'repair-warm-period-v2',
      'analysis-inconclusive-pause',
      'continued-as-new',
      'rollback-stopped',
      'haproxy-release',
      'haproxy-abort-mid-shift',
      'haproxy-repair',
      'smoke-test-release',
      'smoke-test-failure',
      'continued-frozen-abort',
      'continued-window-abort',
      'continued-awaiting-decommission',
      'detached-notifier-release',
      'detached-notifier',
      'route53-health-checks-first-release',
      'route53-health-checks-second-release',
      'route53-health-checks-abort',
      'route53-health-checks-repair',
      'wave-release',
      'wave-release-rollback',
      'wave-release-halt',
      'wave-target-release',
      'wave-target-rollback',
      'batched-abort-undo-signal',
    ])
      assert.ok(files.includes(`${name}.json`), `missing ${name}.json`);
  });
  for (const file of files) {
    it(`replays ${file} deterministically`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      // Recorded under the record's release id (recordHistory): the notifier's child id is derived from it.
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle() },
        history,
        recordedUnder[file] ?? 'bluegreen-shop.example.com',
      );
    });
  }
});
