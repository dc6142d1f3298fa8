// Wave releases end to end: three records in moto stand for three regions, each with its own
// local processes; the CLI starts one wave release and the tests read Route 53 and the processes.
// Here, from 2.0.0 live everywhere: a single release of a record inside a running wave release is
// refused while its holding target continues as new under a signal flood; abort puts it back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { projectRoot } from '../support/binaries';
import { untilPhase } from '../support/cli-release';
import { waitFor } from '../support/processes';
import type { Stack } from '../support/stack';
import { ID, record, targetPhase, waveTestFile } from '../support/waves';

let stack: Stack;
const { ports, waveSpec, running, status, start } = waveTestFile((s) => (stack = s), { twoLive: true });

describe('wave releases on real servers', () => {
  it('a single release of a record inside a running wave release is refused', async () => {
    await start(waveSpec('2.5.0', { approval: true, wait: '0s' }), 'v2.5.yaml');
    const waiting = await untilPhase('wave rest to wait for approval', status, 'awaiting-approval', 60_000);
    assert.equal(targetPhase(waiting, 'us-east'), 'holding');
    assert.equal(waiting.pendingApproval, 'beforeTraffic');
    assert.deepEqual(
      waiting.waves!.map((w) => w.phase),
      ['holding', 'awaiting-approval'],
    );
    // A flood of large signals to the holding target continues it as new; it goes on holding.
    const usEast = stack.client.workflow.getHandle('bluegreen-us-east.shop.example.com');
    const firstRun = (await usEast.describe()).runId;
    // 100 kB at a time until the run changes (about 11 past the 1 MiB budget; more if a busy
    // server is slow to hand the run its signals).
    let sent = 0;
    await waitFor(
      'the holding target to continue as new',
      async () => {
        if ((await usEast.describe()).runId !== firstRun) return true;
        if (sent++ < 60) await usEast.signal('flood', { note: 'x'.repeat(100_000) });
        return undefined;
      },
      60_000,
    );
    await waitFor(
      'the new run to hold',
      async () => (((await usEast.query('status')) as ReleaseStatus).phase === 'baking' ? true : undefined),
      30_000,
    );
    assert.equal(targetPhase(await status(), 'us-east'), 'holding');
    // Nothing is releasing (us-east holds): pause has nobody to reach.
    const pause = await stack.cli('pause', ID);
    assert.equal(pause.code, 2, pause.stdout + pause.stderr);
    assert.match(pause.stderr, /cannot pause: no target is releasing now/);
    const single = await stack.appSpec('2.5.1', {
      overrides: {
        environment: {
          provider: 'local',
          command: ['node', path.join(projectRoot, 'examples', 'app', 'server.js')],
          ports: ports['us-east'],
        },
        dns: {
          provider: 'route53',
          zoneName: 'example.com',
          recordName: record('us-east'),
          ttl: 1,
          targets: { blue: `blue.${record('us-east')}`, green: `green.${record('us-east')}` },
        },
      },
    });
    const r = await stack.cli('start', stack.writeSpec('single.yaml', single));
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /already running: bluegreen-us-east\.shop\.example\.com/);
    // Aborting the wave release puts us-east back: the old color (still warm) takes the traffic again.
    const abort = await stack.cli('abort', ID, '--reason', 'not today');
    assert.equal(abort.code, 0, abort.stdout + abort.stderr);
    const w = await stack.cli('watch', ID);
    assert.equal(w.code, 3, w.stdout + w.stderr);
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 0, green: 100 });
    assert.deepEqual(await running('us-east'), { blue: undefined, green: '2.0.0' });
    const s = await status();
    assert.deepEqual(
      s.waves!.map((x) => x.phase),
      ['rolled-back', 'skipped'],
    );
  });
});
