// Real Temporal servers for tests: the CLI dev server (SQLite, optional Web UI) and the
// time-skipping test server, both from the binaries scripts/setup-servers.sh provides.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadWorkflowBundle } from '../../worker/bundle';
import { binaries } from './binaries';
import { freePort, onFreePort, startProcess, waitFor, type Started } from './processes';

export interface DevServer {
  address: string;
  uiPort?: number;
  dbFile: string;
  process: Started;
  stop: () => Promise<void>;
}

export function startDevServer(options: Parameters<typeof startDevServerOn>[1] = {}): Promise<DevServer> {
  return onFreePort((port) => startDevServerOn(port, options));
}

async function startDevServerOn(
  port: number,
  options: {
    ui?: boolean;
    dbFile?: string;
    /** `--dynamic-config-value` settings, e.g. 'limit.historyCount.suggestContinueAsNew=300'. */
    dynamicConfig?: string[];
  } = {},
): Promise<DevServer> {
  const uiPort = options.ui ? await freePort() : undefined;
  const dbFile = options.dbFile ?? path.join(mkdtempSync(path.join(os.tmpdir(), 'bluegreen-dev-')), 'temporal.db');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--log-level',
    'error',
  ];
  args.push(...(uiPort ? ['--ui-port', String(uiPort)] : ['--headless']));
  for (const setting of options.dynamicConfig ?? []) args.push('--dynamic-config-value', setting);
  const started = startProcess(binaries.temporal(), args);
  const address = `127.0.0.1:${port}`;
  await waitFor(
    'temporal dev server',
    async () => {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return true;
    },
    60_000,
    started,
  ).catch(async (err: unknown) => {
    await started.stop();
    throw err;
  });
  return { address, uiPort, dbFile, process: started, stop: started.stop };
}

export function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binaries.testServer() } },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle: the build's when it is current, else built once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= loadWorkflowBundle();
  return bundle;
}
