// The observed traffic share: what fraction of real requests each color got, beside the weights
// the router was told. Weights are intent; with DNS, caches make the share lag them. Measured in
// activities (activities/observe/), carried here as plain data: status, events and templates.
import type { AlbRouterSpec, HaproxyRouterSpec } from './router-spec';
import type { Color, ObserveSpec, ReleaseSpec } from './spec';

export interface ObservedShare {
  /** Fraction (0–1) of the observed requests that reached each color. */
  blue: number;
  green: number;
  /** Requests counted in the window (rate sources: requests per second × window, rounded). */
  requests: number;
  /** How long the window was, as a duration ("10s", "60s"). */
  window: string;
  /** When it was read (ISO time). */
  at: string;
  /** Where it came from, in words: "haproxy show stat", "cloudwatch RequestCount", "traffic.observe prometheus". */
  source: string;
}

/** Where a release reads its observed share: the router itself, or `traffic.observe`. */
export type ShareSource =
  | { kind: 'haproxy'; router: HaproxyRouterSpec }
  | { kind: 'alb'; router: AlbRouterSpec }
  | { kind: 'observe'; observe: ObserveSpec };

/** The spec's share source; null when nothing can observe (Route 53 without traffic.observe). */
export function shareSourceOf(spec: Pick<ReleaseSpec, 'router' | 'traffic'>): ShareSource | null {
  if (spec.traffic.observe) return { kind: 'observe', observe: spec.traffic.observe };
  if (spec.router?.provider === 'haproxy') return { kind: 'haproxy', router: spec.router };
  if (spec.router?.provider === 'alb') return { kind: 'alb', router: spec.router };
  return null;
}

/** "green 24% (blue 76%) of 310 requests over 10s, haproxy show stat". */
export function describeShare(share: ObservedShare, color: Color): string {
  const other: Color = color === 'blue' ? 'green' : 'blue';
  const pct = (f: number) => `${Math.round(f * 1000) / 10}%`;
  return `${color} ${pct(share[color])} (${other} ${pct(share[other])}) of ${share.requests} requests over ${share.window}, ${share.source}`;
}
