// Terminal rendering of a release: the live `watch` view and `status`.
import { formatDuration } from '../workflows/duration';
import type { MetricStatus, ReleaseStatus, RetryingCall } from '../workflows/messages';
import { formatMetricValue } from '../workflows/metrics-format';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
export const blueText = (t: string) => paint(34, t);
export const greenText = (t: string) => paint(32, t);
export const bold = (t: string) => paint(1, t);
export const dim = (t: string) => paint(2, t);

/** A 40-column bar: blue share on the left, green share on the right. */
export function weightBar(weights: { blue: number; green: number }, width = 40): string {
  const blueCells = Math.round((weights.blue / 100) * width);
  const greenCells = Math.round((weights.green / 100) * width);
  const rest = Math.max(0, width - blueCells - greenCells);
  return `${blueText('█'.repeat(blueCells))}${greenText('█'.repeat(greenCells))}${dim('·'.repeat(rest))}`;
}

/** `width` cuts long lines (the live view must not wrap); omit it to keep lines whole. */
export function renderStatus(s: ReleaseStatus, now = Date.now(), eventCount = 8, width?: number): string {
  const lines: string[] = [];
  lines.push(`${bold(s.service)} ${s.version} → ${s.recordName}   ${dim(s.id)}`);
  if (s.repairOf)
    lines.push(`repair  of run ${s.repairOf.runId} (${s.repairOf.closedAs.toLowerCase().replace(/_/g, ' ')})`);
  const phase = s.paused ? `${s.phase} (paused${s.pauseReason ? `: ${s.pauseReason}` : ''})` : s.phase;
  lines.push(`phase   ${bold(phase)}${s.ended ? bold(` — ${s.ended.how.toUpperCase()}, no rollback ran`) : ''}`);
  if (s.ended) {
    const by = s.ended.by ? ` by ${s.ended.by}` : '';
    lines.push(
      `ended   ${s.ended.how}${by}${s.ended.at ? ` at ${s.ended.at}` : ''}${s.ended.reason ? `: ${s.ended.reason}` : ''}`,
    );
  }
  if (s.waves) {
    // A wave release: a line per target instead of one pair of colors.
    for (const w of s.waves) {
      lines.push(`wave    ${bold(w.name)}  ${w.phase}`);
      for (const t of w.targets) {
        const weights = t.weights
          ? `  ${weightBar(t.weights, 20)}  ${blueText(`blue ${t.weights.blue}%`)} / ${greenText(`green ${t.weights.green}%`)}${t.newColor ? `  new ${t.newColor}` : ''}`
          : '';
        lines.push(`  ${t.name.padEnd(16)} ${t.phase.padEnd(15)} ${t.target.name}${weights}  ${dim(t.id)}`);
      }
    }
  } else lines.push(`colors  live ${s.liveColor ?? '(none yet)'} → new ${s.newColor}`);
  // While a call retries, the weights the release last set may not be what the router has.
  const lastSet = s.retrying?.length && !s.route53Now ? dim('  (what the release last set)') : '';
  if (!s.waves)
    lines.push(
      `weights ${weightBar(s.weights)}  ${blueText(`blue ${s.weights.blue}%`)} / ${greenText(`green ${s.weights.green}%`)}${lastSet}`,
    );
  if (s.route53Now) {
    const w = s.route53Now.weights;
    const label = s.target?.provider ?? 'route53';
    lines.push(
      w
        ? `${label} ${weightBar({ blue: w.blue ?? 0, green: w.green ?? 0 })}  ${blueText(`blue ${w.blue ?? '-'}%`)} / ${greenText(`green ${w.green ?? '-'}%`)}  now (${s.route53Now.at.slice(11, 19)}); the line above is what the release last set`
        : `${label} ${s.route53Now.error}`,
    );
  }
  if (s.observedShare) {
    const o = s.observedShare;
    const pct = (f: number) => Math.round(f * 1000) / 10;
    const shown = { blue: pct(o.blue), green: pct(o.green) };
    lines.push(
      `seen    ${weightBar(shown)}  ${blueText(`blue ${shown.blue}%`)} / ${greenText(`green ${shown.green}%`)}  of ${o.requests} requests over ${o.window} (${o.source}, ${o.at.slice(11, 19)})`,
    );
  }
  const checks = Object.entries(s.healthChecks ?? {});
  if (checks.length)
    lines.push(`checks  ${checks.map(([color, id]) => `${color} ${id}`).join(', ')} (Route 53 health checks)`);
  for (const r of s.retrying ?? []) lines.push(`retry   ${bold(retryLine(r, now))}`);
  if (s.step.total) lines.push(`step    ${s.step.index}/${s.step.total}`);
  if (s.next) {
    const left = s.next.at ? `  (in ${formatDuration(Date.parse(s.next.at) - now)})` : '';
    lines.push(`next    ${s.next.action}${left}`);
  }
  if (s.pendingApproval) lines.push(`approve ${s.pendingApproval}: bluegreen approve ${s.id}`);
  if (s.analysis?.metrics.length) {
    lines.push('analysis');
    for (const line of renderMetrics(s.analysis.metrics)) lines.push(`  ${line}`);
  }
  if (s.result) {
    lines.push(`result  ${bold(s.result.outcome)}: ${s.result.reason}`);
    for (const h of s.result.needsHuman ?? []) lines.push(`  needs a human: ${h}`);
  }
  if (s.ended) lines.push(`repair  ${bold(s.ended.repair)}`);
  if (s.notifier?.pending) {
    const n = s.notifier.pending;
    lines.push(
      `notify  ${n} ${n === 1 ? 'delivery or gate' : 'deliveries or gates'} still pending (${s.notifier.workflowIds.at(-1)})`,
    );
  }
  if (s.notifier?.unavailable) lines.push(`notify  ${s.notifier.unavailable}`);
  if (s.events.length) {
    lines.push('events');
    for (const e of s.events.slice(-eventCount)) lines.push(`  ${formatEvent(e)}`);
  }
  return width ? lines.map((l) => fit(l, width)).join('\n') : lines.join('\n');
}

/** A call Temporal is retrying: what, which attempt, since when, the last error, the next try. */
export function retryLine(r: RetryingCall, now = Date.now()): string {
  const of = r.maxAttempts ? ` of ${r.maxAttempts}` : '';
  const since = `since ${r.since.slice(11, 19)} (${formatDuration(Math.max(0, now - Date.parse(r.since)))} ago)`;
  const next = r.nextAttemptAt
    ? `; next attempt in ${formatDuration(Math.max(0, Date.parse(r.nextAttemptAt) - now))}`
    : '';
  const via = r.batcher ? ` (by ${r.batcher})` : '';
  return `${r.call}${via}: attempt ${r.attempt}${of}, ${since}; last error: ${r.lastError}${next}`;
}

/** One line per metric: name, value against its range, verdict, counters, when measured. */
export function renderMetrics(metrics: MetricStatus[]): string[] {
  const nameWidth = Math.max(...metrics.map((m) => m.name.length));
  const valueWidth = Math.max(...metrics.map((m) => formatMetricValue(m.value).length));
  return metrics.map((m) => {
    const verdict =
      m.verdict === 'passed'
        ? greenText('passed')
        : m.verdict === 'failed'
          ? paint(31, 'FAILED')
          : paint(33, 'inconclusive');
    const counters = m.failures || m.inconclusive ? ` (failed ${m.failures}, inconclusive ${m.inconclusive})` : '';
    const why = m.verdict === 'passed' ? '' : `: ${m.message}`;
    return `${m.name.padEnd(nameWidth)}  ${formatMetricValue(m.value).padStart(valueWidth)} ${dim(`(${m.range})`)}  ${verdict}${why}${counters}  ${dim(m.at.slice(11, 19))}`;
  });
}

/** Cuts a line to `width` visible characters, leaving colour codes intact. */
function fit(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible === width - 1 && visible < stripped(line).length - 1)
      return `${out}…${line.includes('\x1b') ? '\x1b[0m' : ''}`;
    out += line[i];
    visible++;
  }
  return out;
}

// Matching the ESC control character is the point here.
// eslint-disable-next-line no-control-regex
const ANSI_COLOR = /\x1b\[[0-9;]*m/g;

export function stripped(line: string): string {
  return line.replace(ANSI_COLOR, '');
}

export function formatEvent(e: ReleaseStatus['events'][number]): string {
  const time = e.at.slice(11, 19);
  const by = e.by ? ` [${e.by}]` : '';
  return `${dim(time)} ${e.type.padEnd(13)} ${e.message.split('\n').join(' · ')}${by}`;
}

/**
 * The events a line-by-line watcher has not printed yet, given how many it printed so far. The
 * status keeps only the latest events; eventCount (absent from releases started before it
 * existed) counts all of them, so a long release keeps printing after the first 200.
 */
export function unprintedEvents(
  status: Pick<ReleaseStatus, 'events' | 'eventCount'>,
  printed: number,
): { events: ReleaseStatus['events']; printed: number } {
  const total = status.eventCount ?? status.events.length;
  const missing = Math.max(0, total - printed);
  return { events: missing ? status.events.slice(-Math.min(missing, status.events.length)) : [], printed: total };
}
