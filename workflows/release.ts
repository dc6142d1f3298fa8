// One blue-green release, as durable steps. Read it top to bottom as the release plan:
// find the live color, provision the idle one, verify it, shift traffic step by step while
// judging it, keep the old color warm, decommission it. Every step that changes the world
// first registers how to undo it; any failure, breach, abort or approval timeout unwinds them.
import {
  allHandlersFinished,
  CancelledFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, ColorRequest } from '../contract/activities';
import { AnalysisLoop, analysisVars, type AnalysisState } from './analysis';
import { legacyAnalysisWatcher } from './analysis-legacy';
import type { Checkpoint, ResumePoint } from './checkpoint';
import { formatDuration } from './duration';
import { describeError, endedWithout } from './errors';
import { statusQuery, type Outcome, type ReleaseInput, type ReleaseResult } from './messages';
import { OperatorControl, RollbackReason } from './operator';
import {
  describePlan,
  detectLiveColor,
  planRelease,
  weightsFor,
  type PlannedStep,
  type ReleasePlan,
  type Weights,
} from './plan';
import type { Color, HookName, ResolvedSpec, SettleSpec } from './spec';
import { ANALYSIS_HEARTBEAT_TIMEOUT } from './activity-options';
import { parseDuration } from './duration';
import type { TemplateVars } from './metrics';
import { describeShare, shareSourceOf } from './observed-share';
import { activitiesFor } from './activity-options';
import { describeWindow, nextWindowOpening } from './window';
import { ReleaseTracker } from './tracker';
import { undoScope } from './undo-scope';
import { routerOf, routerWords, shiftedWords, stateKeyOf, targetRefOf, trafficTarget } from './target';
import { Notifier } from './notifier';
import {
  healthCheckConfig,
  healthCheckPrefix,
  healthCheckReference,
  onlyCheckOf,
  type HealthCheckIds,
} from './routing/route53-health-checks';
import { payloadFrom } from './notifications';
import { waveFinishSignal, waveTargetReadySignal, type WaveMembership } from './wave-messages';

interface Compensation {
  what: string;
  undo: () => Promise<unknown>;
  /**
   * When this undo fails, whether the undos after it may still run. Undefined: they may. A string:
   * they must not (a later undo would tear down a color that may still carry traffic); it says
   * what the world is left like and what a person does next.
   */
  ifFailed?: () => string | undefined;
}

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  // A run continued as new (see continueFrom) resumes at its checkpoint: inside a hold or where it waited.
  const { specDir, checkpoint: resumed } = input;
  // A recurring release learns its version when the run starts (step 0 below).
  let spec: ResolvedSpec = resumed?.spec ?? { ...input.spec, version: input.spec.version ?? '' };
  const tracker = new ReleaseTracker(input);
  const operator = new OperatorControl(tracker);
  operator.restore(resumed?.operator);
  operator.checkpointAnywhere = patched('continue-as-new-anywhere');
  setHandler(statusQuery, () => tracker.status, { description: 'The release as `bluegreen status --json` shows it.' });
  operator.register();
  // A target of a wave release (workflows/wave-release.ts) keeps its old color warm after the last
  // step until the wave release finishes it (or aborts it: then it rolls back like any release).
  let waveFinished = false;
  if (input.wave)
    tracker.status.wave = { release: input.wave.parentId, wave: input.wave.wave, target: input.wave.target };
  if (input.wave)
    setHandler(
      waveFinishSignal,
      () => {
        waveFinished = true;
      },
      { description: 'Internal: the wave release tells this target to decommission its old color.' },
    );
  const notifier = new Notifier({ notify: input.spec.notify ?? [], hooks: input.spec.hooks }, tracker);

  const act = activitiesFor(spec, (type, message) => tracker.event(type, message));
  // What moves the traffic: the Route 53 records of `dns` (exactly as before), or `router`.
  const routing = routerOf(spec);
  const color = (c: Color): ColorRequest => ({
    environment: spec.environment,
    specDir,
    service: spec.service,
    color: c,
    version: spec.version,
    recordName: stateKeyOf(spec),
  });
  const compensations: Compensation[] = [];
  const releaseScope = new CancellationScope();
  operator.onAbort = () => releaseScope.cancel();
  // Undos finish even after a cancellation, decided the same way on replay (workflows/undo-scope.ts).
  const undos = undoScope();

  let liveColor: Color | null = resumed?.liveColor ?? null;
  let newColor: Color = resumed?.newColor ?? 'blue';
  let alreadyLive = false;
  // A continued run resumes inside a hold (traffic has moved) or where it waited (its checkpoint says).
  let trafficMoved = resumed !== undefined && (resumed.trafficMoved ?? true);
  const resumingBeforeTraffic = resumed?.waiting?.before === 'traffic';
  /** Where a checkpoint taken now would resume: set before every place the release waits. */
  let position: ResumePoint = {};
  let analysisState = (): AnalysisState => resumed?.analysis ?? { pausedByAnalysis: false };
  // Whether any shift was ever sent: from then on the new color may carry traffic (a change
  // whose activity failed may still have landed).
  let shiftSent = trafficMoved;
  const undoProvision = (): Compensation => ({
    what: `decommission ${newColor}`,
    undo: () => act.undo.decommissionColor(color(newColor)),
  });
  // Route 53 health checks on the colors (dns.healthCheck, docs/safety-nets.md). Only specs that
  // set it schedule these steps, so every history from before it replays unchanged. The ids live
  // in the status: `status` shows them, and a run continued as new carries them on.
  const records = routing.provider === 'route53' ? routing : undefined;
  const healthCheck = records?.healthCheck;
  const checks = (): HealthCheckIds => (tracker.status.healthChecks ??= {});
  /** What the records carry after a change: the colors' checks, or nothing at all without dns.healthCheck. */
  const carried = (which: HealthCheckIds): HealthCheckIds | undefined => (healthCheck ? which : undefined);
  const checkReference = (c: Color) =>
    healthCheckReference(records!, c, `${workflowInfo().workflowId}/${workflowInfo().firstExecutionRunId}`);
  const checkPrefix = () => healthCheckPrefix(records!);
  /** Registered before the check exists: a create whose reply was lost is found by its reference. */
  const undoHealthCheck = (c: Color): Compensation => ({
    what: `delete ${c}'s Route 53 health check`,
    undo: async () => {
      await act.healthChecks.undo.route53DeleteHealthCheck({
        id: checks()[c],
        callerReference: checkReference(c),
        prefix: checkPrefix(),
      });
      delete checks()[c];
    },
  });
  const undoTraffic = (previousLive: Color | null): Compensation =>
    previousLive
      ? {
          what: `restore ${previousLive} to 100%`,
          // The new color's record loses its check here, so the next undo can delete it.
          undo: () =>
            act.undo.shiftTraffic(routing, weightsFor(previousLive, 100), carried(onlyCheckOf(checks(), previousLive))),
          ifFailed: () => keepNewColor(previousLive),
        }
      : {
          what:
            routing.provider === 'route53'
              ? 'remove the records of this first release'
              : `set ${trafficTarget(spec).name} back to 0/0`,
          undo: () => act.undo.removeTraffic(routing),
          ifFailed: () => keepNewColor(null),
        };
  /** The rollback's stop sign after a failed traffic undo: the new color stays up while it may serve. */
  const keepNewColor = (previousLive: Color | null): string | undefined =>
    shiftSent ? trafficUndoFailed(spec, tracker, previousLive, newColor, operator.shiftInFlight) : undefined;

  try {
    await releaseScope.run(async () => {
      let plan: ReleasePlan;
      let endpoint: string;
      if (resumed) {
        // Continued from a checkpoint: provisioned, verified, and shifted up to where it stopped.
        plan = planRelease(spec, newColor, liveColor === null);
        endpoint = resumed.endpoint;
        if (resumingBeforeTraffic) compensations.unshift(undoProvision());
        else
          compensations.unshift(
            undoTraffic(liveColor),
            ...(healthCheck ? [undoHealthCheck(newColor)] : []),
            undoProvision(),
          );
      } else {
        // 0. A recurring release reads its version; one that already serves is a no-op.
        if (input.spec.versionFrom) {
          spec = { ...spec, version: await act.lookup.resolveVersion(input.spec.versionFrom, specDir) };
          tracker.version(spec.version);
          alreadyLive = (await act.lookup.liveVersion(targetRefOf(spec))) === spec.version;
        }

        // 1. Find which color is live.
        const observed = await act.dns.readTraffic(routing);
        const live = detectLiveColor(observed);
        ({ liveColor, newColor } = live);
        tracker.colors(liveColor, newColor, observed);
        if (live.warning) tracker.event('warning', live.warning);
        if (alreadyLive) return;
        if (healthCheck) await readHealthChecks();
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
            ...(healthCheck ? [describeHealthChecks()] : []),
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
        // Only specs with verify.command schedule this activity: histories from before it replay unchanged.
        if (spec.verify.command) {
          tracker.phase('verifying', `smoke-testing ${newColor}: ${spec.verify.command.run.join(' ')}`);
          const smoke = await act.smokeTest({
            command: spec.verify.command,
            specDir,
            vars: {
              endpoint: provisioned.endpoint,
              color: newColor,
              version: spec.version,
              service: spec.service,
              record: trafficTarget(spec).name,
            },
          });
          if (!smoke.passed)
            throw new RollbackReason(
              `smoke test of ${newColor} failed: verify.command ${smoke.how}; last output:\n${smoke.tail}`,
            );
          tracker.event('verified', `smoke test of ${newColor} passed in ${formatDuration(smoke.ms)}`);
        }
      }
      // From here on the release can wait (for an approval, a resume, a change window), and a flood of
      // signals can grow its history meanwhile: the operator continues it as new from `position`.
      if (operator.checkpointAnywhere) operator.continueAsNew = () => continueFrom(position, endpoint, analysisState());
      if (!resumed || resumingBeforeTraffic) {
        position = { waiting: { before: 'traffic' } };
        if (plan.gates.beforeTraffic)
          await operator.awaitApproval('beforeTraffic', plan.approvalTimeoutMs, spec.approval.onTimeout);
        await passGates('beforeTraffic');
      }

      // 4. Shift traffic in steps, judging the new color during every step.
      if (!resumed || resumingBeforeTraffic) {
        if (healthCheck) await createHealthCheck(newColor);
        compensations.unshift(undoTraffic(liveColor));
      }
      const analysis = patched('analysis-watch')
        ? new AnalysisLoop(
            act.analysis.watchAnalysis,
            spec,
            { newColor, liveColor, endpoint, specDir },
            tracker,
            operator,
            resumed?.analysis,
          )
        : legacyAnalysisWatcher(act.probe, tracker, operator, spec, endpoint);
      analysisState = () => analysis.state();
      const resumeAt = resumed?.hold;
      const waitedAt = resumed?.waiting;
      const targetOf = (step: PlannedStep) => (operator.promoteRequested ? plan.steps[plan.steps.length - 1] : step);
      for (const step of plan.steps) {
        // Steps a previous run finished are done; the one it stopped in goes on holding.
        if (resumeAt && (resumeAt.step === 'warm' || step.index < resumeAt.step)) continue;
        if (waitedAt?.before === 'decommission' || (waitedAt?.before === 'step' && step.index < waitedAt.step))
          continue;
        let target: PlannedStep = step;
        const resuming = resumeAt?.step === step.index;
        if (!resuming) {
          position = { waiting: { before: 'step', step: step.index } };
          // Frozen at this step's gates when the last run continued: the freeze goes on first.
          if (!operator.frozenAtCheckpoint) {
            await operator.unpaused();
            await windowOpen(`shift ${newColor} to ${operator.promoteRequested ? 100 : step.percent}%`);
          }
          await orFreeze(() => passGates('beforeStep', targetOf(step).percent));
          target = targetOf(step);
          tracker.phase(
            'shifting',
            `step ${target.index}/${plan.steps.length}: ${newColor} to ${target.percent}%${operator.promoteRequested ? ' (promoted)' : ''}`,
          );
          shiftSent = true;
          operator.shiftInFlight = target.weights;
          const shifted = await act.dns.shiftTraffic(routing, target.weights, carried({ ...checks() }));
          operator.shiftInFlight = undefined;
          trafficMoved = true;
          tracker.weights(target.weights, { index: target.index, total: plan.steps.length });
          tracker.event(
            'shifted',
            `blue ${target.weights.blue}% / green ${target.weights.green}% ${shiftedWords(routing.provider, shifted.polls)}`,
          );
          // Only specs with traffic.settle wait here: every other history keeps its commands.
          if (spec.traffic.settle)
            await settleShare(
              spec.traffic.settle,
              newColor,
              analysisVars(spec, { newColor, liveColor }, { step: target.index, percent: target.percent }),
            );
          if (target.percent === 100) break;
        }
        const holdMs = resuming ? resumeAt.remainingMs : target.waitMs;
        position = { hold: { step: target.index, remainingMs: holdMs } };
        const held = await orFreeze(() =>
          analysis.hold(
            `step ${target.index}`,
            holdMs,
            `shift ${newColor} to ${plan.steps[target.index].percent}%`,
            { step: target.index, percent: target.percent },
            true,
          ),
        );
        if (held !== 'promoted' && held.outcome === 'continue')
          return continueFrom(
            { hold: { step: target.index, remainingMs: held.remainingMs } },
            endpoint,
            analysis.state(),
          );
        if (held === 'promoted' || held.outcome === 'promoted')
          tracker.event('promote', 'skipping the remaining steps');
      }

      // 5. Keep the old color warm, still judging the new one, then get approval to tear it down.
      // A wave's target keeps it warm instead until every wave is done (only wave targets go here).
      if (input.wave) {
        await holdForWave(input.wave);
      } else if (liveColor !== null) {
        const resumingWarm = resumeAt?.step === 'warm';
        if (waitedAt?.before !== 'decommission') {
          if (!resumingWarm)
            tracker.phase(
              'baking',
              `${newColor} serves 100%; keeping ${liveColor} warm for ${formatDuration(plan.bakeMs)}`,
            );
          const warmMs = resumingWarm ? resumeAt.remainingMs : plan.bakeMs;
          position = { hold: { step: 'warm', remainingMs: warmMs } };
          const warm = await orFreeze(() =>
            analysis.hold(
              'warm period',
              warmMs,
              `decommission ${liveColor}`,
              { step: plan.steps.length, percent: 100 },
              false,
            ),
          );
          if (warm !== 'promoted' && warm.outcome === 'continue')
            return continueFrom({ hold: { step: 'warm', remainingMs: warm.remainingMs } }, endpoint, analysis.state());
        }
        position = { waiting: { before: 'decommission' } };
        if (plan.gates.beforeDecommission)
          await operator.awaitApproval('beforeDecommission', plan.approvalTimeoutMs, spec.approval.onTimeout);
      }
    });
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    const reason = isCancellation(err) ? (operator.abortReason ?? 'the workflow was cancelled') : describeError(err);
    tracker.phase('rolling-back', `rolling back: ${reason}`);
    tracker.next(compensations.map((c) => c.what).join(', then '));
    const needsHuman = await undos.run(() => runCompensations(compensations, tracker));
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
    if (healthCheck) await retireHealthCheck(oldColor, newColor);
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

  /** The checks the records carry now: the live color's stays on it through the release. */
  async function readHealthChecks(): Promise<void> {
    const found = await act.dns.readHealthChecks(routing);
    if (liveColor && found[liveColor]) checks()[liveColor] = found[liveColor];
    const stale = found[newColor];
    if (stale)
      tracker.event(
        'health-check',
        `${newColor}'s record still carries Route 53 health check ${stale} from before; this release replaces it (\`bluegreen repair\` deletes checks no record uses)`,
      );
  }

  /** The plan's line about the colors' Route 53 health checks. */
  function describeHealthChecks(): string {
    const live = liveColor ? checks()[liveColor] : undefined;
    const keeps = liveColor
      ? live
        ? `${liveColor} keeps health check ${live}`
        : `${liveColor}'s record has no health check`
      : 'no color has a health check yet';
    return `Route 53 health checks: ${keeps}; ${newColor} gets its own before any traffic${liveColor && live ? `, and ${liveColor}'s is deleted when ${liveColor} is decommissioned` : ''}`;
  }

  /** Before the new color gets traffic: its own check, attached by the first shift. */
  async function createHealthCheck(c: Color): Promise<void> {
    const config = healthCheckConfig(records!, c);
    tracker.next(`create a Route 53 health check on ${c}`);
    compensations.unshift(undoHealthCheck(c));
    const made = await act.healthChecks.do.route53EnsureHealthCheck({ callerReference: checkReference(c), config });
    checks()[c] = made.id;
    const on = `${config.Type} ${config.FullyQualifiedDomainName ?? config.IPAddress}:${config.Port}${config.ResourcePath ?? ''}`;
    tracker.event(
      'health-check',
      `${made.created ? 'created' : 'found'} Route 53 health check ${made.id} on ${c} (${on}); the first shift attaches it to ${c}'s record`,
    );
  }

  /** After a release: the old color's record loses its check, and the check goes. A failure leaves
   * it for \`repair\` and does not fail a release whose traffic already moved. */
  async function retireHealthCheck(old: Color, live: Color): Promise<void> {
    const id = checks()[old];
    if (!id) return;
    tracker.next(`detach and delete ${old}'s Route 53 health check ${id}`);
    try {
      await undos.run(async () => {
        await act.dns.shiftTraffic(routing, weightsFor(live, 100), onlyCheckOf(checks(), live));
        const done = await act.healthChecks.do.route53DeleteHealthCheck({ id, prefix: checkPrefix() });
        delete checks()[old];
        tracker.event(
          'health-check',
          done.deleted
            ? `deleted ${old}'s Route 53 health check ${id}`
            : `detached ${old}'s Route 53 health check ${id}${done.skipped ? `; kept it: ${done.skipped}` : ' (it was already gone)'}`,
        );
      });
    } catch (err) {
      tracker.event(
        'warning',
        `${old}'s Route 53 health check ${id} could not be removed: ${describeError(err)}; \`bluegreen repair ${trafficTarget(spec).name}\` detaches and deletes it`,
      );
    }
  }

  /**
   * A wave's target at 100%: tells the wave release, then keeps the old color warm until the wave
   * release says finish (decommission it) or abort (roll back: the old color takes the traffic again).
   */
  async function holdForWave(wave: WaveMembership): Promise<void> {
    tracker.phase(
      'baking',
      liveColor
        ? `${newColor} serves 100%; keeping ${liveColor} warm until wave release ${wave.parentId} has finished every wave`
        : `${newColor} serves 100% (first release); waiting for wave release ${wave.parentId} to finish every wave`,
    );
    tracker.next(
      liveColor
        ? `decommission ${liveColor} once the wave release finishes`
        : 'complete once the wave release finishes',
    );
    try {
      await getExternalWorkflowHandle(wave.parentId).signal(waveTargetReadySignal, { target: wave.target });
    } catch (err) {
      if (isCancellation(err)) throw err;
      throw new RollbackReason(`cannot report to wave release ${wave.parentId}: ${describeError(err)}`);
    }
    // A flood of signals meanwhile continues the release as new, back here (it reports again).
    position = { waiting: { before: 'decommission' } };
    await condition(() => waveFinished || operator.checkpointDue);
    if (!waveFinished) await operator.continueAsNew!();
    tracker.event('wave-finish', `wave release ${wave.parentId} finished every wave`);
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
    // A run continued from a checkpoint taken while frozen here stays frozen until resume or promote.
    if (operator.frozenAtCheckpoint) {
      await operator.stayFrozen();
      if (operator.promoteRequested) return 'promoted';
    }
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

  /**
   * After a shift, waits (one activity that polls and heartbeats) until the new color's observed
   * share is within tolerance of its weight; a share that never settles applies onTimeout.
   */
  async function settleShare(settle: SettleSpec, newColor: Color, vars: TemplateVars): Promise<void> {
    const source = shareSourceOf(spec);
    if (!source) return; // the schema refuses settle without a source; old input cannot have one
    const percent = Number(vars.percent);
    const timeoutMs = parseDuration(settle.timeout);
    const tolerance = `${Math.round(settle.tolerance * 100)} points`;
    tracker.next(
      `start the hold once ${newColor}'s observed share is within ${tolerance} of ${percent}%`,
      Date.now() + timeoutMs,
    );
    const { settleTraffic } = proxyActivities<Activities>({
      startToCloseTimeout: timeoutMs + 2 * 60_000,
      heartbeatTimeout: ANALYSIS_HEARTBEAT_TIMEOUT,
      retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
    });
    const result = await settleTraffic({
      source,
      vars,
      newColor,
      percent,
      tolerance: settle.tolerance,
      timeoutMs,
      everyMs: parseDuration(settle.every),
    });
    if (result.share) tracker.observedShare(result.share);
    const seen = result.share ? describeShare(result.share, newColor) : 'no requests observed';
    if (result.settled) {
      tracker.event('settled', `observed share settled after ${formatDuration(result.tookMs)}: ${seen}`);
      return;
    }
    const why = `${newColor}'s observed share did not come within ${tolerance} of ${percent}% in ${settle.timeout} (last: ${seen})`;
    tracker.event('settle-timeout', `${why}; onTimeout: ${settle.onTimeout}`);
    if (settle.onTimeout === 'rollback') throw new RollbackReason(why);
    if (settle.onTimeout === 'pause')
      operator.pauseFor(`${why}; resume starts the hold anyway, abort rolls back`, 'settle');
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
      if (!operator.checkpointAnywhere) {
        await sleep(opens - Date.now());
      } else if (await condition(() => operator.checkpointDue, opens - Date.now())) {
        // The next run waits for the window again; the phase it goes back to must not be this wait.
        tracker.status.phase = previous;
        await operator.continueAsNew!();
      }
      tracker.phase(previous, 'window open');
    }
  }

  /**
   * Ends this run and continues the release as a new one with the same state: a hold that
   * lasts days, or a wait flooded with signals, keeps each run's history small. Handlers finish
   * first, so no signal or update sent to this run is lost; later ones reach the new run.
   */
  async function continueFrom(at: ResumePoint, endpoint: string, analysis: AnalysisState): Promise<never> {
    const run = (resumed?.run ?? 1) + 1;
    const info = workflowInfo();
    tracker.event(
      'continue-as-new',
      `run ${run - 1} has ${info.historyLength} history events${operator.checkpointAnywhere ? ` (${(info.historySize / 1048576).toFixed(1)} MiB)` : ''}; the release goes on as run ${run}, ${describeResumePoint(at)}`,
    );
    // Queued notifications go out from this run; every handler finishes, so nothing sent is lost.
    await notifier.drain();
    await condition(allHandlersFinished);
    // An abort accepted while this run wound down rolls back now instead of being lost with the run.
    if (operator.checkpointAnywhere && operator.abortReason !== undefined)
      throw new CancelledFailure(operator.abortReason);
    const checkpoint: Checkpoint = {
      spec,
      liveColor,
      newColor,
      endpoint,
      ...at,
      ...(at.waiting ? { trafficMoved } : {}),
      status: tracker.status,
      operator: operator.snapshot(),
      analysis,
      run,
    };
    const next = makeContinueAsNewFunc<typeof release>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
    return next({
      spec: input.spec,
      specDir,
      requestedBy: input.requestedBy,
      checkpoint,
      ...(input.wave ? { wave: input.wave } : {}),
    });
  }
}

function describeResumePoint(at: ResumePoint): string {
  if (at.hold)
    return `${at.hold.step === 'warm' ? 'in the warm period' : `at step ${at.hold.step}`} with ${formatDuration(at.hold.remainingMs)} of it left`;
  switch (at.waiting?.before) {
    case 'traffic':
      return 'before any traffic moves';
    case 'step':
      return `before step ${at.waiting.step}`;
    default:
      return 'before the decommission';
  }
}

/**
 * Runs the undos newest first. An undo that fails may stop the rest (see Compensation.ifFailed and
 * docs/architecture.md): restoring the traffic comes before decommissioning the new color, and
 * when the restore fails the new color may still serve, so it stays up for `repair` to retire.
 */
async function runCompensations(compensations: Compensation[], tracker: ReleaseTracker): Promise<string[]> {
  const needsHuman: string[] = [];
  for (const [i, c] of compensations.entries()) {
    try {
      await c.undo();
      tracker.event('compensated', c.what);
    } catch (err) {
      const problem = `${c.what} failed: ${describeError(err)}`;
      needsHuman.push(problem);
      tracker.event('compensation-failed', problem);
      const stop = c.ifFailed?.();
      // Runs that failed an undo before this rule went on with the rest; they replay that way.
      if (stop !== undefined && patched('stop-after-failed-traffic-undo')) {
        const skipped = compensations.slice(i + 1).map((later) => later.what);
        needsHuman.push(stop);
        tracker.event('rollback-stopped', skipped.length ? `${stop} (not run: ${skipped.join(', ')})` : stop);
        break;
      }
    }
  }
  return needsHuman;
}

/**
 * What a person must know when the traffic could not be put back: where DNS was last known, that
 * both colors still run, and the command that finishes the rollback once the router answers.
 */
function trafficUndoFailed(
  spec: ResolvedSpec,
  tracker: ReleaseTracker,
  previousLive: Color | null,
  newColor: Color,
  unconfirmed: Weights | undefined,
): string {
  const w = tracker.status.weights;
  const target = trafficTarget(spec);
  const where = routerWords(target.provider);
  // Route 53 releases are repaired by record name; other targets by the release id.
  const repair = `bluegreen repair ${target.provider === 'route53' ? target.name.replace(/\.$/, '') : tracker.status.id}`;
  const dns = unconfirmed
    ? `${where} was last confirmed at blue ${w.blue}% / green ${w.green}%, and the shift to blue ${unconfirmed.blue}% / green ${unconfirmed.green}% the release had sent when it stopped may have landed since`
    : `${where} was last known at blue ${w.blue}% / green ${w.green}% (the weights this release last set and confirmed)`;
  const colors = previousLive
    ? `${newColor} (new, ${spec.version}) is still running and was not decommissioned because it may carry traffic; ${previousLive} (old) is still running`
    : `${newColor} (${spec.version}, first release) is still running and was not decommissioned because the ${target.provider === 'route53' ? 'records' : 'router'} may still send it all traffic`;
  const todo = previousLive
    ? `it sets ${previousLive} to 100% and then decommissions ${newColor}`
    : `it ${target.provider === 'route53' ? 'removes the records' : `sets ${target.name} back to 0/0`} and then decommissions ${newColor}`;
  return `rollback stopped: ${dns}; ${colors}. Once Route 53 answers again, run \`${repair}\`: ${todo}`;
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
  throw endedWithout(outcome, reason, result);
}
