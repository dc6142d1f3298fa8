// The zero-downtime acceptance numbers, from `npm run bench -- downtime`'s own measurement: a real
// HAProxy on the real local stack, a steady 30 requests/s through its frontend, a full release
// (old color decommissioned) and an aborted one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureDowntime } from '../../scripts/bench-downtime';

describe('zero downtime through HAProxy, measured', () => {
  it('a full and an aborted release lose no request; the old color has ≥ 97 % within 1 s of abort', async () => {
    const n = await measureDowntime({ rate: 30 });
    console.log(JSON.stringify(n));
    assert.ok(n.full.sent > 100, `a steady stream during the full release: ${n.full.sent} sent`);
    assert.equal(n.full.failed, 0, n.full.failures.join(', '));
    assert.ok(n.aborted.sent > 50, `a steady stream during the aborted release: ${n.aborted.sent} sent`);
    assert.equal(n.aborted.failed, 0, n.aborted.failures.join(', '));
    assert.ok(n.aborted.liveShareFirstSecond >= 0.97, `old color's share: ${n.aborted.liveShareFirstSecond}`);
    assert.ok(n.aborted.switchMs !== undefined, 'the old color got 99 % of the requests back');
  });
});
