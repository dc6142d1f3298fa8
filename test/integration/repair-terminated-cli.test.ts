// `bluegreen repair` on real servers: a release terminated mid-shift the way the Web UI
// terminates it (`temporal workflow terminate`), then repaired with the CLI. Asserts what status,
// watch and list say of it, weights in Route 53 (moto), processes up or gone, the old color still
// serving, a second repair doing nothing, and the next release completing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { ID, RECORD, shopRelease } from '../support/shop-release';
import { recordHistory, type Stack } from '../support/stack';

let stack: Stack;
let version = 0;
const { weights, running, serves, status, terminate, startRelease } = shopRelease({
  onStack: (s) => (stack = s),
  nextVersion: () => ++version,
});

describe('repair on real servers', () => {
  it('terminated mid-shift: status names repair; repair restores the old color; a second repair does nothing; the next release completes', async () => {
    const {
      live,
      next,
      version: v,
    } = await startRelease({ traffic: { steps: [10, 50, 100], interval: '1h' } }, (_s, w, next) => (w[next] ?? 0) > 0);
    assert.deepEqual(await weights(), { [live]: 90, [next]: 10 });
    await terminate();

    // status: says it was terminated, shows Route 53 now, names the repair and what it would do.
    const text = await stack.cli('status', ID);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /shifting — TERMINATED, no rollback ran/);
    assert.match(text.stdout, /ended\s+terminated .*clicked Terminate in the UI/);
    assert.match(
      text.stdout,
      new RegExp(`route53 .*${live === 'blue' ? 'blue 90% / green 10%' : 'blue 10% / green 90%'}\\s+now`),
    );
    assert.match(text.stdout, /repair\s+bluegreen repair shop\.example\.com/);
    assert.match(text.stdout, new RegExp(`it would roll back: ${live} to 100 %, decommission the new color ${next}`));
    const json = await status();
    assert.equal(json.ended?.how, 'terminated');
    assert.deepEqual(json.route53Now?.weights, { [live]: 90, [next]: 10 });
    assert.equal(json.result?.outcome, 'failed');
    // watch of a terminated release ends (needs a human) instead of waiting forever.
    assert.equal((await stack.cli('watch', ID)).code, 4);
    const listed = await stack.cli('list');
    assert.match(listed.stdout, /TERMINATED: no rollback ran; run `bluegreen repair shop\.example\.com`/);
    assert.equal((await running())[next], v, 'the half-released color still runs before the repair');

    const repaired = await stack.cli('repair', RECORD);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /found\s+run \w+ was terminated during shifting/);
    assert.match(repaired.stdout, /decommissioned\s+stopped/);
    assert.match(repaired.stdout, /result: completed: repaired: roll back/);
    assert.deepEqual(await weights(), { [live]: 100, [next]: 0 });
    const up = await running();
    assert.equal(up[next], undefined, 'the new color is gone');
    assert.ok(up[live], 'the old color still runs');
    assert.equal((await serves(live)).color, live, 'and still serves');
    const act = createActivities({ stateDir: stack.stateDir, temporal: stack.client });
    assert.equal(
      await act.liveVersion(RECORD),
      `${version - 1}.0.0`,
      'a repair that rolled back leaves the version before live',
    );
    // The -v2 recordings have the repair-notifies patch; repair-mid-shift.json (before it) stays as it was.
    await recordHistory(stack, 'repair-mid-shift-v2');

    const again = await stack.cli('repair', ID);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /result: completed: nothing to do/);
    assert.doesNotMatch(again.stdout, /shifted/);
    assert.match((await stack.cli('list')).stdout, /TERMINATED, repaired since/);

    const nextRelease = await stack.cli(
      'start',
      stack.writeSpec(`v${++version}.yaml`, await stack.appSpec(`${version}.0.0`)),
      '--watch',
    );
    assert.equal(nextRelease.code, 0, nextRelease.stdout + nextRelease.stderr);
    assert.deepEqual(await weights(), { [live]: 0, [next]: 100 });
    assert.deepEqual(await running(), { [live]: undefined, [next]: `${version}.0.0` });
  });
});
