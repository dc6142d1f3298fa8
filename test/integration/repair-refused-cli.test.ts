// `bluegreen repair` on real servers when there is nothing to repair, or nothing yet: refused
// (exit 2, the library's typed errors) while a release runs, nothing to do after a Web UI
// cancellation (which rolls back by itself), and a terminated first release undone entirely.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActionRefusedError, connect, NotFoundError } from '../../client';
import { freePort, waitFor } from '../support/processes';
import { ID, RECORD, shopRelease } from '../support/shop-release';
import type { Stack } from '../support/stack';

let stack: Stack;
const { weights, running, status, terminate, startRelease } = shopRelease({ onStack: (s) => (stack = s) });
const temporalCli = (...args: string[]) => stack.temporalCli(...args);

describe('repair on real servers', () => {
  it('repair is refused (exit 2) while a release runs, pointing at abort', async () => {
    const { live } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h' } },
      (s) => s.phase === 'shifting',
    );
    const refused = await stack.cli('repair', RECORD);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /refused: release bluegreen-shop\.example\.com is running \(shifting\).*\n.*bluegreen abort/,
    );
    // The library throws its documented, exported error types for the same refusals.
    const client = await connect({ address: stack.temporal.address, namespace: stack.namespace });
    try {
      await assert.rejects(client.repair(RECORD), (err: Error) => {
        assert.ok(err instanceof ActionRefusedError, `${err.name}: ${err.message}`);
        assert.equal(err.action, 'repair');
        assert.equal(err.releaseId, ID);
        assert.equal(err.exitCode, 2);
        return true;
      });
      await assert.rejects(client.repair('nothing.example.com'), (err: Error) => {
        assert.ok(err instanceof NotFoundError, `${err.name}: ${err.message}`);
        assert.equal(err.kind, 'release');
        assert.equal(err.id, 'bluegreen-nothing.example.com');
        assert.match(err.message, /no release of nothing\.example\.com found/);
        assert.equal(err.exitCode, 2);
        return true;
      });
    } finally {
      await client.close();
    }
    assert.equal((await stack.cli('abort', ID, '--reason', 'test cleanup')).code, 0);
    assert.equal((await stack.cli('watch', ID)).code, 3);
    assert.equal((await weights())[live], 100);
    const none = await stack.cli('repair', 'nothing.example.com');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no release of nothing.example.com found/);
  });

  it('Request Cancellation (what the Web UI sends) rolls back by itself: repair then has nothing to do', async () => {
    const { live, next } = await startRelease(
      { traffic: { steps: [10, 100], interval: '1h' } },
      (_s, w, next) => (w[next] ?? 0) > 0,
    );
    const cancelled = await temporalCli('workflow', 'cancel', '--workflow-id', ID);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal((await stack.cli('watch', ID)).code, 3);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    assert.equal((await running())[next], undefined);
    const r = await stack.cli('repair', RECORD);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /result: completed: nothing to do: the record is as the last release left it/);
  });

  it('terminated first release: repair removes what it created', async () => {
    const ports = { blue: await freePort(), green: await freePort() };
    const base = (await stack.appSpec('1.0.0')) as { environment: object; dns: object };
    const file = stack.writeSpec('fresh.yaml', {
      ...base,
      service: 'fresh',
      environment: { ...base.environment, ports },
      dns: {
        ...base.dns,
        recordName: 'fresh.example.com',
        targets: { blue: 'b.fresh.example.com', green: 'g.fresh.example.com' },
      },
      approval: { beforeTraffic: true },
    });
    const started = await stack.cli('start', file, '--json');
    assert.equal(started.code, 0, started.stderr);
    const id = 'bluegreen-fresh.example.com';
    await waitFor('gate', async () => ((await status(id)).phase === 'awaiting-approval' ? true : undefined), 30_000);
    assert.equal((await running('fresh', ports)).blue, '1.0.0');
    await terminate(id);
    const r = await stack.cli('repair', 'fresh.example.com');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /undo the first release/);
    assert.deepEqual(await running('fresh', ports), { blue: undefined, green: undefined });
    assert.deepEqual(await weights('fresh.example.com'), {});
  });
});
