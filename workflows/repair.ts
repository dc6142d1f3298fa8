// Repair: puts a record back into a known state after a release ended without unwinding its saga
// (terminated from the Web UI, timed out, a wiped worker host, an undo that gave up). It runs
// under the record's release id, so no release can start meanwhile, and reports like a release:
// the same `status` query, events saying what it found and what it did. Read it as the plan:
// read Route 53, decide (repair-plan.ts), act with the release's own idempotent activities,
// read Route 53 again to prove the record is consistent.
import { ApplicationFailure, patched, proxyActivities, setHandler, upsertMemo } from '@temporalio/workflow';
import type { Activities, ColorRequest } from '../contract/activities';
import { statusQuery, type Outcome, type ReleaseResult } from './messages';
import { Notifier } from './notifier';
import { OperatorControl } from './operator';
import { activitiesFor } from './activity-options';
import { SERVES_VERSION_MEMO } from './names';
import { describeError } from './errors';
import { describeWeights, planRepair, sameWeights, type RepairInput } from './repair-plan';
import type { Color, DnsSpec, ReleaseSpec } from './spec';
import type { Weights } from './plan';
import { healthCheckPrefix, onlyCheckOf, type HealthCheckIds } from './routing/route53-health-checks';
import { ReleaseTracker } from './tracker';
import { routerOf, routerWords, shiftedWords, stateKeyOf, trafficTarget } from './target';
import type { ObservedWeights } from '../contract/weights';

export async function repair(input: RepairInput): Promise<ReleaseResult> {
  const { spec, specDir, last } = input;
  const tracker = new ReleaseTracker(input);
  const version = last.status?.version ?? spec.version ?? '';
  tracker.status.version = version;
  tracker.status.step = { index: 0, total: 0 };
  tracker.status.repairOf = { runId: last.runId, closedAs: last.closedAs };
  setHandler(statusQuery, () => tracker.status, {
    description: 'The repair, in the shape `bluegreen status --json` shows.',
  });
  // Operator actions arrive by habit (or from the Web UI); refuse them with a reason rather than ignore them.
  new OperatorControl(tracker).register();
  // Repairs started before these existed replay without them: the release's sinks hearing of the
  // repair (payload kind "repair": it changes production traffic), and the memo that tells the
  // next versionFrom release which version a finishing repair left live.
  const current = patched('repair-notifies');
  const notifier = current ? new Notifier({ notify: spec.notify ?? [] }, tracker) : undefined;
  const finish = async (...args: Parameters<typeof recordEnd>): Promise<ReleaseResult> => {
    const result = recordEnd(...args);
    await notifier?.drain();
    if (result.outcome === 'completed') return result;
    throw ApplicationFailure.create({
      message: `${result.outcome}: ${result.reason}`,
      type: 'NeedsHuman',
      nonRetryable: true,
      details: [result],
    });
  };

  const act = activitiesFor(spec);
  const routing = routerOf(spec);
  const target = trafficTarget(spec);
  const color = (c: Color): ColorRequest => ({
    environment: spec.environment,
    specDir,
    service: spec.service,
    color: c,
    version,
    // The local provider keys its processes by record: the same key the release used.
    recordName: stateKeyOf(spec),
  });

  // 1. What the last release knew, and what Route 53 says now.
  tracker.phase(
    'repairing',
    `repairing ${target.name} after run ${last.runId} ended ${last.closedAs.toLowerCase().replace(/_/g, ' ')}`,
  );
  const routerName = routerWords(routing.provider);
  const observed = await act.dns.readTraffic(routing);
  // Route 53 health checks (dns.healthCheck): only such specs read them, so older repairs replay.
  const healthCheck = routing.provider === 'route53' ? routing.healthCheck : undefined;
  const checksBefore: HealthCheckIds = healthCheck ? await act.dns.readHealthChecks(routing) : {};
  const plan = planRepair(last, observed, routerName);
  tracker.colors(plan.target.liveColor, last.status?.newColor ?? 'blue', observed);
  tracker.event('found', plan.found);
  if (plan.needsHuman) return finish(tracker, 'failed', 'the record needs a human', [plan.needsHuman], null);
  tracker.event('plan', [plan.summary, ...plan.steps.map((s, i) => `${i + 1}. ${s.what}`)].join('\n'));

  // 2. The color that will serve must answer before anything changes: sending all traffic to a
  // color that died meanwhile (a wiped host takes both colors) is worse than leaving it split.
  const serving = plan.target.liveColor;
  if (serving && plan.steps.length) {
    tracker.next(`health-check ${serving}, which will serve`);
    const where = await act.env.locateColor(color(serving));
    const health = where.running
      ? await act.probe.checkHealth(where.endpoint, spec.verify.http)
      : { healthy: false, attempts: 0, last: 'it is not running' };
    if (!health.healthy)
      return finish(
        tracker,
        'failed',
        `nothing changed: ${serving} cannot take the traffic`,
        [
          `${serving}, which would serve after the repair, is not healthy (${health.last}); nothing was changed. Bring ${serving} back (or set the weights to the color that works by hand), then run repair again`,
        ],
        null,
      );
    tracker.event('checked', `${serving} is healthy at ${where.endpoint} (${health.last})`);
  }

  // 3. Act. Each step is idempotent; a failed step stops the rest (never decommission a color
  // that may still carry traffic).
  let changed = 0;
  const problems: string[] = [];
  for (const step of plan.steps) {
    tracker.next(step.what);
    try {
      if (step.kind === 'shift') {
        // The color left serving keeps its health check; the other's is detached (and deleted below).
        const keep = healthCheck && serving ? onlyCheckOf(checksBefore, serving) : healthCheck ? {} : undefined;
        const shifted = await act.undo.shiftTraffic(routing, step.weights, keep);
        tracker.weights(step.weights, tracker.status.step);
        tracker.event('shifted', `${describeWeights(step.weights)} ${shiftedWords(routing.provider, shifted.polls)}`);
        changed++;
      } else if (step.kind === 'remove-records') {
        const removed = await act.undo.removeTraffic(routing);
        const what = routing.provider === 'route53' ? 'both weighted records' : 'both weights (back to 0)';
        tracker.event('removed', removed.removed ? `removed ${what}` : 'no records were left to remove');
        if (removed.removed) changed++;
      } else {
        const done = await (step.undo ? act.undo : act.env).decommissionColor(color(step.color));
        tracker.event('decommissioned', done.detail);
        if (done.stopped > 0) changed++;
      }
    } catch (err) {
      const problem = `${step.what} failed: ${describeError(err)}`;
      problems.push(problem);
      tracker.event('repair-failed', problem);
      break;
    }
  }

  // 4. Prove it: Route 53 must now hold the target state.
  tracker.next(`verify the weights in ${routerName}`);
  const after: ObservedWeights = await act.dns.readTraffic(routing);
  tracker.colors(plan.target.liveColor, tracker.status.newColor, after);
  if (problems.length === 0 && !sameWeights(after, plan.target.weights))
    problems.push(
      `${routerName} has ${describeWeights(after)} after the repair, expected ${describeWeights(plan.target.weights)}: something else changed the record; check it by hand`,
    );
  if (problems.length) return finish(tracker, 'failed', `repair of ${target.name} stopped`, problems, null);
  tracker.event('verified', `${routerName} has ${describeWeights(after)}`);
  let strayChecks = 0;
  if (healthCheck && routing.provider === 'route53') {
    try {
      strayChecks = await retireStrayHealthChecks(routing, act, tracker, plan.target.liveColor, plan.target.weights);
    } catch (err) {
      const problem = `removing the record's stray Route 53 health checks failed: ${describeError(err)}; run repair again`;
      tracker.event('repair-failed', problem);
      return finish(tracker, 'failed', `repair of ${target.name} stopped`, [problem], null);
    }
  }
  const checksWords = strayChecks ? `; ${strayChecks} stray Route 53 health check(s) detached or deleted` : '';
  const reason = changed
    ? `repaired: ${plan.summary}${checksWords}`
    : strayChecks
      ? `repaired: the record${checksWords}`
      : `nothing to do: ${plan.steps.length ? 'every step was already done' : plan.summary.replace(/^nothing to do: /, '')}`;
  // Finishing a release makes its version the live one, as if it had completed itself.
  const finished = plan.target.liveColor !== null && plan.target.liveColor === last.status?.newColor;
  if (current && finished) upsertMemo({ [SERVES_VERSION_MEMO]: version });
  return finish(tracker, 'completed', reason, [], plan.target.liveColor);
}

/**
 * At rest a record carries one health check, the live color's: a check on the other color's
 * record is detached (one UPSERT at the weights it has), and every check bluegreen made for the
 * record that no record uses any more is deleted. Returns how many things it changed.
 */
async function retireStrayHealthChecks(
  routing: DnsSpec,
  act: ReturnType<typeof activitiesFor>,
  tracker: ReleaseTracker,
  serving: Color | null,
  weights: Weights | null,
): Promise<number> {
  let changed = 0;
  let onRecords = await act.dns.readHealthChecks(routing);
  const stray = Object.keys(onRecords).filter((c) => c !== serving);
  if (serving && weights && stray.length) {
    await act.undo.shiftTraffic(routing, weights, onlyCheckOf(onRecords, serving));
    tracker.event(
      'health-check',
      `detached ${stray.map((c) => `${c}'s health check ${onRecords[c as Color]}`).join(', ')}`,
    );
    onRecords = onlyCheckOf(onRecords, serving);
    changed++;
  }
  tracker.status.healthChecks = { ...onRecords };
  const prefix = healthCheckPrefix(routing);
  const used = new Set(Object.values(onRecords));
  for (const check of await act.healthChecks.undo.route53ListHealthChecks(prefix)) {
    if (used.has(check.id)) continue;
    const done = await act.healthChecks.undo.route53DeleteHealthCheck({ id: check.id, prefix });
    if (done.deleted) {
      tracker.event('health-check', `deleted Route 53 health check ${check.id}, which no record uses`);
      changed++;
    }
  }
  return changed;
}

/** Route 53's weights now, read by a worker: `bluegreen status` of a terminated release shows them. */
export async function observeTraffic(spec: ReleaseSpec): Promise<ObservedWeights> {
  // One direct read of the router (for `status` while a call retries): through the zone's batcher
  // it would queue behind the very change that is being retried for the same record.
  if (patched('observe-direct'))
    return proxyActivities<Activities>({ startToCloseTimeout: '20s', retry: { maximumAttempts: 2 } }).readTraffic(
      routerOf(spec),
    );
  return activitiesFor(spec).dns.readTraffic(routerOf(spec));
}

/** Records how the repair ended. Like a release's end, a repair that needs a human then fails the
 * workflow (see `finish`), so the Web UI flags it; the result rides along. */
function recordEnd(
  tracker: ReleaseTracker,
  outcome: Outcome,
  reason: string,
  needsHuman: string[],
  liveColor: Color | null,
): ReleaseResult {
  const s = tracker.status;
  const result: ReleaseResult = { outcome, reason, liveColor, weights: s.weights };
  if (needsHuman.length) result.needsHuman = needsHuman;
  s.result = result;
  tracker.next(undefined);
  tracker.phase(outcome, needsHuman.length ? `needs a human: ${needsHuman.join('; ')}` : reason);
  return result;
}
