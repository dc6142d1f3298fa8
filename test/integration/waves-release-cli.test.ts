// Wave releases end to end: three records in moto stand for three regions, each with its own
// local processes; the CLI starts one wave release and the tests read Route 53 and the processes.
// Here: the first wave release, then one that moves wave by wave while the old colors stay warm
// and survives its worker being killed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { waitFor } from '../support/processes';
import { recordHistory, type Stack } from '../support/stack';
import { ID, record, regions, targetPhase, waveTestFile, type Region } from '../support/waves';

let stack: Stack;
const { canaryHolding, waveSpec, running, answers, status, start } = waveTestFile((s) => (stack = s));

describe('wave releases on real servers', () => {
  it('a first wave release puts 1.0.0 live in every region; pause and resume on it reach the releasing target', async () => {
    await start(waveSpec('1.0.0', { wait: '0s' }), 'v1.yaml');
    // An operator's pause reaches the target releasing now: wait until there is one.
    await waitFor(
      'us-east to start releasing',
      async () => (targetPhase(await status(), 'us-east') !== 'pending' ? true : undefined),
      30_000,
    );
    const pause = await stack.cli('pause', ID, '--reason', 'look first');
    assert.equal(pause.code, 0, pause.stdout + pause.stderr);
    assert.match(pause.stdout, /pause sent to us-east/);
    const usEast = stack.client.workflow.getHandle('bluegreen-us-east.shop.example.com');
    const paused = (await usEast.query('status')) as ReleaseStatus;
    assert.equal(paused.paused, true);
    assert.deepEqual(paused.wave, { release: ID, wave: 'canary', target: 'us-east' });
    assert.equal(paused.events.find((e) => e.type === 'pause')?.by, 'tester@ci');
    assert.equal((await stack.cli('resume', ID)).code, 0);
    const r = await stack.cli('watch', ID);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const region of regions) {
      assert.deepEqual(await stack.colorWeights(record(region)), { blue: 100, green: 0 }, region);
      assert.deepEqual(await running(region), { blue: '1.0.0', green: undefined }, region);
    }
  });

  it('wave 1 moves only the first record; wave 2 moves the other two together while the old colors stay warm; then every old color goes', async () => {
    await start(waveSpec('2.0.0', { wait: '4s' }), 'v2.yaml');
    // Wave 1 at 100%, wave 2 not started: only us-east moved, and its old color still serves.
    await canaryHolding();
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 0, green: 100 });
    assert.deepEqual(await stack.colorWeights(record('eu-west')), { blue: 100, green: 0 });
    assert.deepEqual(await stack.colorWeights(record('ap-south')), { blue: 100, green: 0 });
    assert.deepEqual(await running('us-east'), { blue: '1.0.0', green: '2.0.0' });
    assert.equal(await answers('us-east', 'blue'), '1.0.0');

    // The worker dies mid-wave (kill -9); a new one picks the wave release up where it was.
    process.kill(-stack.worker!.child.pid!, 'SIGKILL');
    stack.worker = await stack.spawnWorker();

    // Wave 2: both targets release at the same time; us-east's old color still serves meanwhile.
    const both = await waitFor(
      'both targets of wave rest to release',
      async () => {
        const s = await status();
        const phases = (['eu-west', 'ap-south'] as const).map((r) => targetPhase(s, r));
        return phases.every((p) => !['pending', 'never-started'].includes(p)) ? s : undefined;
      },
      60_000,
    );
    assert.ok(both.waves![1].phase === 'releasing' || both.waves![1].phase === 'holding');
    assert.equal(await answers('us-east', 'blue'), '1.0.0');
    assert.deepEqual(await running('us-east'), { blue: '1.0.0', green: '2.0.0' });
    const human = await stack.cli('status', ID);
    assert.match(human.stdout, /wave\s+rest/);
    assert.match(human.stdout, /eu-west\s+\S+\s+eu-west\.shop\.example\.com/);

    const r = await stack.cli('watch', ID);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const region of regions) {
      assert.deepEqual(await stack.colorWeights(record(region)), { blue: 0, green: 100 }, region);
      assert.deepEqual(await running(region), { blue: undefined, green: '2.0.0' }, region);
    }
    const done = await status();
    assert.equal(done.result?.outcome, 'completed');
    assert.deepEqual(
      done.waves!.map((w) => [w.name, w.phase, w.targets.map((t) => [t.name, t.phase, t.weights?.green])]),
      [
        ['canary', 'done', [['us-east', 'completed', 100]]],
        [
          'rest',
          'done',
          [
            ['eu-west', 'completed', 100],
            ['ap-south', 'completed', 100],
          ],
        ],
      ],
    );
    // Both targets of wave rest started before either reached 100%: they ran at the same time.
    const at = (type: string, region: Region) =>
      Date.parse(done.events.find((e) => e.type === type && e.message.startsWith(`${region}:`))!.at);
    const lastStart = Math.max(at('target-started', 'eu-west'), at('target-started', 'ap-south'));
    const firstReady = Math.min(at('target-ready', 'eu-west'), at('target-ready', 'ap-south'));
    assert.ok(lastStart <= firstReady, `started ${lastStart}, first ready ${firstReady}`);
    assert.ok(at('target-ready', 'us-east') < at('target-started', 'eu-west'));
    await recordHistory(stack, 'wave-release', ID);
    await recordHistory(stack, 'wave-target-release', 'bluegreen-us-east.shop.example.com');
  });
});
