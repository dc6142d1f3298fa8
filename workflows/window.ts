// Change windows, computed deterministically from workflow time: is `now` inside the window,
// and if not, when does it next open? Uses Intl's time-zone data, so daylight saving time
// shifts are handled by the same rules the rest of the world uses.
import type { DayName, WindowSpec } from './spec';

const DAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const DAY_NAMES: DayName[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface LocalTime {
  year: number;
  month: number;
  day: number;
  minutes: number; // minutes since local midnight
  weekday: DayName;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function localTime(instant: number, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: DAY_NAMES[DAY_INDEX[parts.weekday]],
  };
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instant: number, timeZone: string): number {
  const l = localTime(instant, timeZone);
  const seconds = Math.floor(instant / 1000) % 60;
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, Math.floor(l.minutes / 60), l.minutes % 60, seconds);
  return asUtc - (instant - (instant % 1000));
}

/** The instant a local wall-clock time happens; a time skipped by DST lands just after the gap. */
export function instantOf(year: number, month: number, day: number, minutes: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, Math.floor(minutes / 60), minutes % 60);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}

function toMinutes(clock: string): number {
  const [h, m] = clock.split(':').map(Number);
  return h * 60 + m;
}

export function isInsideWindow(now: number, w: WindowSpec): boolean {
  const l = localTime(now, w.timezone);
  return w.days.includes(l.weekday) && l.minutes >= toMinutes(w.start) && l.minutes < toMinutes(w.end);
}

/** null when the window is open at `now`; otherwise the next instant it opens (within 8 days). */
export function nextWindowOpening(now: number, w: WindowSpec): number | null {
  if (isInsideWindow(now, w)) return null;
  const start = toMinutes(w.start);
  for (let ahead = 0; ahead <= 8; ahead++) {
    // Step through local calendar days: noon avoids landing on a DST edge.
    const today = localTime(now, w.timezone);
    const noon = instantOf(today.year, today.month, today.day, 12 * 60, w.timezone) + ahead * 86_400_000;
    const day = localTime(noon, w.timezone);
    if (!w.days.includes(day.weekday)) continue;
    const opening = instantOf(day.year, day.month, day.day, start, w.timezone);
    if (opening > now) return opening;
  }
  throw new Error(`window never opens: ${JSON.stringify(w)}`);
}

export function describeWindow(w: WindowSpec): string {
  return `${w.days.join(',')} ${w.start}-${w.end} ${w.timezone}`;
}
