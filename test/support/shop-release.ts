// Reading and driving the stack's demo app (the shop) from integration tests: its weights in
// moto, which version each color runs, what a color serves, its status through the CLI, and a
// release started to the point a test wants to interfere. Shared by the repair and rollback
// (saga) test files, which each keep their own stack and version counter.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { LocalProvider } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import { waitFor } from './processes';
import { startReceiver, type Receiver } from './receiver';
import { stackForFile } from './file-stack';
import type { Stack } from './stack';

export type Color = 'blue' | 'green';
export const RECORD = 'shop.example.com';
export const ID = 'bluegreen-shop.example.com';

export interface LiveShopOptions {
  /** Route 53 behind the fault proxy (stack.proxy). */
  proxy?: boolean;
  /** Hands the file its stack once started (in before()). */
  onStack: (stack: Stack) => void;
  /** Starts a local HTTP receiver too, handed over before the stack starts. */
  onReceiver?: (rx: Receiver) => void;
  /** Whether the demo app goes live before the tests (stack.releaseFirst); default true. */
  live?: boolean;
}

/** Gives the calling test file a stack (the demo app live unless `live: false`) before its tests; stops it after them. */
export function liveShopStack(options: LiveShopOptions): void {
  let rx: Receiver | undefined;
  // Hooks run in the order they are made: the receiver starts before the stack and closes after it.
  if (options.onReceiver) before(async () => options.onReceiver!((rx = await startReceiver())));
  stackForFile(
    async (stack) => {
      options.onStack(stack);
      if (options.live ?? true) await stack.releaseFirst();
    },
    { proxy: options.proxy },
  );
  after(async () => {
    await rx?.close();
  });
}

/**
 * Gives the calling test file a live stack (liveShopStack) and helpers bound to it. `nextVersion`
 * bumps the file's version counter and returns the new number (an own counter when not given).
 */
export function shopRelease(options: LiveShopOptions & { nextVersion?: () => number }) {
  let stack: Stack;
  let version = 0;
  liveShopStack({ ...options, onStack: (s) => options.onStack((stack = s)) });
  const getStack = () => stack;
  const nextVersion = options.nextVersion ?? (() => ++version);

  const weights = (record = RECORD) => getStack().colorWeights(record);

  async function environment(): Promise<{ ports: Record<Color, number> }> {
    return ((await getStack().appSpec('x')) as { environment: { ports: Record<Color, number> } }).environment;
  }

  /** Which version each color of a service runs (undefined: no process). */
  async function running(service = 'shop', ports?: Record<Color, number>): Promise<Record<Color, string | undefined>> {
    const stack = getStack();
    const env = { ...(await environment()), ...(ports ? { ports } : {}) };
    const provider = new LocalProvider(env as never, {
      stateDir: stack.stateDir,
      specDir: '/',
      namespace: stack.namespace,
    });
    const out = {} as Record<Color, string | undefined>;
    // The local provider keys processes by record: each service here releases <service>.example.com.
    const recordName = `${service}.example.com`;
    for (const color of ['blue', 'green'] as const) {
      const l = await provider.locate({ service, color, version: 'x', recordName });
      out[color] = l.running ? l.version : undefined;
    }
    return out;
  }

  /** What the color answers on its port right now. */
  async function serves(color: Color): Promise<{ color: string; version: string }> {
    const res = await fetch(`http://127.0.0.1:${(await environment()).ports[color]}/`, {
      signal: AbortSignal.timeout(2000),
    });
    return (await res.json()) as { color: string; version: string };
  }

  /** The status `bluegreen status --json` prints, read in-process (tests poll it). */
  function status(id = ID): Promise<ReleaseStatus> {
    return getStack().status(id);
  }

  /** What the Web UI's "Terminate" does: ends the run with no workflow code run. */
  async function terminate(id = ID): Promise<void> {
    const r = await getStack().temporalCli(
      'workflow',
      'terminate',
      '--workflow-id',
      id,
      '--reason',
      'clicked Terminate in the UI',
    );
    assert.equal(r.code, 0, r.stderr);
  }

  /** Starts a release of the next version; resolves once `ready` holds (polled with status and weights). */
  async function startRelease(
    overrides: Record<string, unknown>,
    ready: (s: ReleaseStatus, w: { blue?: number; green?: number }, next: Color) => boolean,
    extra: { env?: Record<string, string> } = {},
  ): Promise<{ live: Color; next: Color; version: string }> {
    const stack = getStack();
    const before = await weights();
    const live: Color = before.blue === 100 ? 'blue' : 'green';
    const next: Color = live === 'blue' ? 'green' : 'blue';
    const n = nextVersion();
    const v = `${n}.0.0`;
    const file = stack.writeSpec(`v${n}.yaml`, await stack.appSpec(v, { ...extra, overrides }));
    const r = await stack.cli('start', file, '--json');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(
      'the moment to interfere',
      async () => (ready(await status(), await weights(), next) ? true : undefined),
      60_000,
    );
    return { live, next, version: v };
  }

  return { weights, environment, running, serves, status, terminate, startRelease };
}
