// What every environment provider must do, whatever platform it drives. Each provider's test file
// runs this suite against real processes: a provider is done when it passes. The truth is read
// around the provider: the endpoint is fetched, and the color's processes are found in /proc by
// a tag the spec hands to everything it starts, so a provider that only remembers what it did
// cannot pass.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import type { ColorInstance, EnvironmentProvider } from '../../../activities/environments';

export interface ColorUnderTest {
  provider: EnvironmentProvider;
  instance: ColorInstance;
  /** The value of CONTRACT_TAG in the environment of everything this color runs. */
  tag: string;
}

export interface EnvironmentUnderTest {
  /**
   * A provider and a color nobody provisioned yet; every process it starts carries CONTRACT_TAG.
   * `slowStart`: provisioning takes many seconds (the app is slow to listen), so a test can
   * cancel it midway.
   */
  fresh: (options?: { slowStart?: boolean }) => Promise<ColorUnderTest>;
  /** Whether `locate` can tell that a color is gone (a command environment cannot ask). */
  locateKnowsRunning: boolean;
}

/** Live processes whose environment holds CONTRACT_TAG=tag. */
export function taggedProcesses(tag: string): number[] {
  const wanted = `CONTRACT_TAG=${tag}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^\S+ \S+ [ZX] /.test(readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/\(.*\)/s, 'x'))) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(wanted)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return pids;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  withinMs = 5000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} (waited ${withinMs} ms)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const quiet = () => undefined;

export function environmentContract(u: EnvironmentUnderTest): void {
  it('provision starts the color: its endpoint answers', async () => {
    const { provider, instance, tag } = await u.fresh();
    try {
      const p = await provider.provision(instance, quiet);
      assert.equal(p.reused, false);
      // A provider may return once the color is started rather than listening (verify waits for health).
      await eventually(`${p.endpoint} does not answer after provision`, () => answers(p.endpoint));
      assert.ok(taggedProcesses(tag).length > 0, 'no process of the color runs');
    } finally {
      await provider.decommission(instance, quiet);
    }
  });

  it('provision twice is one color: same endpoint, no second copy', async () => {
    const { provider, instance, tag } = await u.fresh();
    try {
      const first = await provider.provision(instance, quiet);
      const running = taggedProcesses(tag).length;
      const second = await provider.provision(instance, quiet);
      assert.equal(second.endpoint, first.endpoint);
      await eventually(`${second.endpoint} does not answer`, () => answers(second.endpoint));
      assert.equal(taggedProcesses(tag).length, running, 'a second provision started another copy');
    } finally {
      await provider.decommission(instance, quiet);
    }
  });

  it('locate finds the provisioned color where provision said it answers', async () => {
    const { provider, instance } = await u.fresh();
    try {
      const p = await provider.provision(instance, quiet);
      const where = await provider.locate(instance);
      assert.equal(where.endpoint, p.endpoint);
      assert.equal(where.running, true);
    } finally {
      await provider.decommission(instance, quiet);
    }
  });

  it('decommission takes the color away: nothing answers, nothing of it runs', async () => {
    const { provider, instance, tag } = await u.fresh();
    const p = await provider.provision(instance, quiet);
    await eventually(`${p.endpoint} does not answer after provision`, () => answers(p.endpoint));
    await provider.decommission(instance, quiet);
    await eventually('the color still runs after decommission', () => taggedProcesses(tag).length === 0);
    assert.equal(await answers(p.endpoint), false, `${p.endpoint} still answers after decommission`);
    if (u.locateKnowsRunning) assert.equal((await provider.locate(instance)).running, false);
  });

  it('decommission twice is fine, as is decommissioning a color never provisioned', async () => {
    const { provider, instance, tag } = await u.fresh();
    await provider.decommission(instance, quiet);
    await provider.provision(instance, quiet);
    await provider.decommission(instance, quiet);
    await provider.decommission(instance, quiet);
    assert.deepEqual(taggedProcesses(tag), []);
  });

  it('a cancelled provision leaves nothing running and says it was cancelled', async () => {
    const { provider, instance, tag } = await u.fresh({ slowStart: true });
    const abort = new AbortController();
    const run = provider.provision(instance, quiet, abort.signal);
    // Cancel as soon as the color has begun to start, so there is something to stop (the local
    // provider returns 300 ms after its process starts).
    await eventually('the slow color never started', () => taggedProcesses(tag).length > 0, 5000, 10);
    abort.abort();
    await assert.rejects(run, (err: Error) => err instanceof CancelledFailure && /cancel/.test(err.message));
    await eventually('the cancelled color still runs', () => taggedProcesses(tag).length === 0);
    // What a cancelled provision leaves must not bother the saga's undo either.
    await provider.decommission(instance, quiet);
  });
}
