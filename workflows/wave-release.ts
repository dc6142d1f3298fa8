// One release across several targets (regions, clusters, cells), wave by wave, as one saga. Each
// target is a release of its own (a child workflow under its usual id, so a single release of the
// same record is refused meanwhile) that keeps its old color warm once its traffic is at 100%.
// Only when the last wave has reached 100% and decommission.delay has passed does this workflow
// tell every target to decommission; a failure, breach or abort anywhere rolls the targets back
// (onWaveFailure). The per-target history lives in the children: this one stays small.
import {
  allHandlersFinished,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  log,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import { formatDuration, parseDuration } from './duration';
import { describeError, endedWithout } from './errors';
import {
  abortSignal,
  actionDescriptions,
  finalPhases,
  signalsByAction,
  statusQuery,
  updatesByAction,
  type ActionOutcome,
  type OperatorAction,
  type Outcome,
  type Phase,
  type ReleaseInput,
  type ReleaseResult,
  type ReleaseStatus,
} from './messages';
import { MAX_PAYLOAD_FIELD } from './operator';
import type { release } from './release';
import { phaseKey, recordKey, serviceKey, versionKey } from './search-attributes';
import { releaseIdOfTarget, statusTarget, trafficTarget } from './target';
import { MAX_EVENTS } from './tracker';
import {
  waveFinishSignal,
  waveTargetReadySignal,
  type WaveReleaseInput,
  type WaveStatus,
  type WaveTargetStatus,
} from './wave-messages';

/** What `status` of a wave release shows: a release status (phase, events, result) with its waves. */
export type WaveReleaseStatus = ReleaseStatus & { waves: WaveStatus[] };

interface Ended {
  outcome: Outcome;
  result?: ReleaseResult;
  reason: string;
}

interface Failure {
  wave: number;
  target?: string;
  reason: string;
}

export async function waveRelease(input: WaveReleaseInput): Promise<ReleaseResult> {
  const { plan, specDir } = input;
  const info = workflowInfo();
  const targetCount = plan.waves.reduce((n, w) => n + w.targets.length, 0);
  const status: WaveReleaseStatus = {
    id: info.workflowId,
    service: plan.service,
    version: plan.version,
    recordName: `${targetCount} targets in ${plan.waves.length} waves`,
    phase: 'provisioning',
    liveColor: null,
    newColor: 'blue',
    weights: { blue: 0, green: 0 },
    step: { index: 0, total: plan.waves.length },
    paused: false,
    events: [],
    waves: plan.waves.map((w) => ({
      name: w.name,
      phase: 'pending',
      targets: w.targets.map((t): WaveTargetStatus => ({
        name: t.name,
        id: releaseIdOfTarget(trafficTarget(t.spec)),
        target: statusTarget(t.spec),
        phase: 'pending',
      })),
    })),
  };
  setHandler(statusQuery, () => status, { description: 'The wave release as `bluegreen status --json` shows it.' });
  let searchablePhase = info.typedSearchAttributes.get(phaseKey);

  const event = (type: string, message: string, by?: string) => {
    status.events.push({ at: new Date().toISOString(), type, message, ...(by ? { by } : {}) });
    status.eventCount = (status.eventCount ?? 0) + 1;
    if (status.events.length > MAX_EVENTS) status.events.splice(0, status.events.length - MAX_EVENTS);
  };
  const phase = (p: Phase, message: string) => {
    status.phase = p;
    log.info(`phase ${p}: ${message}`, { release: status.id, phase: p });
    if (searchablePhase !== undefined && searchablePhase !== p) {
      upsertSearchAttributes([{ key: phaseKey, value: p }]);
      searchablePhase = p;
    }
    event(p, message);
  };
  const next = (action: string | undefined, at?: number) => {
    status.next = action ? { action, ...(at ? { at: new Date(at).toISOString() } : {}) } : undefined;
  };
  const targetStatus = (name: string) => status.waves.flatMap((w) => w.targets).find((t) => t.name === name)!;

  // What the wave release knows of its targets.
  const started = new Map<string, ChildWorkflowHandle<typeof release>>();
  const ready = new Set<string>();
  const ended = new Map<string, Ended>();
  let failure: Failure | undefined;
  let abortReason: string | undefined;
  let currentWave = 0;
  let approved = false;
  const failed = () => failure !== undefined;
  const fail = (f: Failure) => {
    failure ??= f;
  };

  setHandler(
    waveTargetReadySignal,
    ({ target }) => {
      // A target that continued as new while holding reports again: once is enough.
      if (!started.has(target) || ended.has(target) || ready.has(target)) return;
      ready.add(target);
      targetStatus(target).phase = 'holding';
      event('target-ready', `${target}: new color serves 100%; its old color stays warm`);
    },
    { description: 'Internal: a target reports that its new color serves 100%.' },
  );

  registerOperator();

  try {
    for (const [w, wave] of plan.waves.entries()) {
      currentWave = w;
      status.step = { index: w + 1, total: plan.waves.length };
      if (w > 0 && wave.wait) {
        const ms = parseDuration(wave.wait);
        status.waves[w].phase = 'waiting';
        phase('baking', `wave ${plan.waves[w - 1].name} bakes ${formatDuration(ms)} before wave ${wave.name}`);
        next(`start wave ${wave.name}`, Date.now() + ms);
        await condition(failed, ms);
        if (failed()) break;
      }
      if (wave.approval) {
        const ms = parseDuration(plan.approvalTimeout);
        status.waves[w].phase = 'awaiting-approval';
        status.pendingApproval = 'beforeTraffic';
        approved = false;
        phase(
          'awaiting-approval',
          `waiting for approve before wave ${wave.name}; times out in ${formatDuration(ms)} and then will ${plan.approvalOnTimeout}`,
        );
        next(`${plan.approvalOnTimeout} if nobody approves`, Date.now() + ms);
        const answered = await condition(() => approved || failed(), ms);
        status.pendingApproval = undefined;
        if (failed()) break;
        if (!answered) {
          const why = `approval of wave ${wave.name} timed out after ${formatDuration(ms)}`;
          if (plan.approvalOnTimeout === 'rollback') {
            fail({ wave: w, reason: why });
            break;
          }
          event('approval-timeout', `${why}; proceeding (approval.onTimeout: proceed)`);
        }
      }
      status.waves[w].phase = 'releasing';
      phase(
        'shifting',
        `wave ${w + 1}/${plan.waves.length} (${wave.name}): releasing ${wave.targets.map((t) => t.name).join(', ')}`,
      );
      next(`every target of wave ${wave.name} at 100%`);
      await Promise.all(wave.targets.map((t) => startTarget(w, t.name)));
      await condition(() => failed() || wave.targets.every((t) => ready.has(t.name) || ended.has(t.name)));
      if (failed()) break;
      status.waves[w].phase = 'holding';
      event('wave-done', `wave ${wave.name}: every target serves ${plan.version} at 100%`);
    }

    if (!failed()) {
      const ms = parseDuration(plan.finalDelay);
      phase('baking', `every wave serves ${plan.version}; keeping the old colors warm for ${formatDuration(ms)}`);
      next('decommission every old color', Date.now() + ms);
      await condition(failed, ms);
    }
  } catch (err) {
    // Starting a child failed in a way startTarget did not expect: roll back what was started.
    fail({ wave: currentWave, reason: describeError(err) });
  }

  let outcome: Outcome;
  let reason: string;
  const needsHuman: string[] = [];
  if (!failure) {
    phase('decommissioning', 'every wave completed: decommissioning every old color');
    next(undefined);
    for (const name of started.keys()) await order(name, 'finish');
    await everyTargetEnded();
    for (const w of status.waves) w.phase = 'done';
    outcome = 'completed';
    reason = `${plan.version} serves 100% on every target (${[...started.keys()].join(', ')})`;
  } else {
    const f: Failure = failure;
    const halt = plan.onWaveFailure === 'halt' && abortReason === undefined;
    const why = f.target ? `${f.target} failed: ${f.reason}` : f.reason;
    phase(
      'rolling-back',
      halt
        ? `halting: ${why}; rolling back wave ${plan.waves[f.wave].name}, finishing earlier waves`
        : `rolling back every target: ${why}`,
    );
    next('every target back on its old color');
    for (const [name] of started) {
      if (ended.has(name)) continue;
      const w = waveOf(name);
      if (halt && w < f.wave) await order(name, 'finish');
      else await order(name, 'abort', `wave release rolls back: ${why}`);
    }
    await everyTargetEnded();
    const kept: string[] = [];
    const back: string[] = [];
    for (const [name, e] of ended) {
      if (e.outcome === 'completed') kept.push(name);
      else back.push(name);
      if (e.outcome === 'failed')
        needsHuman.push(
          ...(e.result?.needsHuman ?? [`${name}: ${e.reason}; \`bluegreen repair ${info.workflowId}\` repairs it`]),
        );
    }
    plan.waves.forEach((wave, w) => {
      const s = status.waves[w];
      if (w > f.wave || (w === f.wave && !wave.targets.some((t) => started.has(t.name)))) {
        s.phase = 'skipped';
        for (const t of s.targets) t.phase = 'never-started';
      } else s.phase = halt && w < f.wave ? 'completed' : 'rolled-back';
    });
    outcome = needsHuman.length ? 'failed' : 'rolled-back';
    reason = halt
      ? `halted: ${why}; ${kept.length ? `${kept.join(', ')} ${kept.length === 1 ? 'keeps' : 'keep'} ${plan.version}` : 'no target keeps the new version'}; ${back.length ? `${back.join(', ')} rolled back to the old version` : 'nothing was rolled back'}`
      : `rolled back every target: ${why}`;
  }

  const result: ReleaseResult = { outcome, reason, liveColor: null, weights: { blue: 0, green: 0 } };
  if (needsHuman.length) result.needsHuman = needsHuman;
  status.result = result;
  next(undefined);
  phase(outcome, needsHuman.length ? `needs a human: ${needsHuman.join('; ')}` : reason);
  await condition(allHandlersFinished);
  if (outcome === 'completed') return result;
  throw endedWithout(outcome, reason, result);

  function waveOf(name: string): number {
    return plan.waves.findIndex((w) => w.targets.some((t) => t.name === name));
  }

  async function everyTargetEnded(): Promise<void> {
    await condition(() => [...started.keys()].every((n) => ended.has(n)));
  }

  /** Starts a target's release as a child; a target that cannot start fails the wave. */
  async function startTarget(w: number, name: string): Promise<void> {
    const t = plan.waves[w].targets.find((x) => x.name === name)!;
    const target = trafficTarget(t.spec);
    const id = releaseIdOfTarget(target);
    const args: ReleaseInput = {
      spec: t.spec,
      specDir,
      requestedBy: input.requestedBy,
      wave: { parentId: info.workflowId, target: name, wave: plan.waves[w].name },
    };
    const attributes = searchablePhase !== undefined;
    let handle: ChildWorkflowHandle<typeof release>;
    try {
      handle = await startChild<typeof release>('release', {
        workflowId: id,
        args: [args],
        // Terminating the wave release cancels its targets: each rolls itself back.
        parentClosePolicy: 'REQUEST_CANCEL',
        ...(attributes
          ? {
              typedSearchAttributes: [
                { key: serviceKey, value: t.spec.service },
                { key: versionKey, value: plan.version },
                { key: recordKey, value: target.searchValue },
                { key: phaseKey, value: 'provisioning' },
              ],
            }
          : {}),
        staticSummary: `${t.spec.service} ${plan.version} → ${target.name} (wave ${plan.waves[w].name} of ${info.workflowId})`,
      });
    } catch (err) {
      const why = `${name} could not start (${id}): ${describeError(err)}`;
      event('target-failed', why);
      targetStatus(name).phase = 'never-started';
      fail({ wave: w, target: name, reason: `could not start its release ${id}: ${describeError(err)}` });
      return;
    }
    started.set(name, handle);
    targetStatus(name).phase = 'releasing';
    event('target-started', `${name}: release ${id} started on ${target.name}`);
    void handle.result().then(
      (result) => targetEnded(w, name, { outcome: 'completed', result, reason: result.reason }),
      (err: unknown) => targetEnded(w, name, fromFailure(err)),
    );
  }

  function targetEnded(w: number, name: string, e: Ended): void {
    ended.set(name, e);
    const s = targetStatus(name);
    s.phase = e.outcome;
    if (e.result) s.result = e.result;
    event(`target-${e.outcome}`, `${name}: ${e.reason}`);
    // A target that ends before the wave release finished it has failed, whatever it says.
    if (e.outcome !== 'completed' || !ready.has(name)) fail({ wave: w, target: name, reason: e.reason });
  }

  /** Tells a running target to finish (decommission its old color) or abort (roll back). */
  async function order(name: string, what: 'finish' | 'abort', why?: string): Promise<void> {
    const id = started.get(name)!.workflowId;
    const handle = getExternalWorkflowHandle(id);
    try {
      if (what === 'finish') {
        targetStatus(name).phase = 'finishing';
        await handle.signal(waveFinishSignal);
      } else await handle.signal(abortSignal, { reason: why!, by: `wave release ${info.workflowId}` });
    } catch (err) {
      // A target that ended meanwhile: its result says how, and arrives on its own.
      event('order-failed', `${name}: could not ${what}: ${describeError(err)}`);
    }
  }

  /** pause, resume, promote and approve reach every releasing target; abort rolls every target back. */
  function registerOperator(): void {
    const refusal = (action: OperatorAction, raw: unknown): string | null => {
      if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw)))
        return `cannot ${action}: the payload must be a JSON object`;
      const p = (raw ?? {}) as { reason?: unknown; by?: unknown; note?: unknown };
      for (const key of ['reason', 'by', 'note'] as const) {
        const v = p[key];
        if (v !== undefined && (typeof v !== 'string' || v.length > MAX_PAYLOAD_FIELD))
          return `cannot ${action}: "${key}" must be a string of at most ${MAX_PAYLOAD_FIELD} characters`;
      }
      if (finalPhases.includes(status.phase)) return `cannot ${action}: wave release has ended (${status.phase})`;
      if (status.phase === 'rolling-back' || status.phase === 'decommissioning')
        return `cannot ${action}: wave release is ${status.phase}`;
      if (action === 'abort') return p.reason && String(p.reason).trim() ? null : 'cannot abort: a reason is required';
      if (action === 'approve' && status.pendingApproval) return null;
      if (releasing().length === 0) return `cannot ${action}: no target is releasing now`;
      return null;
    };
    const releasing = () => [...started.keys()].filter((n) => !ended.has(n) && !ready.has(n));
    const receive = async (action: OperatorAction, raw: unknown, via: string): Promise<ActionOutcome> => {
      const why = refusal(action, raw);
      const p = (raw && typeof raw === 'object' ? raw : {}) as { reason?: string; by?: string; note?: string };
      const by = typeof p.by === 'string' && p.by ? p.by : via;
      if (why) {
        event('rejected', why, by);
        return { accepted: false, message: why };
      }
      let message: string;
      if (action === 'abort') {
        abortReason = `aborted by ${by}: ${p.reason}`;
        fail({ wave: currentWave, reason: abortReason });
        message = `abort requested: ${p.reason}; rolling back every target`;
      } else if (action === 'approve' && status.pendingApproval) {
        approved = true;
        message = `approved wave ${plan.waves[currentWave].name}${p.note ? `: ${p.note}` : ''}`;
      } else {
        const names = releasing();
        for (const name of names)
          await getExternalWorkflowHandle(started.get(name)!.workflowId)
            .signal(signalsByAction[action] as never, { ...p, by } as never)
            .catch((err: unknown) => event('order-failed', `${name}: could not ${action}: ${describeError(err)}`));
        message = `${action} sent to ${names.join(', ')}`;
      }
      event(action, message, by);
      return { accepted: true, message };
    };
    for (const action of ['pause', 'resume', 'abort', 'approve', 'promote'] as const) {
      // The release's own names, so the Web UI and the CLI act on a wave release as on a release.
      setHandler(
        defineSignal<[unknown]>(signalsByAction[action].name),
        (raw: unknown) => void receive(action, raw, 'signal (no sender given)'),
        {
          description: `${actionDescriptions[action]} On a wave release: every releasing target.`,
        },
      );
      setHandler(
        defineUpdate<ActionOutcome, [unknown]>(updatesByAction[action].name),
        (raw: unknown) => receive(action, raw, 'update'),
        {
          validator: (raw: unknown) => {
            const why = refusal(action, raw);
            if (why) throw new Error(why);
          },
          description: `${actionDescriptions[action]} On a wave release: every releasing target.`,
        },
      );
    }
  }
}

/** How a target's release ended, from the failure its child workflow ended with. */
function fromFailure(err: unknown): Ended {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const result = cause.details?.[0] as ReleaseResult | undefined;
    if (result?.outcome) return { outcome: result.outcome, result, reason: result.reason };
  }
  return { outcome: 'failed', reason: `its release ended without a result: ${describeError(cause)}` };
}
