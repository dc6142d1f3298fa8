// The release's observable state: one object serves the `status` query, the CLI, the Web UI's
// current details and the BlueGreenPhase search attribute, so they never disagree.
import { log, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ObservedShare } from './observed-share';
import { formatDuration } from './duration';
import type { MetricStatus, Phase, ReleaseEvent, ReleaseInput, ReleaseStatus } from './messages';
import { formatMetricValue } from './metrics-format';
import type { Weights } from './plan';
import { phaseKey, versionKey } from './search-attributes';
import type { Color } from './spec';
import { statusTarget, trafficTarget } from './target';

export const MAX_EVENTS = 200;

export class ReleaseTracker {
  readonly status: ReleaseStatus;
  /** The BlueGreenPhase value last written; undefined when the namespace lacks our attributes. */
  private searchablePhase: string | undefined;

  constructor(input: ReleaseInput) {
    const info = workflowInfo();
    // A run continued from a checkpoint picks up the status (events included) where the last run left it.
    this.status = input.checkpoint?.status ?? {
      id: info.workflowId,
      service: input.spec.service,
      version: input.spec.version ?? '(read from versionFrom at start)',
      // Kept for clients that read it; `target` says what it is for every router.
      recordName: trafficTarget(input.spec).name,
      target: statusTarget(input.spec),
      phase: 'provisioning',
      liveColor: null,
      newColor: 'blue',
      weights: { blue: 0, green: 0 },
      step: { index: 0, total: input.spec.traffic.steps.length },
      paused: false,
      events: [],
    };
    // Only upsert the phase when the starter set our attributes, i.e. the namespace has them.
    this.searchablePhase = info.typedSearchAttributes.get(phaseKey);
  }

  /** Called after every event is recorded (the notifier listens here). */
  onEvent: (e: ReleaseEvent) => void = () => undefined;

  event(type: string, message: string, by?: string): void {
    const e: ReleaseEvent = { at: new Date().toISOString(), type, message };
    if (by) e.by = by;
    this.status.events.push(e);
    this.status.eventCount = (this.status.eventCount ?? 0) + 1;
    if (this.status.events.length > MAX_EVENTS) this.status.events.splice(0, this.status.events.length - MAX_EVENTS);
    this.publish();
    this.onEvent(e);
  }

  phase(phase: Phase, message: string): void {
    this.status.phase = phase;
    // Replay-safe (not emitted while replaying); the worker counts phases and outcomes from it.
    log.info(`phase ${phase}: ${message}`, { release: this.status.id, phase });
    if (this.searchablePhase !== undefined && this.searchablePhase !== phase) {
      upsertSearchAttributes([{ key: phaseKey, value: phase }]);
      this.searchablePhase = phase;
    }
    this.event(phase, message);
  }

  version(version: string): void {
    this.status.version = version;
    if (this.searchablePhase !== undefined) upsertSearchAttributes([{ key: versionKey, value: version }]);
    this.event('version', `version ${version} (from versionFrom)`);
  }

  colors(liveColor: Color | null, newColor: Color, observed: Partial<Weights>): void {
    this.status.liveColor = liveColor;
    this.status.newColor = newColor;
    this.status.weights = { blue: observed.blue ?? 0, green: observed.green ?? 0 };
  }

  weights(weights: Weights, step: { index: number; total: number }): void {
    this.status.weights = weights;
    this.status.step = step;
    this.publish();
  }

  next(action: string | undefined, atMs?: number): void {
    this.status.next =
      action === undefined
        ? undefined
        : { action, ...(atMs !== undefined ? { at: new Date(atMs).toISOString() } : {}) };
    this.publish();
  }

  /** The analysis table: one line per metric, latest measurement and counters. */
  observedShare(share: ObservedShare): void {
    this.status.observedShare = share;
    this.publish();
  }

  analysis(metrics: MetricStatus[]): void {
    this.status.analysis = { metrics };
    this.publish();
  }

  /** Markdown for the Web UI's "current details" panel. */
  private publish(): void {
    const s = this.status;
    const lines = [
      `**${s.phase}**${s.paused ? ' · ⏸ paused' : ''} · ${s.service} ${s.version} on ${s.recordName}`,
      `Weights: blue ${s.weights.blue}% · green ${s.weights.green}% (step ${s.step.index}/${s.step.total})`,
    ];
    if (s.observedShare) {
      const o = s.observedShare;
      const pct = (f: number) => Math.round(f * 1000) / 10;
      lines.push(
        `Observed: blue ${pct(o.blue)}% · green ${pct(o.green)}% of ${o.requests} requests over ${o.window} (${o.source}, ${o.at.slice(11, 19)})`,
      );
    }
    if (s.next) {
      const when = s.next.at ? ` in ${formatDuration(Date.parse(s.next.at) - Date.now())} (${s.next.at})` : '';
      lines.push(`Next: ${s.next.action}${when}`);
    }
    if (s.pendingApproval) lines.push(`Waiting for approval (${s.pendingApproval}): send the \`approve\` signal.`);
    if (s.analysis?.metrics.length) lines.push(analysisTable(s.analysis.metrics));
    const last = s.events[s.events.length - 1];
    if (last) lines.push(`Latest: ${last.message}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}

function analysisTable(metrics: MetricStatus[]): string {
  const rows = metrics.map(
    (m) =>
      `| ${m.name} | ${formatMetricValue(m.value)} | ${m.range} | ${m.verdict} | ${m.failures} | ${m.inconclusive} | ${m.at.slice(11, 19)} |`,
  );
  return [
    '| metric | value | range | verdict | failed | inconclusive | at |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
