// Every operator action in every phase: which take effect and which are refused, and why.
// OperatorControl.refusal is pure over the release status, so a stub status covers the table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OperatorControl } from '../../workflows/operator';
import { operatorActions, phases, type OperatorAction, type Phase, type ReleaseStatus } from '../../workflows/messages';
import type { ReleaseTracker } from '../../workflows/tracker';

function control(
  phase: Phase,
  extra: Partial<ReleaseStatus> = {},
  state: Partial<Pick<OperatorControl, 'paused' | 'promoteRequested'>> = {},
): OperatorControl {
  const tracker = { status: { phase, weights: { blue: 90, green: 10 }, ...extra } } as unknown as ReleaseTracker;
  return Object.assign(new OperatorControl(tracker), state);
}

const payloads: Record<OperatorAction, object> = {
  pause: {},
  resume: {},
  abort: { reason: 'r' },
  approve: {},
  promote: {},
};

// Expected verdict per phase for a release that is not paused and has no approval pending.
const allowed: Record<OperatorAction, Phase[]> = {
  pause: [
    'scheduled',
    'provisioning',
    'verifying',
    'awaiting-approval',
    'waiting-for-window',
    'shifting',
    'baking',
    'frozen',
  ],
  resume: [],
  abort: [
    'scheduled',
    'provisioning',
    'verifying',
    'awaiting-approval',
    'waiting-for-window',
    'shifting',
    'baking',
    'frozen',
  ],
  approve: [],
  promote: ['provisioning', 'verifying', 'shifting', 'waiting-for-window', 'frozen'],
};

describe('operator rules', () => {
  for (const action of operatorActions) {
    it(`${action}: allowed exactly in ${allowed[action].join(', ') || 'no phase without its precondition'}`, () => {
      for (const phase of phases) {
        const refusal = control(phase).refusal(action, payloads[action]);
        if (allowed[action].includes(phase)) assert.equal(refusal, null, `${action} in ${phase}: ${refusal}`);
        else assert.match(refusal ?? '', new RegExp(`^cannot ${action}: `), `${action} in ${phase} should be refused`);
      }
    });
  }

  it('resume needs a paused release; pause refuses a second time', () => {
    assert.equal(control('shifting', {}, { paused: true }).refusal('resume', {}), null);
    assert.match(control('shifting', {}, { paused: true }).refusal('pause', {})!, /already paused/);
  });

  it('approve needs a pending gate', () => {
    assert.equal(control('awaiting-approval', { pendingApproval: 'beforeTraffic' }).refusal('approve', {}), null);
    assert.match(control('awaiting-approval').refusal('approve', {})!, /no approval is pending/);
  });

  it('abort after the old color starts going away is refused with what to do instead', () => {
    assert.match(control('decommissioning').refusal('abort', { reason: 'x' })!, /release again to go back/);
  });

  it('promote twice is refused', () => {
    assert.match(control('shifting', {}, { promoteRequested: true }).refusal('promote', {})!, /already requested/);
  });

  it('payloads must be JSON objects with string fields', () => {
    assert.match(control('shifting').refusal('pause', 'now')!, /must be a JSON object/);
    assert.match(control('shifting').refusal('pause', [1])!, /must be a JSON object/);
    assert.match(control('shifting').refusal('approve', { note: 5 })!, /"note" must be a string/);
    assert.match(control('shifting').refusal('abort', { reason: '  ' })!, /a reason is required/);
    assert.equal(control('shifting').refusal('pause', null), null);
  });
});

describe('what a pause says about the weights', () => {
  /** A pause through the same path a signal or update takes; returns the message it answered. */
  function pause(inFlight?: { blue: number; green: number }): string {
    const events: string[] = [];
    const tracker = {
      status: { phase: 'shifting', weights: { blue: 100, green: 0 } },
      event: (_type: string, message: string) => events.push(message),
    } as unknown as ReleaseTracker;
    const c = new OperatorControl(tracker);
    c.shiftInFlight = inFlight;
    const receive = (c as unknown as { receive: (a: OperatorAction, p: unknown, via: string) => { message: string } })
      .receive;
    const outcome = receive.call(c, 'pause', { reason: 'look' }, 'update');
    assert.equal(events.at(-1), outcome.message, 'the event says what the answer says');
    return outcome.message;
  }

  it('between shifts: the weights stay where they are', () => {
    assert.equal(pause(), 'paused: look; weights stay at blue 100% / green 0%');
  });

  it('during a shift already sent: it says the shift lands, not that the old weights stay', () => {
    const message = pause({ blue: 90, green: 10 });
    assert.doesNotMatch(message, /stay at blue 100%/);
    assert.match(message, /the shift already sent \(blue 90% \/ green 10%\) completes, then the weights stay there/);
  });
});
