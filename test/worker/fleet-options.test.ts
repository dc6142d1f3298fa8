// The worker's fleet knobs come from the environment (BLUEGREEN_*): each is read as a positive
// number, and a bad value names the variable instead of starting a worker with the SDK's default.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { fleetOptionsFromEnv } from '../../worker/run';

const knobs = [
  'BLUEGREEN_WORKFLOW_THREADS',
  'BLUEGREEN_MAX_CONCURRENT_WORKFLOW_TASKS',
  'BLUEGREEN_MAX_CACHED_WORKFLOWS',
  'BLUEGREEN_MAX_CONCURRENT_ACTIVITIES',
];

describe('fleet options from the environment', () => {
  afterEach(() => {
    for (const k of knobs) delete process.env[k];
  });

  it('reads workflow threads and workflow task slots next to the cache and activity slots', () => {
    process.env.BLUEGREEN_WORKFLOW_THREADS = '2';
    process.env.BLUEGREEN_MAX_CONCURRENT_WORKFLOW_TASKS = '80';
    process.env.BLUEGREEN_MAX_CACHED_WORKFLOWS = '400';
    const o = fleetOptionsFromEnv();
    assert.equal(o.workflowThreads, 2);
    assert.equal(o.maxConcurrentWorkflowTasks, 80);
    assert.equal(o.maxCachedWorkflows, 400);
    assert.equal(o.maxConcurrentActivities, undefined, 'unset: the SDK default');
  });

  it('a value that is not a positive number names its variable', () => {
    process.env.BLUEGREEN_WORKFLOW_THREADS = 'two';
    assert.throws(() => fleetOptionsFromEnv(), /BLUEGREEN_WORKFLOW_THREADS must be a positive number, not "two"/);
  });
});
