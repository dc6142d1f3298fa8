// Prometheus for the local stack (`bluegreen dev`, the demo) and the tests: where the binary is,
// and a file_sd target list of the apps that releases started, labelled with their service, color
// and version so a query can say {service="shop",color="green"}.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ReleaseSpec } from '../workflows/spec';

export const PROMETHEUS_INSTALL = 'sudo apt-get install -y prometheus';

/**
 * The prometheus binary: PROMETHEUS_BIN when set (only it: PROMETHEUS_BIN=none turns Prometheus
 * off), else PATH, else Debian's /usr/bin/prometheus.
 */
export function findPrometheus(): string | undefined {
  const configured = process.env.PROMETHEUS_BIN;
  if (configured) return existsSync(configured) ? configured : undefined;
  const candidates: (string | undefined)[] = [];
  try {
    candidates.push(execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined);
  } catch {
    /* not on PATH */
  }
  candidates.push('/usr/bin/prometheus');
  return candidates.find((c): c is string => !!c && existsSync(c));
}

export interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** A Prometheus config that scrapes the targets in `targetsFile` every `scrapeInterval`. */
export function prometheusConfig(targetsFile: string, scrapeInterval = '1s'): string {
  return JSON.stringify(
    {
      global: { scrape_interval: scrapeInterval, evaluation_interval: scrapeInterval },
      scrape_configs: [
        {
          job_name: 'bluegreen-apps',
          file_sd_configs: [{ files: [targetsFile], refresh_interval: '1s' }],
        },
      ],
    },
    null,
    2,
  );
}

/** The local provider's apps (from their state files) as file_sd groups. */
export function localAppTargets(stateDir: string): FileSdGroup[] {
  const dir = path.join(stateDir, 'local');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const groups: FileSdGroup[] = [];
  for (const file of files.sort()) {
    try {
      const s = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
        service?: string;
        color?: string;
        version?: string;
        port?: number;
      };
      if (!s.port || !s.service || !s.color) continue;
      groups.push({
        targets: [`127.0.0.1:${s.port}`],
        labels: { service: s.service, color: s.color, version: s.version ?? '' },
      });
    } catch {
      /* a state file being written; the next pass reads it */
    }
  }
  return groups;
}

/** Writes the targets file atomically when it changed; returns whether it did. */
export function writeTargets(targetsFile: string, groups: FileSdGroup[]): boolean {
  const text = `${JSON.stringify(groups, null, 2)}\n`;
  let current = '';
  try {
    current = readFileSync(targetsFile, 'utf8');
  } catch {
    /* first write */
  }
  if (current === text) return false;
  writeFileSync(`${targetsFile}.tmp`, text);
  renameSync(`${targetsFile}.tmp`, targetsFile);
  return true;
}

/**
 * Points a spec's Prometheus metrics at the local stack's Prometheus, or, without one, drops them
 * so the release is judged by the built-in probe alone (the demo says so).
 */
export function pointPrometheusMetricsAt(spec: ReleaseSpec, prometheusUrl: string | undefined): void {
  const a = spec.traffic.analysis;
  a.metrics = prometheusUrl
    ? a.metrics.map((m) => (m.prometheus ? { ...m, prometheus: { ...m.prometheus, address: prometheusUrl } } : m))
    : a.metrics.filter((m) => !m.prometheus);
}
