// One blue-green release, as durable steps. Read it top to bottom as the release plan:
// find the live color, provision the idle one, verify it, shift traffic step by step while
// judging it, keep the old color warm, decommission it. Every step that changes the world
// first registers how to undo it; any failure, breach, abort or approval timeout unwinds them.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, ColorRequest } from '../activities';
import { parseDuration, formatDuration } from './duration';
import { statusQuery, type Outcome, type ReleaseInput, type ReleaseResult } from './messages';
import { OperatorControl, RollbackReason } from './operator';
import { describePlan, detectLiveColor, judgeAnalysis, planRelease, weightsFor, type PlannedStep } from './plan';
import type { Color, GateSpec, HookName, ReleaseSpec, ResolvedSpec } from './spec';
import { describeWindow, nextWindowOpening } from './window';
import { ReleaseTracker } from './tracker';
import { Notifier } from './notifier';
import { payloadFrom } from './notifications';

interface Compensation {
  what: string;
  undo: () => Promise<unknown>;
}

export async function release(input: ReleaseInput): Promise<ReleaseResult> {
  const { specDir } = input;
  // A recurring release learns its version when the run starts (step 0 below).
  let spec: ResolvedSpec = { ...input.spec, version: input.spec.version ?? '' };
  const tracker = new ReleaseTracker(input);
  const operator = new OperatorControl(tracker);
  setHandler(statusQuery, () => tracker.status, { description: 'The release as `bluegreen status --json` shows it.' });
  operator.register();
  const notifier = new Notifier({ notify: input.spec.notify ?? [] }, tracker);

  const act = activitiesFor(spec);
  const color = (c: Color): ColorRequest => ({
    environment: spec.environment,
    specDir,
    service: spec.service,
    color: c,
    version: spec.version,
  });
  const compensations: Compensation[] = [];
  const releaseScope = new CancellationScope();
  operator.onAbort = () => releaseScope.cancel();

  let liveColor: Color | null = null;
  let newColor: Color = 'blue';
  let alreadyLive = false;
  let trafficMoved = false;

  try {
    await releaseScope.run(async () => {
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
      const plan = planRelease(spec, newColor, liveColor === null);
      tracker.status.step = { index: 0, total: plan.steps.length };
      tracker.event('started', `releasing ${spec.version} on ${newColor}${liveColor ? ` (${liveColor} is live)` : ''}`);
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
      compensations.unshift({
        what: `decommission ${newColor}`,
        undo: () => act.undo.decommissionColor(color(newColor)),
      });
      const provisioned = await act.env.provisionColor(color(newColor));
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

      // 4. Shift traffic in steps, judging the new color during every step.
      const previousLive = liveColor;
      compensations.unshift(
        previousLive
          ? {
              what: `restore ${previousLive} to 100%`,
              undo: () => act.undo.shiftTraffic(spec.dns, weightsFor(previousLive, 100)),
            }
          : { what: 'remove the records of this first release', undo: () => act.undo.removeTraffic(spec.dns) },
      );
      const judge = analysisWatcher(spec, provisioned.endpoint);
      const targetOf = (step: PlannedStep) => (operator.promoteRequested ? plan.steps[plan.steps.length - 1] : step);
      for (const step of plan.steps) {
        await operator.unpaused();
        await windowOpen(`shift ${newColor} to ${operator.promoteRequested ? 100 : step.percent}%`);
        await orFreeze(() => passGates('beforeStep', targetOf(step).percent));
        const target = targetOf(step);
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
        const held = await orFreeze(() =>
          judge(
            `step ${target.index}`,
            target.waitMs,
            `shift ${newColor} to ${plan.steps[target.index].percent}%`,
            true,
          ),
        );
        if (held === 'promoted') tracker.event('promote', 'skipping the remaining steps');
      }

      // 5. Keep the old color warm, still judging the new one, then get approval to tear it down.
      if (liveColor !== null) {
        tracker.phase(
          'baking',
          `${newColor} serves 100%; keeping ${liveColor} warm for ${formatDuration(plan.bakeMs)}`,
        );
        await orFreeze(() => judge('warm period', plan.bakeMs, `decommission ${liveColor}`, false));
        if (plan.gates.beforeDecommission)
          await operator.awaitApproval('beforeDecommission', plan.approvalTimeoutMs, spec.approval.onTimeout);
      }
    });
  } catch (err) {
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

  /** Last words of every outcome: the afterRelease gates of a completed release, then every
   * queued notification delivered (or given up on) before the workflow closes. */
  async function settle(outcome: Outcome): Promise<void> {
    if (outcome === 'completed') await CancellationScope.nonCancellable(() => passGates('afterRelease'));
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

  /** Runs the analysis rounds for as long as a hold lasts; a breach ends the hold and rolls back. */
  function analysisWatcher(s: ResolvedSpec, endpoint: string) {
    const everyMs = parseDuration(s.traffic.analysis.every);
    return async (stage: string, ms: number, nextAction: string, allowPromote: boolean) => {
      if (ms <= 0) return 'elapsed' as const;
      let done = false;
      let breach: string | null = null;
      const rounds = (async () => {
        while (!done && breach === null) {
          try {
            const m = await act.probe.analyzeColor(endpoint, s.traffic.analysis);
            tracker.analysis(m);
            breach = judgeAnalysis(m, s.traffic.analysis);
          } catch (err) {
            if (isCancellation(err)) return;
            breach = `analysis could not run: ${describeError(err)}`;
          }
          if (breach === null) await condition(() => done, everyMs);
        }
      })();
      try {
        const outcome = await operator.hold(ms, nextAction, () => breach !== null, allowPromote);
        if (outcome === 'breach') throw new RollbackReason(`analysis breach during ${stage}: ${breach}`);
        return outcome;
      } finally {
        done = true;
        await rounds.catch(() => undefined);
      }
    };
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

export function describeError(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // Activity failures wrap the real cause; the operator wants the innermost message.
  while (e && (e as { cause?: unknown }).cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/** Timeouts and retries fitted to each external system (the repair workflow uses them too). */
export function activitiesFor(spec: ReleaseSpec) {
  const permanent = [
    'NoSuchHostedZone',
    'InvalidChangeBatch',
    'InvalidInput',
    'AccessDenied',
    'EnvironmentMisconfigured',
    'MissingEnvironmentVariable',
  ];
  const route53: ActivityOptions = {
    // Includes waiting for INSYNC, which Route 53 promises within about a minute.
    startToCloseTimeout: '10m',
    heartbeatTimeout: '1m',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 8,
      nonRetryableErrorTypes: permanent,
    },
  };
  const envMs = spec.environment.provider === 'command' ? parseDuration(spec.environment.timeout) : 2 * 60_000;
  const graceMs = spec.environment.provider === 'local' ? parseDuration(spec.environment.stopGracePeriod) : 0;
  const environment: ActivityOptions = {
    startToCloseTimeout: envMs + graceMs + 30_000,
    heartbeatTimeout: '30s',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      maximumAttempts: 3,
      nonRetryableErrorTypes: permanent,
    },
  };
  const h = spec.verify.http;
  const probes: ActivityOptions = {
    startToCloseTimeout: h.attempts * (parseDuration(h.interval) + parseDuration(h.timeout)) + 60_000,
    heartbeatTimeout: '30s',
    retry: { maximumAttempts: 2 },
  };
  // Undo gets more patience than do: giving up here means a human has to step in.
  const undo: ActivityOptions = {
    startToCloseTimeout: '10m',
    heartbeatTimeout: '1m',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1m',
      maximumAttempts: 10,
      nonRetryableErrorTypes: permanent,
    },
  };
  const lookup: ActivityOptions = {
    startToCloseTimeout: '1m',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 5,
      nonRetryableErrorTypes: permanent,
    },
  };
  // A gate retries an unreachable URL itself until its own timeout; Temporal only covers a lost worker.
  const gates = (gate: GateSpec) =>
    proxyActivities<Activities>({
      startToCloseTimeout: parseDuration(gate.timeout) + 30_000,
      heartbeatTimeout: '30s',
      retry: { maximumAttempts: 3 },
    });
  return {
    gates,
    lookup: proxyActivities<Activities>(lookup),
    dns: proxyActivities<Activities>(route53),
    env: proxyActivities<Activities>(environment),
    probe: proxyActivities<Activities>(probes),
    undo: proxyActivities<Activities>(undo),
  };
}
