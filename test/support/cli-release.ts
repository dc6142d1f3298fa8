// What the CLI tests of the demo app's releases share: the status `bluegreen status --json`
// prints (read in-process: tests poll it, and a CLI process per poll was the suite's largest CPU bill), Route 53's weights, and starting the next version on the idle color.
import assert from 'node:assert/strict';
import type { Phase, ReleaseStatus } from '../../workflows/messages';
import { waitFor } from './processes';
import type { Stack } from './stack';

/** The workflow id of the demo app's releases (record shop.example.com). */
const shopReleaseId = 'bluegreen-shop.example.com';

/**
 * Releases of the demo app driven through the CLI. `stack` is read at each call: a test file
 * starts its stack in before(), after these helpers are made.
 */
export function shopReleases(stack: () => Stack, id = shopReleaseId) {
  let version = 0;
  const weights = () => stack().colorWeights();
  return {
    weights,
    /** The status `bluegreen status --json` prints, read in-process (tests poll it). */
    status: (): Promise<ReleaseStatus> => stack().status(id),
    /** Starts version n.0.0 (n counts this file's releases) and waits until the idle color has traffic. */
    async start(overrides: Record<string, unknown>, env?: Record<string, string>) {
      const before = await weights();
      const next = before.blue === 100 ? 'green' : 'blue';
      const file = stack().writeSpec(`v${++version}.yaml`, await stack().appSpec(`${version}.0.0`, { overrides, env }));
      const r = await stack().cli('start', file, '--json');
      assert.equal(r.code, 0, r.stderr);
      await waitFor('first step', async () => (((await weights())[next] ?? 0) > 0 ? true : undefined), 30_000);
      return { live: next === 'green' ? 'blue' : 'green', next } as const;
    },
  };
}

/** Asks `status` until the release is in `phase`; returns that status. */
export function untilPhase(
  what: string,
  status: () => Promise<ReleaseStatus>,
  phase: Phase,
  timeoutMs: number,
): Promise<ReleaseStatus> {
  return waitFor(
    what,
    async () => {
      const s = await status();
      return s.phase === phase ? s : undefined;
    },
    timeoutMs,
  );
}
