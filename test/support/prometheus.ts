// Prometheus (Debian's `prometheus` package) for tests: started on a free port with a generated
// config that scrapes the given targets every second. Each test file gets its own instance.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findPrometheus, PROMETHEUS_INSTALL } from '../../client/prometheus';
import { freePort, httpOk, startProcess, waitFor, type Started } from './processes';

/** The prometheus binary; fails with the install command when it is missing. */
export function prometheusBinary(): string {
  const found = findPrometheus();
  if (!found)
    throw new Error(`prometheus not found (PROMETHEUS_BIN, PATH, /usr/bin/prometheus): ${PROMETHEUS_INSTALL}`);
  return found;
}

export interface ScrapeTarget {
  /** host:port serving /metrics */
  target: string;
  labels?: Record<string, string>;
}

export interface Prometheus {
  url: string;
  process: Started;
  /** Resolves once an instant query returns at least one series (the first scrapes are in). */
  waitForSeries: (query: string, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

export async function startPrometheus(targets: ScrapeTarget[]): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [
        {
          job_name: 'apps',
          static_configs: targets.map((t) => ({ targets: [t.target], labels: t.labels ?? {} })),
        },
      ],
    }),
  );
  const port = await freePort();
  const started = startProcess(prometheusBinary(), [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('prometheus', () => httpOk(`${url}/-/ready`), 30_000, started);
  return {
    url,
    process: started,
    async waitForSeries(query, timeoutMs = 20_000) {
      await waitFor(
        `prometheus series for ${query}`,
        async () => {
          const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
          const body = (await res.json()) as { data?: { result?: unknown[] } };
          return (body.data?.result?.length ?? 0) > 0 ? true : undefined;
        },
        timeoutMs,
        started,
      );
    },
    async stop() {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
