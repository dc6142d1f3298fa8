// One blue-green release, as durable steps. Read it top to bottom as the release plan:
// find the live color, provision the idle one, verify it, shift traffic step by step while
// judging it, keep the old color warm, decommission it. Every step that changes the world
// first registers how to undo it; any failure, breach, abort or approval timeout unwinds them.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ColorRequest } from '../activities';
import { AnalysisLoop, type AnalysisState } from './analysis';
import { legacyAnalysisWatcher } from './analysis-legacy';
import type { Checkpoint } from './checkpoint';
import { formatDuration } from './duration';
import { describeError } from './errors';
import { statusQuery, type Outcome, type ReleaseInput, type ReleaseResult } from './messages';
import { OperatorControl, RollbackReason } from './operator';
import { describePlan, detectLiveColor, planRelease, weightsFor, type PlannedStep, type ReleasePlan } from './plan';
import type { Color, HookName, ResolvedSpec } from './spec';
import { activitiesFor } from './activity-options';
import { describeWindow, nextWindowOpening } from './window';
import { ReleaseTracker } from './tracker';
import { Notifier } from './notifier';
import { payloadFrom } from './notifications';

interface Compensation {
  what: string;
  undo: () => Promise<unknown>;
}

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  // A run continued from a long hold (see continueFrom) resumes at its checkpoint.
  const { specDir, checkpoint: resumed } = input;
  // A recurring release learns its version when the run starts (step 0 below).
  let spec: ResolvedSpec = resumed?.spec ?? { ...input.spec, version: input.spec.version ?? '' };
  const tracker = new ReleaseTracker(input);
  const operator = new OperatorControl(tracker);
  operator.restore(resumed?.operator);
  setHandler(statusQuery, () => tracker.status, { description: 'The release as `bluegreen status --json` shows it.' });
  operator.register();
  const notifier = new Notifier({ notify: input.spec.notify ?? [], hooks: input.spec.hooks }, tracker);

  const act = activitiesFor(spec, (type, message) => tracker.event(type, message));
  const color = (c: Color): ColorRequest => ({
    environment: spec.environment,
    specDir,
    service: spec.service,
    color: c,
    version: spec.version,
    recordName: spec.dns.recordName,
  });
  const compensations: Compensation[] = [];
  const releaseScope = new CancellationScope();
  operator.onAbort = () => releaseScope.cancel();

  let liveColor: Color | null = resumed?.liveColor ?? null;
  let newColor: Color = resumed?.newColor ?? 'blue';
  let alreadyLive = false;
  // A continued run resumes inside a hold: traffic has moved.
  let trafficMoved = resumed !== undefined;
  const undoProvision = (): Compensation => ({
    what: `decommission ${newColor}`,
    undo: () => act.undo.decommissionColor(color(newColor)),
  });
  const undoTraffic = (previousLive: Color | null): Compensation =>
    previousLive
      ? {
          what: `restore ${previousLive} to 100%`,
          undo: () => act.undo.shiftTraffic(spec.dns, weightsFor(previousLive, 100)),
        }
      : { what: 'remove the records of this first release', undo: () => act.undo.removeTraffic(spec.dns) };

  try {
    await releaseScope.run(async () => {
      let plan: ReleasePlan;
      let endpoint: string;
      if (resumed) {
        // Continued from a checkpoint: provisioned, verified and shifted up to the hold it stopped in.
        plan = planRelease(spec, newColor, liveColor === null);
        endpoint = resumed.endpoint;
        compensations.unshift(undoTraffic(liveColor), undoProvision());
      } else {
        // 0. A recurring release reads its version; one that already serves is a no-op.
        if (input.spec.versionFrom) {
          spec = { ...spec, version: await act.lookup.resolveVersion(input.spec.versionFrom, specDir) };
          tracker.version(spec.version);
          alreadyLive = (await act.lookup.liveVersion(spec.dns.recordName)) === spec.version;
        }

        // 1. Find which color is live.
        const observed = await act.dns.readTraffic(spec.dns);
        const live = detectLiveColor(observed);
        ({ liveColor, newColor } = live);
        tracker.colors(liveColor, newColor, observed);
        if (live.warning) tracker.event('warning', live.warning);
        if (alreadyLive) return;
        plan = planRelease(spec, newColor, liveColor === null);
        tracker.status.step = { index: 0, total: plan.steps.length };
        tracker.event(
          'started',
          `releasing ${spec.version} on ${newColor}${liveColor ? ` (${liveColor} is live)` : ''}`,
        );
        tracker.event(
          'plan',
          [
            liveColor
              ? `${liveColor} is live; releasing ${spec.version} on ${newColor}`
              : `first release: ${spec.version} on ${newColor}`,
            ...describePlan(plan),
          ].join('\n'),
        );

        // 2. Provision the idle color.
        tracker.phase('provisioning', `provisioning ${newColor} with ${spec.version}`);
        compensations.unshift(undoProvision());
        const provisioned = await act.env.provisionColor(color(newColor));
        endpoint = provisioned.endpoint;
        tracker.event('provisioned', provisioned.detail);

        // 3. Verify it before it gets any traffic.
        tracker.phase('verifying', `health-checking ${provisioned.endpoint}${spec.verify.http.path}`);
        const health = await act.probe.checkHealth(provisioned.endpoint, spec.verify.http);
        if (!health.healthy)
          throw new RollbackReason(
            `health check of ${newColor} failed after ${health.attempts} attempts: ${health.last}`,
          );
        tracker.event('verified', `${newColor} is healthy (${health.last} after ${health.attempts} attempt(s))`);
        if (plan.gates.beforeTraffic)
          await operator.awaitApproval('beforeTraffic', plan.approvalTimeoutMs, spec.approval.onTimeout);
        await passGates('beforeTraffic');
      }

      // 4. Shift traffic in steps, judging the new color during every step.
      if (!resumed) compensations.unshift(undoTraffic(liveColor));
      const analysis = patched('analysis-watch')
        ? new AnalysisLoop(
            act.analysis.watchAnalysis,
            spec,
            { newColor, liveColor, endpoint },
            tracker,
            operator,
            resumed?.analysis,
          )
        : legacyAnalysisWatcher(act.probe, tracker, operator, spec, endpoint);
      const resumeAt = resumed?.hold;
      const targetOf = (step: PlannedStep) => (operator.promoteRequested ? plan.steps[plan.steps.length - 1] : step);
      for (const step of plan.steps) {
        // Steps a previous run finished are done; the one it stopped in goes on holding.
        if (resumeAt && (resumeAt.step === 'warm' || step.index < resumeAt.step)) continue;
        let target: PlannedStep = step;
        const resuming = resumeAt?.step === step.index;
        if (!resuming) {
          await operator.unpaused();
          await windowOpen(`shift ${newColor} to ${operator.promoteRequested ? 100 : step.percent}%`);
          await orFreeze(() => passGates('beforeStep', targetOf(step).percent));
          target = targetOf(step);
          tracker.phase(
            'shifting',
            `step ${target.index}/${plan.steps.length}: ${newColor} to ${target.percent}%${operator.promoteRequested ? ' (promoted)' : ''}`,
          );
          const shifted = await act.dns.shiftTraffic(spec.dns, target.weights);
          trafficMoved = true;
          tracker.weights(target.weights, { index: target.index, total: plan.steps.length });
          tracker.event(
            'shifted',
            `blue ${target.weights.blue}% / green ${target.weights.green}% in sync (${shifted.polls} GetChange poll(s))`,
          );
          if (target.percent === 100) break;
        }
        const held = await orFreeze(() =>
          analysis.hold(
            `step ${target.index}`,
            resuming ? resumeAt.remainingMs : target.waitMs,
            `shift ${newColor} to ${plan.steps[target.index].percent}%`,
            { step: target.index, percent: target.percent },
            true,
          ),
        );
        if (held !== 'promoted' && held.outcome === 'continue')
          return continueFrom({ step: target.index, remainingMs: held.remainingMs }, endpoint, analysis.state());
        if (held === 'promoted' || held.outcome === 'promoted')
          tracker.event('promote', 'skipping the remaining steps');
      }

      // 5. Keep the old color warm, still judging the new one, then get approval to tear it down.
      if (liveColor !== null) {
        const resumingWarm = resumeAt?.step === 'warm';
        if (!resumingWarm)
          tracker.phase(
            'baking',
            `${newColor} serves 100%; keeping ${liveColor} warm for ${formatDuration(plan.bakeMs)}`,
          );
        const warm = await orFreeze(() =>
          analysis.hold(
            'warm period',
            resumingWarm ? resumeAt.remainingMs : plan.bakeMs,
            `decommission ${liveColor}`,
            { step: plan.steps.length, percent: 100 },
            false,
          ),
        );
        if (warm !== 'promoted' && warm.outcome === 'continue')
          return continueFrom({ step: 'warm', remainingMs: warm.remainingMs }, endpoint, analysis.state());
        if (plan.gates.beforeDecommission)
          await operator.awaitApproval('beforeDecommission', plan.approvalTimeoutMs, spec.approval.onTimeout);
      }
    });
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const reason = isCancellation(err) ? (operator.abortReason ?? 'the workflow was cancelled') : describeError(err);
    tracker.phase('rolling-back', `rolling back: ${reason}`);
    tracker.next(compensations.map((c) => c.what).join(', then '));
    const needsHuman = await CancellationScope.nonCancellable(() => runCompensations(compensations, tracker));
    // With a failed undo nobody knows for sure which color serves: report none as live.
    return finish(
      tracker,
      needsHuman.length ? 'failed' : 'rolled-back',
      reason,
      needsHuman,
      needsHuman.length ? null : liveColor,
      settle,
    );
  }

  if (alreadyLive) {
    return finish(
      tracker,
      'completed',
      `no-op: ${spec.version} (from versionFrom) is already live on ${liveColor ?? 'no color'}`,
      [],
      liveColor,
      settle,
    );
  }

  // 6. Decommission the old color. Past this point there is nothing to roll back to.
  if (liveColor !== null) {
    const oldColor: Color = liveColor;
    tracker.phase('decommissioning', `decommissioning ${oldColor}`);
    tracker.next(`decommission ${oldColor}`);
    try {
      const done = await CancellationScope.nonCancellable(() => act.env.decommissionColor(color(oldColor)));
      tracker.event('decommissioned', done.detail);
    } catch (err) {
      const problem = `${oldColor} could not be decommissioned: ${describeError(err)}; stop it by hand (traffic is already on ${newColor})`;
      return finish(
        tracker,
        'failed',
        `released ${spec.version} on ${newColor}, but the old color is still up`,
        [problem],
        newColor,
        settle,
      );
    }
  }
  return finish(tracker, 'completed', `${spec.version} serves 100% on ${newColor}`, [], newColor, settle);

  /** Last words of every outcome: the afterRelease gates of a completed release, then the queued
   * notifications. Today both are handed to the notifier workflow and the run closes at once, so
   * neither a dead sink nor a dead gate holds the record; runs from before it ask the gates and
   * deliver (or give up) before closing. */
  async function settle(outcome: Outcome): Promise<void> {
    if (outcome === 'completed') {
      if (notifier.handsOverGates) notifier.askAfterRelease(input.spec.hooks?.afterRelease ?? []);
      else await CancellationScope.nonCancellable(() => passGates('afterRelease'));
    }
    await notifier.drain();
  }

  /** Asks every gate of a hook in turn; a "no" rolls back (or freezes), except after the release. */
  async function passGates(hook: HookName, percent?: number): Promise<void> {
    const gates = input.spec.hooks?.[hook] ?? [];
    for (const [i, gate] of gates.entries()) {
      const about = percent !== undefined ? `before ${tracker.status.newColor} goes to ${percent}%` : hook;
      const at = new Date().toISOString();
      const payload = { ...payloadFrom(tracker.status, workflowInfo().runId, 'gate', about, at), gate: hook, percent };
      const verdict = await act.gates(gate).askGate({ gate, field: `hooks.${hook}[${i}]`, payload });
      if (verdict.passed) {
        tracker.event('gate', verdict.message);
      } else if (hook === 'afterRelease') {
        tracker.event('gate-failed', verdict.message);
      } else {
        throw new RollbackReason(verdict.message);
      }
    }
  }

  /**
   * With `onFailure: freeze`, a failed check after traffic moved neither rolls back nor goes on:
   * the weights stay, the release pauses as `frozen`, and the operator decides. `resume` runs the
   * check again from the same step, `promote` goes on to 100%, `abort` rolls back.
   */
  async function orFreeze<T>(check: () => Promise<T>): Promise<T | 'promoted'> {
    for (;;) {
      try {
        return await check();
      } catch (err) {
        if (!(err instanceof RollbackReason) || (input.spec.onFailure ?? 'rollback') !== 'freeze' || !trafficMoved)
          throw err;
        await operator.freeze(err.message);
        if (operator.promoteRequested) return 'promoted';
      }
    }
  }

  /** Outside the change window, waits on a durable timer until it opens; weights never change outside it. */
  async function windowOpen(nextAction: string): Promise<void> {
    if (!spec.window) return;
    for (
      let opens = nextWindowOpening(Date.now(), spec.window);
      opens !== null;
      opens = nextWindowOpening(Date.now(), spec.window)
    ) {
      const previous = tracker.status.phase;
      tracker.phase(
        'waiting-for-window',
        `window ${describeWindow(spec.window)} is closed; it opens at ${new Date(opens).toISOString()}`,
      );
      tracker.next(`${nextAction} when the window opens`, opens);
      await sleep(opens - Date.now());
      tracker.phase(previous, 'window open');
    }
  }

  /**
   * Ends this run and continues the release as a new one with the same state: a hold that
   * lasts days keeps each run's history small. Handlers finish first, so no signal or update
   * sent to this run is lost; later ones reach the new run.
   */
  async function continueFrom(hold: Checkpoint['hold'], endpoint: string, analysis: AnalysisState): Promise<never> {
    const run = (resumed?.run ?? 1) + 1;
    tracker.event(
      'continue-as-new',
      `run ${run - 1} has ${workflowInfo().historyLength} history events; the release goes on as run ${run}, ${hold.step === 'warm' ? 'in the warm period' : `at step ${hold.step}`} with ${formatDuration(hold.remainingMs)} of it left`,
    );
    // Queued notifications go out from this run; every handler finishes, so nothing sent is lost.
    await notifier.drain();
    await condition(allHandlersFinished);
    const checkpoint: Checkpoint = {
      spec,
      liveColor,
      newColor,
      endpoint,
      hold,
      status: tracker.status,
      operator: operator.snapshot(),
      analysis,
      run,
    };
    const next = makeContinueAsNewFunc<typeof release>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
    return next({ spec: input.spec, specDir, requestedBy: input.requestedBy, checkpoint });
  }
}

async function runCompensations(compensations: Compensation[], tracker: ReleaseTracker): Promise<string[]> {
  const needsHuman: string[] = [];
  for (const c of compensations) {
    try {
      await c.undo();
      tracker.event('compensated', c.what);
    } catch (err) {
      const problem = `${c.what} failed: ${describeError(err)}`;
      needsHuman.push(problem);
      tracker.event('compensation-failed', problem);
    }
  }
  return needsHuman;
}

/** Records how the release ended. Rolled back and failed releases end as failed workflows so
 * the Web UI and lists flag them; the result rides along as the failure's details for the CLI. */
async function finish(
  tracker: ReleaseTracker,
  outcome: Outcome,
  reason: string,
  needsHuman: string[],
  liveColor: Color | null,
  settle: (outcome: Outcome) => Promise<void>,
): Promise<ReleaseResult> {
  const s = tracker.status;
  if (outcome === 'rolled-back') s.weights = liveColor ? weightsFor(liveColor, 100) : { blue: 0, green: 0 };
  const result: ReleaseResult = { outcome, reason, liveColor, weights: s.weights };
  if (needsHuman.length) result.needsHuman = needsHuman;
  s.result = result;
  tracker.next(undefined);
  tracker.phase(outcome, needsHuman.length ? `needs a human: ${needsHuman.join('; ')}` : reason);
  await settle(outcome);
  if (outcome === 'completed') return result;
  throw ApplicationFailure.create({
    message: `${outcome}: ${reason}`,
    type: outcome === 'failed' ? 'NeedsHuman' : 'RolledBack',
    nonRetryable: true,
    details: [result],
  });
}
