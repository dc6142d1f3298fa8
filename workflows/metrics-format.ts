// How a metric's value reads in status, watch and the Web UI: short, and honest about "no value".

/** "0.0123", "512", "1.5e+6"; an em dash when nothing usable was read. */
export function formatMetricValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  return String(Number(value.toPrecision(4)));
}
