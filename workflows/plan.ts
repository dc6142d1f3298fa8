// Pure, deterministic release planning: which color is live, what each step weighs and waits.
// No I/O: safe in the workflow, easy to test. Judging analysis lives in workflows/analysis.ts.
import { formatDuration, parseDuration } from './duration';
import type { Color, ReleaseSpec } from './spec';
import type { Weights } from '../contract/weights';

export type { Weights };

export function otherColor(color: Color): Color {
  return color === 'blue' ? 'green' : 'blue';
}

export interface LiveDetection {
  /** null on the first release: no weighted records exist yet. */
  liveColor: Color | null;
  newColor: Color;
  /** Set when the records were in a state a finished release never leaves. */
  warning?: string;
}

export function detectLiveColor(observed: Partial<Weights>): LiveDetection {
  const blue = observed.blue;
  const green = observed.green;
  if (blue === undefined && green === undefined) return { liveColor: null, newColor: 'blue' };
  const b = blue ?? 0;
  const g = green ?? 0;
  if (b > 0 && g > 0) {
    // An interrupted release left traffic split; the heavier color is the one users rely on.
    const liveColor: Color = g > b ? 'green' : 'blue';
    return {
      liveColor,
      newColor: otherColor(liveColor),
      warning: `traffic was split (blue ${b}, green ${g}); treating ${liveColor} as live`,
    };
  }
  if (b === 0 && g === 0) {
    // Route 53 spreads traffic evenly when every weight is 0; treat blue as live and say so.
    return {
      liveColor: 'blue',
      newColor: 'green',
      warning: 'both records had weight 0 (Route 53 then splits evenly); treating blue as live',
    };
  }
  const liveColor: Color = g > 0 ? 'green' : 'blue';
  return { liveColor, newColor: otherColor(liveColor) };
}

export function weightsFor(newColor: Color, percentOnNew: number): Weights {
  const w = { blue: 0, green: 0 };
  w[newColor] = percentOnNew;
  w[otherColor(newColor)] = 100 - percentOnNew;
  return w;
}

export interface PlannedStep {
  index: number;
  percent: number;
  weights: Weights;
  waitMs: number;
  /** Why the wait differs from traffic.interval, if it does. */
  note?: string;
}

export interface ReleasePlan {
  steps: PlannedStep[];
  bakeMs: number;
  approvalTimeoutMs: number;
  gates: { beforeTraffic: boolean; beforeDecommission: boolean };
  minimumTotalMs: number;
}

/** The effective wait of a step: never shorter than the DNS TTL, or resolvers still hold old answers. */
export function effectiveStepWaitMs(spec: ReleaseSpec): { waitMs: number; note?: string } {
  const intervalMs = parseDuration(spec.traffic.interval);
  // Only DNS has a TTL: a router (ALB, HAProxy) applies a change to the next request.
  if (!spec.dns) return { waitMs: intervalMs };
  const ttlMs = spec.dns.ttl * 1000;
  if (ttlMs > intervalMs)
    return { waitMs: ttlMs, note: `raised from ${spec.traffic.interval} to the DNS TTL (${spec.dns.ttl}s)` };
  return { waitMs: intervalMs };
}

export function planRelease(spec: ReleaseSpec, newColor: Color, firstRelease: boolean): ReleasePlan {
  const { waitMs, note } = effectiveStepWaitMs(spec);
  const percents = firstRelease ? [100] : spec.traffic.steps;
  const steps = percents.map((percent, index) => ({
    index: index + 1,
    percent,
    weights: weightsFor(newColor, percent),
    // A first release has nothing to compare against or to fall back to: it goes live at once.
    waitMs: firstRelease ? 0 : waitMs,
    note: firstRelease ? 'first release: nothing to shift from' : note,
  }));
  // The last step's wait is the warm period; no separate interval is spent at 100%.
  const bakeMs = firstRelease ? 0 : parseDuration(spec.decommission.delay);
  const shiftingMs = steps.slice(0, -1).reduce((sum, s) => sum + s.waitMs, 0);
  return {
    steps,
    bakeMs,
    approvalTimeoutMs: parseDuration(spec.approval.timeout),
    gates: {
      beforeTraffic: spec.approval.beforeTraffic,
      beforeDecommission: spec.approval.beforeDecommission && !firstRelease,
    },
    minimumTotalMs: shiftingMs + bakeMs,
  };
}

export function describePlan(plan: ReleasePlan): string[] {
  const lines = plan.steps.map(
    (s) =>
      `step ${s.index}/${plan.steps.length}: blue ${s.weights.blue}% / green ${s.weights.green}%` +
      (s.index < plan.steps.length ? `, hold ${formatDuration(s.waitMs)}` : '') +
      (s.note && s.index === 1 ? ` (${s.note})` : ''),
  );
  if (plan.bakeMs > 0) lines.push(`keep the old color warm ${formatDuration(plan.bakeMs)}, then decommission it`);
  return lines;
}

/** The version for people to read: the given one, or where a recurring release will read it. */
export function versionLabel(spec: ReleaseSpec): string {
  if (spec.version !== undefined) return spec.version;
  const from = spec.versionFrom!;
  return 'url' in from ? `(version from ${from.url})` : `(version from \`${from.command.join(' ')}\`)`;
}
