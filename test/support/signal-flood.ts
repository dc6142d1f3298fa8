// What the signal flood tests share: a dev server with small history limits, so that a flood of
// large signals is well past them, and starting a release with what floods and drives it.
import assert from 'node:assert/strict';
import {
  pauseSignal,
  updatesByAction,
  type ActionOutcome,
  type OperatorAction,
  type ReleaseStatus,
} from '../../workflows/messages';
import { waitFor } from './processes';
import type { Stack } from './stack';

export const MiB = 1024 * 1024;
// Far below the defaults (4 MiB suggested, 50 MiB terminates) so the test stays short: the 50 MiB
// below would have the server terminate a run that never continued as new five times over.
const SUGGEST_AT = 2 * MiB;
export const TERMINATE_AT = 6 * MiB;

/** The stack options of a signal flood test file: the dev server's small history limits. */
export const floodStackOptions = {
  dynamicConfig: [
    `limit.historySize.suggestContinueAsNew=${SUGGEST_AT}`,
    `limit.historySize.warn=${SUGGEST_AT}`,
    `limit.historySize.error=${TERMINATE_AT}`,
  ],
};

/** `startRelease(version, overrides, env)`; `stack` is read at each call (a file starts its stack
 * in before()). */
export function floodedReleases(stack: () => Stack) {
  return startRelease;

  /** Starts a release of `version` with spec overrides and returns what drives it. */
  async function startRelease(version: string, overrides: Record<string, unknown>, env?: Record<string, string>) {
    const file = stack().writeSpec(`${version}.yaml`, await stack().appSpec(version, { overrides, env }));
    const started = await stack().cli('start', file, '--json');
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as { id: string };
    const handle = stack().client.workflow.getHandle(id);
    const status = () => handle.query<ReleaseStatus>('status');
    const until = (what: string, ok: (s: ReleaseStatus) => boolean) =>
      waitFor(what, async () => (ok(await status()) ? true : undefined), 30_000);
    /** An operator action as the CLI sends it (an update), without starting a CLI process each time. */
    const act = async (action: OperatorAction, payload: { reason?: string; by?: string } = {}) => {
      const outcome = await handle.executeUpdate<ActionOutcome, [object]>(updatesByAction[action].name, {
        args: [{ by: 'tester@ci', ...payload }],
      });
      assert.ok(outcome.accepted, `${action}: ${outcome.message}`);
    };
    const refusals = (st: ReleaseStatus) =>
      st.events.filter((e) => e.type === 'rejected' && /"reason" is \d+ characters; at most 1000/.test(e.message));
    const reason = 'x'.repeat(MiB);
    let sent = 0;
    /** Sends `count` pause signals of 1 MB, paced as from the Web UI (the next once the release has
     * answered the last, with a refusal in its status), checking the status after every fifth. */
    async function flood(where: string, count: number, expect: (s: ReleaseStatus) => void): Promise<number> {
      const t0 = Date.now();
      for (let i = 1; i <= count; i++) {
        await handle.signal(pauseSignal, { reason, by: 'web-ui' });
        sent++;
        await until(`signal ${sent} answered`, (st) => refusals(st).length === sent);
        if (i % 5 === 0 || i === count) {
          const st = await status();
          expect(st);
          const inRoute53 = await stack().colorWeights();
          assert.deepEqual(
            { blue: inRoute53.blue ?? 0, green: inRoute53.green ?? 0 },
            st.weights,
            `Route 53 and the status agree (${where}, after ${i})`,
          );
        }
      }
      return Date.now() - t0;
    }
    const continued = async () => (await status()).events.filter((e) => e.type === 'continue-as-new').length;
    return { id, handle, status, until, act, flood, refusals, continued, sent: () => sent };
  }
}
