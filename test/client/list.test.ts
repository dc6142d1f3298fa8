// `bluegreen list` asks Temporal for one page of exactly what it prints, not the default 1,000.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Temporal } from '../../client/connect';
import { listReleases } from '../../client/releases';

function fakeTemporal(total: number, asked: { pageSize?: number; taken: number }): Temporal {
  const rows = Array.from({ length: total }, (_, i) => ({
    workflowId: `bluegreen-svc-${i}.example.com`,
    runId: `run-${i}`,
    typedSearchAttributes: { get: () => undefined },
    status: { name: 'COMPLETED' },
    startTime: new Date(0),
    executionTime: new Date(0),
  }));
  const list = (options: { pageSize?: number }) => {
    asked.pageSize = options.pageSize;
    return (async function* () {
      for (const r of rows) {
        asked.taken++;
        yield r;
      }
    })();
  };
  return { client: { workflow: { list } }, namespace: 'default' } as unknown as Temporal;
}

describe('list', () => {
  it('asks for a page of the limit and stops there', async () => {
    const asked = { pageSize: undefined as number | undefined, taken: 0 };
    const rows = await listReleases(fakeTemporal(500, asked), {});
    assert.equal(rows.length, 50);
    assert.equal(asked.pageSize, 50);
    assert.equal(asked.taken, 50);
    const asked2 = { pageSize: undefined as number | undefined, taken: 0 };
    await listReleases(fakeTemporal(500, asked2), { limit: 7 });
    assert.equal(asked2.pageSize, 7);
  });
});
