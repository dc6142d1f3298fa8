// Wave releases end to end: three records in moto stand for three regions, each with its own
// local processes; the CLI starts one wave release and the tests read Route 53 and the processes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import { projectRoot } from '../support/binaries';
import { freePort, waitFor } from '../support/processes';
import { connect } from '../../client/library/client';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
const regions = ['us-east', 'eu-west', 'ap-south'] as const;
type Region = (typeof regions)[number];
const ports = {} as Record<Region, { blue: number; green: number }>;
const record = (r: Region) => `${r}.shop.example.com`;
const ID = 'bluegreen-waves-shop';

before(async () => {
  stack = await startStack();
  for (const r of regions) ports[r] = { blue: await freePort(), green: await freePort() };
});
after(async () => {
  await stack?.stop();
});

const target = (r: Region, env: Record<string, string> = {}) => ({
  name: r,
  dns: { recordName: record(r), targets: { blue: `blue.${record(r)}`, green: `green.${record(r)}` } },
  environment: { ports: ports[r], env },
});

/** A wave spec: us-east alone first, then the other two; `broken` fails its analysis. */
function waveSpec(
  version: string,
  opts: { broken?: Region; onWaveFailure?: string; wait?: string; approval?: boolean } = {},
) {
  const env = (r: Region): Record<string, string> => (r === opts.broken ? { ERROR_RATE: '0.5' } : {});
  return {
    service: 'shop',
    version,
    environment: {
      provider: 'local',
      command: ['node', path.join(projectRoot, 'examples', 'app', 'server.js')],
      stopGracePeriod: '2s',
    },
    dns: { provider: 'route53', zoneName: 'example.com', ttl: 1 },
    verify: { http: { attempts: 10, interval: '200ms', timeout: '1s' } },
    traffic: { steps: [50, 100], interval: '1s', analysis: { requests: 20, maxErrorRate: 0.05, every: '500ms' } },
    decommission: { delay: '2s' },
    ...(opts.onWaveFailure ? { onWaveFailure: opts.onWaveFailure } : {}),
    waves: [
      { name: 'canary', targets: [target('us-east', env('us-east'))] },
      {
        name: 'rest',
        wait: opts.wait ?? '1s',
        ...(opts.approval ? { approval: true } : {}),
        targets: [target('eu-west', env('eu-west')), target('ap-south', env('ap-south'))],
      },
    ],
  };
}

/** Which version each color of a region runs now (undefined: not running). */
async function running(r: Region): Promise<Record<'blue' | 'green', string | undefined>> {
  const provider = new LocalProvider(
    { provider: 'local', command: ['node'], ports: ports[r], stopGracePeriod: '2s' },
    { stateDir: stack.stateDir, specDir: '/', namespace: stack.namespace },
  );
  const out = { blue: undefined, green: undefined } as Record<'blue' | 'green', string | undefined>;
  for (const color of ['blue', 'green'] as const) {
    const l = await provider.locate({ service: 'shop', color, version: 'x', recordName: record(r) });
    out[color] = l.running ? l.version : undefined;
  }
  return out;
}

/** What the old color of a region answers on its own port: it still serves its version. */
async function answers(r: Region, color: 'blue' | 'green'): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${ports[r][color]}/`).catch(() => undefined);
  return res?.ok ? ((await res.json()) as { version: string }).version : undefined;
}

async function status(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', ID, '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

async function start(spec: object, name: string): Promise<void> {
  const r = await stack.cli('start', stack.writeSpec(name, spec), '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.stdout).id, ID);
}

const targetPhase = (s: ReleaseStatus, name: Region) =>
  s.waves!.flatMap((w) => w.targets).find((t) => t.name === name)!.phase;

describe('wave releases on real servers', () => {
  it('a first wave release puts 1.0.0 live in every region; pause and resume on it reach the releasing target', async () => {
    await start(waveSpec('1.0.0', { wait: '0s' }), 'v1.yaml');
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
    await waitFor(
      'wave canary to hold',
      async () => (targetPhase(await status(), 'us-east') === 'holding' ? true : undefined),
      60_000,
    );
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

  it('a single release of a record inside a running wave release is refused', async () => {
    await start(waveSpec('2.5.0', { approval: true, wait: '0s' }), 'v2.5.yaml');
    const waiting = await waitFor(
      'wave rest to wait for approval',
      async () => {
        const s = await status();
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      60_000,
    );
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

  it('a breach in a wave-2 region rolls every region back to its old color, still serving the old version', async () => {
    await start(waveSpec('3.0.0', { broken: 'eu-west' }), 'v3.yaml');
    const r = await stack.cli('watch', ID);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /rolled back every target: eu-west failed: .*analysis breach/);
    for (const region of regions) {
      assert.deepEqual(await stack.colorWeights(record(region)), { blue: 0, green: 100 }, region);
      assert.deepEqual(await running(region), { blue: undefined, green: '2.0.0' }, region);
      assert.equal(await answers(region, 'green'), '2.0.0');
    }
    await recordHistory(stack, 'wave-release-rollback', ID);
    await recordHistory(stack, 'wave-target-rollback', 'bluegreen-us-east.shop.example.com');
  });

  it('terminating the wave release cancels its targets, and each rolls itself back', async () => {
    await start(waveSpec('3.5.0', { wait: '60s' }), 'v3.5.yaml');
    await waitFor(
      'wave canary to hold',
      async () => (targetPhase(await status(), 'us-east') === 'holding' ? true : undefined),
      60_000,
    );
    await stack.client.workflow.getHandle(ID).terminate('operator pressed Terminate');
    const usEast = stack.client.workflow.getHandle('bluegreen-us-east.shop.example.com');
    await assert.rejects(usEast.result());
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 0, green: 100 });
    assert.deepEqual(await running('us-east'), { blue: undefined, green: '2.0.0' });
    const s = await status();
    assert.equal(s.result?.outcome, 'failed');
    assert.match(s.result!.reason, /the wave release was terminated during baking; its targets were cancelled/);
    assert.equal(targetPhase(s, 'us-east'), 'holding');
  });

  it('with halt, wave 1 keeps the new version and the failing wave goes back (through the library, with an approval)', async () => {
    const bg = await connect({
      address: stack.temporal.address,
      namespace: stack.namespace,
      taskQueue: 'bluegreen-it',
    });
    try {
      const release = await bg.start(
        waveSpec('4.0.0', { broken: 'eu-west', onWaveFailure: 'halt', approval: true }) as never,
      );
      assert.equal(release.id, ID);
      await waitFor('the approval', async () => ((await release.status()).pendingApproval ? true : undefined), 60_000);
      assert.match(await release.approve('canary looks fine'), /approved wave rest/);
      const result = await release.result();
      assert.equal(result.outcome, 'rolled-back');
      const s = await release.status();
      const usEast = s.waves![0].targets[0];
      assert.equal(usEast.phase, 'completed');
      assert.deepEqual(usEast.weights, { blue: 100, green: 0 });
      assert.equal(usEast.newColor, 'blue');
      assert.deepEqual(
        s.waves!.map((w) => w.phase),
        ['completed', 'rolled-back'],
      );
    } finally {
      await bg.close();
    }
    const r = await stack.cli('watch', ID);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /halted: eu-west failed: .*; us-east keeps 4\.0\.0; .*eu-west.* rolled back to the old version/,
    );
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 100, green: 0 });
    assert.deepEqual(await running('us-east'), { blue: '4.0.0', green: undefined });
    for (const region of ['eu-west', 'ap-south'] as const) {
      assert.deepEqual(await stack.colorWeights(record(region)), { blue: 0, green: 100 }, region);
      assert.deepEqual(await running(region), { blue: undefined, green: '2.0.0' }, region);
    }
    await recordHistory(stack, 'wave-release-halt', ID);
  });

  it('a target terminated mid-wave fails the wave release; repair of the wave release repairs that target', async () => {
    await start(waveSpec('5.0.0', { wait: '60s' }), 'v5.yaml');
    await waitFor(
      'wave canary to hold',
      async () => (targetPhase(await status(), 'us-east') === 'holding' ? true : undefined),
      60_000,
    );
    await stack.client.workflow.getHandle('bluegreen-us-east.shop.example.com').terminate('lost host');
    const w = await stack.cli('watch', ID);
    assert.equal(w.code, 4, w.stdout + w.stderr);
    const s = await status();
    assert.match(s.result!.needsHuman![0], /us-east: .*`bluegreen repair bluegreen-waves-shop` repairs it/);
    // us-east had 5.0.0 at 100% on green with blue (4.0.0) warm: the repair finishes it.
    assert.deepEqual(await running('us-east'), { blue: '4.0.0', green: '5.0.0' });
    const r = await stack.cli('repair', ID);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /repairing us-east\.shop\.example\.com \(bluegreen-us-east\.shop\.example\.com\)/);
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 0, green: 100 });
    assert.deepEqual(await running('us-east'), { blue: undefined, green: '5.0.0' });
    const again = await stack.cli('repair', ID);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /no target needs a repair/);
  });
});
