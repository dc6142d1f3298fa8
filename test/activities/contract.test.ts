// The worker registers exactly the activities contract/activities.ts declares. The compiler
// checks each declared activity's signature against createActivities; what it cannot see is an
// activity added to the implementation (through one of the spread route53 helpers) but never
// declared, which workflows could then not call. The test fake is an object literal typed as
// Activities, so its keys are exactly the declared ones: the two lists must match.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActivities } from '../../activities';
import { FakeWorld } from '../support/fake-world';

describe('the activity contract', () => {
  it('the worker registers every declared activity and nothing else', () => {
    const registered = Object.keys(createActivities({ stateDir: '/tmp/unused' })).sort();
    const declared = Object.keys(new FakeWorld().activities()).sort();
    assert.deepEqual(registered, declared);
  });
});
