// Real Temporal servers for tests: the CLI dev server (SQLite, optional Web UI) and the
// time-skipping test server, both from the binaries scripts/setup-servers.sh provides.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadWorkflowBundle } from '../../worker/bundle';
import { binaries } from './binaries';
import { freePort, onFreePort, startProcess, waitFor, type Started } from './processes';

export interface DevServer {
  address: string;
  /** The namespace tests use on it: 'default' on a server of their own, a fresh one on the shared. */
  namespace: string;
  uiPort?: number;
  /** The server's SQLite file; undefined for the run's shared server (in memory). */
  dbFile?: string;
  /** The server's process; undefined for the run's shared server, which scripts/test.sh owns. */
  process?: Started;
  stop: () => Promise<void>;
}

/**
 * The address of the dev server scripts/test.sh starts once for the whole run (one server instead
 * of one per test file: its start and stop cost seconds, and several idle ones cost CPU).
 */
export const SHARED_TEMPORAL_ENV = 'BLUEGREEN_TEST_TEMPORAL_ADDRESS';
/** The `--dynamic-config-value` settings the shared server was started with, space-separated. */
export const SHARED_TEMPORAL_CONFIG_ENV = 'BLUEGREEN_TEST_TEMPORAL_CONFIG';

let namespaces = 0;
/**
 * A fresh namespace on the run's shared dev server, or undefined when there is none (a test file
 * run directly with `node --test`, or one that needs dynamic config the shared server does not
 * have): the caller then starts a server of its own. A namespace per
 * stack isolates what test files share by name (workflow ids from record names, the task queue,
 * schedules, search attributes); stop() ends what the file left running in it.
 */
export async function sharedDevServer(
  label: string,
  /** Settings the stack needs: the shared server serves it only when it was started with each. */
  dynamicConfig: string[] = [],
): Promise<DevServer | undefined> {
  const address = process.env[SHARED_TEMPORAL_ENV];
  const shared = (process.env[SHARED_TEMPORAL_CONFIG_ENV] ?? '').split(/\s+/);
  if (!address || !dynamicConfig.every((setting) => shared.includes(setting))) return undefined;
  const namespace = `${label.replace(/[^a-z0-9-]+/gi, '-').slice(0, 40)}-${process.pid}-${++namespaces}`;
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await waitFor(
      'a fresh namespace',
      async () => {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      },
      30_000,
    );
  } finally {
    await connection.close();
  }
  return { address, namespace, stop: () => endNamespace(address, namespace) };
}

/** Deletes the namespace's schedules and terminates its running workflows, best effort. */
async function endNamespace(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const ending: Promise<unknown>[] = [];
    for await (const schedule of client.schedule.list())
      ending.push(client.schedule.getHandle(schedule.scheduleId).delete());
    for await (const wf of client.workflow.list({ query: 'ExecutionStatus = "Running"' }))
      ending.push(client.workflow.getHandle(wf.workflowId, wf.runId).terminate('test file ended'));
    await Promise.allSettled(ending);
  } catch {
    /* the server is going away with the run anyway */
  } finally {
    await connection.close();
  }
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
  return { address, namespace: 'default', uiPort, dbFile, process: started, stop: started.stop };
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
