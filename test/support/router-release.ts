// What the end-to-end router tests (HAProxy, ALB) share: a release's spec on a router instead of
// Route 53 records, which versions the local provider runs per color, and starting a release that
// is held mid-shift.
import assert from 'node:assert/strict';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import type { Color } from '../../workflows/spec';
import { waitFor } from './processes';
import type { Stack } from './stack';

export interface RouterRelease {
  /** The release's workflow id: `bluegreen-<target key>`. */
  id: string;
  /** Writes the demo app's spec, next version, with `router` instead of `dns`; returns its path. */
  specFile: (overrides?: Record<string, unknown>, router?: object) => Promise<string>;
  /** The version of the last spec written. */
  version: () => string;
  /** The version the local provider runs per color (undefined when the color is down). */
  running: () => Promise<Record<Color, string | undefined>>;
  status: () => Promise<ReleaseStatus>;
  /** Starts a release and waits until the router gives the idle color traffic. */
  startShifting: (overrides: Record<string, unknown>) => Promise<{ live: Color; next: Color; v: string }>;
}

export function routerRelease(
  stack: Stack,
  options: { key: string; router: () => object; weights: () => Promise<Record<Color, number>>; name: string },
): RouterRelease {
  const id = `bluegreen-${options.key}`;
  let version = 0;
  const release: RouterRelease = {
    id,
    version: () => `${version}.0.0`,
    async specFile(overrides = {}, router = options.router()) {
      const v = `${++version}.0.0`;
      const { dns: _dns, ...spec } = (await stack.appSpec(v, { overrides })) as Record<string, unknown>;
      return stack.writeSpec(`${options.name}-v${v}.yaml`, { ...spec, router });
    },
    async running() {
      const spec = (await stack.appSpec('x')) as { environment: never };
      const provider = new LocalProvider(spec.environment, {
        stateDir: stack.stateDir,
        specDir: '/',
        namespace: stack.namespace,
      });
      const out: Record<string, string | undefined> = {};
      for (const color of ['blue', 'green'] as const) {
        const l = await provider.locate({ service: 'shop', color, version: 'x', recordName: options.key });
        out[color] = l.running ? l.version : undefined;
      }
      return out as Record<Color, string | undefined>;
    },
    async status() {
      return JSON.parse((await stack.cli('status', id, '--json')).stdout) as ReleaseStatus;
    },
    async startShifting(overrides) {
      const before = await options.weights();
      const live: Color = before.blue === 100 ? 'blue' : 'green';
      const next: Color = live === 'blue' ? 'green' : 'blue';
      const r = await stack.cli('start', await release.specFile(overrides), '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).id, id);
      await waitFor('first step', async () => ((await options.weights())[next] > 0 ? true : undefined), 60_000);
      return { live, next, v: release.version() };
    },
  };
  return release;
}
