// Guards found by reading the code: the /proc scan off Linux, and the record name in a
// visibility query.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { findMarkedProcesses } from '../../activities/environments/local/processes';

describe('activity guards', () => {
  it('without /proc the local provider refuses plainly (permanent), instead of a raw ENOENT', () => {
    const noProc = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-noproc-'));
    assert.throws(
      () => findMarkedProcesses('marker', noProc),
      (err: Error) =>
        err.name === 'EnvironmentMisconfigured' &&
        /runs? the worker on Linux|use the command provider/.test(err.message),
    );
    assert.ok(Array.isArray(findMarkedProcesses('no-such-marker')), 'on Linux it scans /proc');
  });

  it('liveVersion never lets a record name rewrite the visibility query', async () => {
    const queries: string[] = [];
    const temporal = {
      workflow: {
        list: ({ query }: { query: string }) => {
          queries.push(query);
          return (async function* () {})();
        },
      },
    } as unknown as Client;
    const act = createActivities({ stateDir: os.tmpdir(), temporal });
    assert.equal(await act.liveVersion('shop.example.com'), null);
    assert.match(queries[0], /BlueGreenRecord = "shop\.example\.com\." AND ExecutionStatus = "Completed"$/);
    await assert.rejects(act.liveVersion('x" OR WorkflowType = "release'), /contains a quote/);
    await assert.rejects(act.liveVersion('x\\'), /backslash/);
    assert.equal(queries.length, 1, 'nothing was queried for hostile names');
  });

  it('colorHosts never lets a record name rewrite the visibility query', async () => {
    const queries: string[] = [];
    const temporal = {
      workflow: {
        list: ({ query }: { query: string }) => {
          queries.push(query);
          return (async function* () {})();
        },
      },
    } as unknown as Client;
    const act = createActivities({ stateDir: os.tmpdir(), temporal, hostQueue: 'bluegreen-host-a' });
    assert.deepEqual(await act.colorHosts('shop.example.com'), { owners: {}, here: 'bluegreen-host-a' });
    assert.match(queries[0], /BlueGreenRecord = "shop\.example\.com\." AND ExecutionStatus != "Running"$/);
    await assert.rejects(act.colorHosts('x" OR WorkflowType = "release'), /contains a quote/);
    await assert.rejects(act.colorHosts('x\\'), /backslash/);
    assert.equal(queries.length, 1, 'nothing was queried for hostile names');
  });

  it('liveVersion reads the newest completed releases of a record, not its whole history', async () => {
    // 500 completed releases, newest first (visibility's order for closed runs).
    let pulled = 0;
    const temporal = {
      workflow: {
        list: () =>
          (async function* () {
            for (let i = 500; i > 0; i--) {
              pulled++;
              yield {
                type: 'release',
                closeTime: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
                memo: {},
                typedSearchAttributes: { get: () => `${i}.0.0` },
              };
            }
          })(),
      },
    } as unknown as Client;
    const act = createActivities({ stateDir: os.tmpdir(), temporal });
    assert.equal(await act.liveVersion('shop.example.com'), '500.0.0');
    assert.ok(pulled <= 10, `read ${pulled} releases to find the newest`);
  });
});
