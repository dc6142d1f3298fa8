// `status` while Route 53 refuses changes for a while, on real servers: Route 53 is moto behind
// the fault proxy, colors are real processes, the CLI runs as an operator runs it. `status` shows
// the call Temporal is retrying, its attempt and last error, and Route 53 now; once the outage
// ends the retry line goes away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseStatus } from '../../workflows/messages';
import { waitFor } from '../support/processes';
import { ID, shopRelease } from '../support/shop-release';
import type { Stack } from '../support/stack';

let stack: Stack;
const { weights, status, startRelease } = shopRelease({ proxy: true, onStack: (s) => (stack = s) });

describe('rollback and status when Route 53 fails', () => {
  /** The activities that write Route 53 weights: batched for the zone, or one release's own call. */
  const CHANGES = /^(route53SubmitBatch|route53ChangeWeights)$/;

  it('status --json shows the call Temporal is retrying, its attempt and last error, and Route 53 now', async () => {
    // Four refusals: attempts 1-4 fail over about 15 s (1 s, 2 s, 4 s, 8 s apart), the fifth lands:
    // long enough for a loaded machine to read status twice inside the outage.
    stack.proxy!.inject('ChangeResourceRecordSets', { kind: 'error', code: 'Throttling' }, 4);
    const { live, next } = await startRelease({ traffic: { steps: [10, 100], interval: '1h' } }, () => true);
    let last: ReleaseStatus | undefined;
    const seen = await waitFor(
      'status to show the retrying change',
      async () => {
        last = await status();
        return last.retrying?.find((r) => CHANGES.test(r.activity) && r.attempt >= 2) ? last : undefined;
      },
      30_000,
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}\nlast status: ${JSON.stringify(last, null, 1)}\nproxy: ${JSON.stringify(stack.proxy!.hits)}`,
      );
    });
    const r = seen.retrying!.find((c) => CHANGES.test(c.activity))!;
    assert.match(r.call, /changing the weights in Route 53|changing Route 53 weights/);
    assert.match(r.lastError, /Throttling/);
    // Batched (the zone's batcher makes the change for this release and others), or the release's own call.
    if (r.activity === 'route53SubmitBatch') assert.match(r.batcher ?? '', /-route53-/);
    else assert.equal(r.maxAttempts, 8);
    assert.ok(Date.parse(r.since) <= Date.now() && Date.now() - Date.parse(r.since) < 60_000, r.since);
    assert.deepEqual(seen.route53Now?.weights, { [live]: 100, [next]: 0 }, 'the router as it is now');
    const text = await stack.cli('status', ID);
    assert.match(
      text.stdout,
      /retry {3}(changing the weights in Route 53|changing Route 53 weights).*: attempt \d+( of \d+)?, since .*last error: .*Throttling/,
    );

    // The outage ends: the shift lands and the retry line goes away.
    await waitFor('the shift to land', async () => ((await weights())[next] === 10 ? true : undefined), 60_000);
    const calm = await waitFor(
      'the release to confirm the shift',
      async () => {
        const s = await status();
        return s.weights[next] === 10 ? s : undefined;
      },
      30_000,
    );
    assert.equal(calm.retrying, undefined, 'nothing is retrying any more');
    assert.equal(calm.route53Now, undefined, 'and status reads Route 53 only while something retries');
    assert.equal((await stack.cli('abort', ID, '--reason', 'test cleanup')).code, 0);
    assert.equal((await stack.cli('watch', ID)).code, 3);
  });
});
