// Wave releases end to end: three records in moto stand for three regions, each with its own
// local processes; the CLI starts one wave release and the tests read Route 53 and the processes.
// Here, from 2.0.0 live everywhere: with onWaveFailure halt, wave 1 keeps the new version (through
// the library); a target terminated mid-wave fails the wave release, and repair repairs it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect } from '../../client/library/client';
import { waitFor } from '../support/processes';
import { recordHistory, type Stack } from '../support/stack';
import { ID, record, waveTestFile } from '../support/waves';

let stack: Stack;
const { canaryHolding, waveSpec, running, status, start } = waveTestFile((s) => (stack = s), { twoLive: true });

describe('wave releases on real servers', () => {
  it('with halt, wave 1 keeps the new version and the failing wave goes back (through the library, with an approval)', async () => {
    const bg = await connect({
      address: stack.temporal.address,
      namespace: stack.namespace,
      taskQueue: 'bluegreen-it',
    });
    try {
      const release = await bg.start(
        waveSpec('4.0.0', { broken: 'eu-west', onWaveFailure: 'halt', approval: true }) as never,
      );
      assert.equal(release.id, ID);
      await waitFor('the approval', async () => ((await release.status()).pendingApproval ? true : undefined), 60_000);
      assert.match(await release.approve('canary looks fine'), /approved wave rest/);
      const result = await release.result();
      assert.equal(result.outcome, 'rolled-back');
      const s = await release.status();
      const usEast = s.waves![0].targets[0];
      assert.equal(usEast.phase, 'completed');
      assert.deepEqual(usEast.weights, { blue: 100, green: 0 });
      assert.equal(usEast.newColor, 'blue');
      assert.deepEqual(
        s.waves!.map((w) => w.phase),
        ['completed', 'rolled-back'],
      );
    } finally {
      await bg.close();
    }
    const r = await stack.cli('watch', ID);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /halted: eu-west failed: .*; us-east keeps 4\.0\.0; .*eu-west.* rolled back to the old version/,
    );
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 100, green: 0 });
    assert.deepEqual(await running('us-east'), { blue: '4.0.0', green: undefined });
    for (const region of ['eu-west', 'ap-south'] as const) {
      assert.deepEqual(await stack.colorWeights(record(region)), { blue: 0, green: 100 }, region);
      assert.deepEqual(await running(region), { blue: undefined, green: '2.0.0' }, region);
    }
    await recordHistory(stack, 'wave-release-halt', ID);
  });

  it('a target terminated mid-wave fails the wave release; repair of the wave release repairs that target', async () => {
    await start(waveSpec('5.0.0', { wait: '60s' }), 'v5.yaml');
    await canaryHolding();
    await stack.client.workflow.getHandle('bluegreen-us-east.shop.example.com').terminate('lost host');
    const w = await stack.cli('watch', ID);
    assert.equal(w.code, 4, w.stdout + w.stderr);
    const s = await status();
    assert.match(s.result!.needsHuman![0], /us-east: .*`bluegreen repair bluegreen-waves-shop` repairs it/);
    // us-east had 5.0.0 at 100% on green with blue (4.0.0) warm: the repair finishes it.
    assert.deepEqual(await running('us-east'), { blue: '4.0.0', green: '5.0.0' });
    const r = await stack.cli('repair', ID);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /repairing us-east\.shop\.example\.com \(bluegreen-us-east\.shop\.example\.com\)/);
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 0, green: 100 });
    assert.deepEqual(await running('us-east'), { blue: undefined, green: '5.0.0' });
    const again = await stack.cli('repair', ID);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /no target needs a repair/);
  });
});
