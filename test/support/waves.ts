// What the wave release tests share: three records in moto stand for three regions, each with its
// own local processes on its own ports; a wave spec over them, and what each region runs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import { projectRoot } from './binaries';
import { stackForFile } from './file-stack';
import { freePort, waitFor } from './processes';
import type { Stack } from './stack';

export const regions = ['us-east', 'eu-west', 'ap-south'] as const;
export type Region = (typeof regions)[number];
export const record = (r: Region) => `${r}.shop.example.com`;
export const ID = 'bluegreen-waves-shop';

export const targetPhase = (s: ReleaseStatus, name: Region) =>
  s.waves!.flatMap((w) => w.targets).find((t) => t.name === name)!.phase;

/**
 * The stack of a wave release test file (started in before(), handed to `use`, stopped in after())
 * and the helpers its tests share. Every region gets its two ports; with `twoLive`, 1.0.0 and then
 * 2.0.0 are released everywhere (green live, blue gone) before the first test, where the later
 * tests start from.
 */
export function waveTestFile(use: (stack: Stack) => void, options: { twoLive?: boolean } = {}) {
  let current: Stack;
  const stack = () => current;
  const ports = {} as Record<Region, { blue: number; green: number }>;

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
      { stateDir: stack().stateDir, specDir: '/', namespace: stack().namespace },
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

  /** The status `bluegreen status --json` prints, read in-process (tests poll it). */
  function status(): Promise<ReleaseStatus> {
    return stack().status(ID);
  }

  async function start(spec: object, name: string): Promise<void> {
    const r = await stack().cli('start', stack().writeSpec(name, spec), '--json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).id, ID);
  }

  /** Until wave canary's only target, us-east, is at 100% and holds (its old color warm). */
  const canaryHolding = () =>
    waitFor(
      'wave canary to hold',
      async () => (targetPhase(await status(), 'us-east') === 'holding' ? true : undefined),
      60_000,
    );

  /** Quick wave releases (every region in one wave, one step, no warm old color). */
  async function releaseOneThenTwo(): Promise<void> {
    for (const version of ['1.0.0', '2.0.0']) {
      const quick = {
        ...waveSpec(version),
        traffic: { steps: [100], interval: '1s', analysis: { requests: 2, every: '500ms' } },
        decommission: { delay: '0s' },
        waves: [{ name: 'all', targets: regions.map((r) => target(r)) }],
      };
      await start(quick, `setup-v${version}.yaml`);
      const r = await stack().cli('watch', ID);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
    for (const region of regions) {
      assert.deepEqual(await stack().colorWeights(record(region)), { blue: 0, green: 100 }, region);
      assert.deepEqual(await running(region), { blue: undefined, green: '2.0.0' }, region);
    }
  }

  stackForFile(async (started) => {
    current = started;
    use(started);
    for (const r of regions) ports[r] = { blue: await freePort(), green: await freePort() };
    if (options.twoLive) await releaseOneThenTwo();
  });
  return { canaryHolding, ports, waveSpec, running, answers, status, start };
}
