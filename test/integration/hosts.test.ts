// Several workers, local provider: two workers with distinct host identities (and state folders,
// as two hosts would have) share one task queue. A color's provision and decommission must run
// on the host that runs its process; with that host's worker gone, the release waits for it,
// saying so in its status, and completes when it is back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalProvider, stopLocalProcesses } from '../../activities/environments/local/provider';
import type { ReleaseStatus } from '../../workflows/messages';
import type { Started } from '../support/processes';
import { waitFor } from '../support/processes';
import { recordHistory, startStack, type Stack } from '../support/stack';

let stack: Stack;
const hosts = ['host-a', 'host-b'] as const;
type Host = (typeof hosts)[number];
const stateDirs = {} as Record<Host, string>;
const workers = {} as Record<Host, Started | undefined>;

const startHost = async (host: Host) => {
  workers[host] = await stack.spawnWorker({ BLUEGREEN_HOST_ID: host, BLUEGREEN_STATE_DIR: stateDirs[host] });
};

before(async () => {
  stack = await startStack({ noWorker: true });
  for (const host of hosts) stateDirs[host] = path.join(stack.stateDir, '..', host);
  await Promise.all(hosts.map(startHost));
});
after(async () => {
  await Promise.all(hosts.map((h) => workers[h]?.stop()));
  for (const host of hosts) await stopLocalProcesses(stateDirs[host], 2000);
  await stack?.stop();
});

/** The version each color runs as seen from one host (its state folder scopes the process markers). */
async function runningOn(host: Host): Promise<{ blue?: string; green?: string }> {
  const spec = (await stack.appSpec('x')) as { environment: never };
  const provider = new LocalProvider(spec.environment, {
    stateDir: stateDirs[host],
    specDir: '/',
    namespace: stack.namespace,
  });
  const out: { blue?: string; green?: string } = {};
  for (const color of ['blue', 'green'] as const) {
    // Processes are keyed by namespace and record, as the release keyed them.
    const l = await provider.locate({ service: 'shop', color, version: 'x', recordName: 'shop.example.com' });
    if (l.running) out[color] = l.version;
  }
  return out;
}

async function release(version: string): Promise<ReleaseStatus> {
  const file = stack.writeSpec(`shop-${version}.yaml`, await stack.appSpec(version));
  const r = await stack.cli('start', file, '--watch');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return statusOf();
}

async function statusOf(): Promise<ReleaseStatus> {
  const r = await stack.cli('status', 'bluegreen-shop.example.com', '--json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReleaseStatus;
}

const ownerIn = (s: ReleaseStatus): Host => {
  const note = s.events.find((e) => e.type === 'host')?.message ?? '';
  const host = hosts.find((h) => note.includes(`-host-${h}`));
  assert.ok(host, `no host event in ${JSON.stringify(s.events)}`);
  return host;
};

describe('several workers, local provider', () => {
  let owner: Host;
  let other: Host;

  it('provision and decommission run on the host that owns the process, release after release', async () => {
    const first = await release('1.0.0');
    owner = ownerIn(first);
    other = owner === 'host-a' ? 'host-b' : 'host-a';
    assert.deepEqual(await runningOn(owner), { blue: '1.0.0' });
    assert.deepEqual(await runningOn(other), {});

    // Each later release provisions on the owner and decommissions the old color there too: a
    // decommission on the other host would find nothing and leave the old process running.
    await release('2.0.0');
    assert.deepEqual(await runningOn(owner), { green: '2.0.0' });
    await recordHistory(stack, 'pinned-local-release');
    const third = await release('3.0.0');
    assert.deepEqual(await runningOn(owner), { blue: '3.0.0' });
    assert.deepEqual(await runningOn(other), {});
    const hostEvents = third.events.filter((e) => e.type === 'host').map((e) => e.message);
    assert.ok(hostEvents.length >= 2, JSON.stringify(hostEvents));
    for (const m of hostEvents) assert.match(m, new RegExp(`-host-${owner}\\b`));
  });

  it("with the owner's worker gone the release waits, visibly, and completes once it is back", async () => {
    await workers[owner]!.stop();
    workers[owner] = undefined;
    const file = stack.writeSpec('shop-4.yaml', await stack.appSpec('4.0.0'));
    assert.equal((await stack.cli('start', file)).code, 0);
    const waiting = await waitFor(
      'the release to wait for its host',
      async () => {
        const s = await stack.status();
        return s.events.some((e) => e.type === 'host' && e.message.includes(`-host-${owner}`)) ? s : undefined;
      },
      30_000,
    );
    assert.equal(waiting.phase, 'provisioning');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await statusOf()).phase, 'provisioning', 'nothing ran on the other host meanwhile');
    assert.deepEqual(await runningOn(other), {});

    await startHost(owner);
    const r = await stack.cli('watch', 'bluegreen-shop.example.com');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(await runningOn(owner), { green: '4.0.0' });
  });
});
