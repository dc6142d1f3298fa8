// Wave releases end to end: three records in moto stand for three regions, each with its own
// local processes; the CLI starts one wave release and the tests read Route 53 and the processes.
// Here, from 2.0.0 live everywhere: a breach in wave 2, or the wave release terminated, rolls the
// regions back to their old color, still serving the old version.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordHistory, type Stack } from '../support/stack';
import { ID, record, regions, targetPhase, waveTestFile } from '../support/waves';

let stack: Stack;
const { canaryHolding, waveSpec, running, answers, status, start } = waveTestFile((s) => (stack = s), {
  twoLive: true,
});

describe('wave releases on real servers', () => {
  it('a breach in a wave-2 region rolls every region back to its old color, still serving the old version', async () => {
    await start(waveSpec('3.0.0', { broken: 'eu-west' }), 'v3.yaml');
    const r = await stack.cli('watch', ID);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /rolled back every target: eu-west failed: .*analysis breach/);
    for (const region of regions) {
      assert.deepEqual(await stack.colorWeights(record(region)), { blue: 0, green: 100 }, region);
      assert.deepEqual(await running(region), { blue: undefined, green: '2.0.0' }, region);
      assert.equal(await answers(region, 'green'), '2.0.0');
    }
    await recordHistory(stack, 'wave-release-rollback', ID);
    await recordHistory(stack, 'wave-target-rollback', 'bluegreen-us-east.shop.example.com');
  });

  it('terminating the wave release cancels its targets, and each rolls itself back', async () => {
    await start(waveSpec('3.5.0', { wait: '60s' }), 'v3.5.yaml');
    await canaryHolding();
    await stack.client.workflow.getHandle(ID).terminate('operator pressed Terminate');
    const usEast = stack.client.workflow.getHandle('bluegreen-us-east.shop.example.com');
    await assert.rejects(usEast.result());
    assert.deepEqual(await stack.colorWeights(record('us-east')), { blue: 0, green: 100 });
    assert.deepEqual(await running('us-east'), { blue: undefined, green: '2.0.0' });
    const s = await status();
    assert.equal(s.result?.outcome, 'failed');
    assert.match(s.result!.reason, /the wave release was terminated during baking; its targets were cancelled/);
    assert.equal(targetPhase(s, 'us-east'), 'holding');
  });
});
