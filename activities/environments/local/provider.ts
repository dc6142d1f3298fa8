// The local provider: each color is a real process on this host, listening on its port.
// Started detached (own process group, no shared stdio) so restarting the worker leaves the
// live color serving. Idempotency comes from the marker in the process environment: a retried
// provision adopts the process it already started instead of starting a second one.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledFailure } from '@temporalio/common';
import { parseDuration } from '../../../contract/duration';
import type { Color, LocalEnvironmentSpec } from '../../../contract/spec';
import { childEnvironment } from '../child-env';
import { colorKey } from '../color-key';
import { stopGroups } from '../process-group';
import { findMarkedProcesses, isRunning, MARKER_VARIABLE } from './processes';
import {
  EnvironmentError,
  standardVariables,
  type ColorInstance,
  type EnvironmentProvider,
  type Located,
  type Progress,
  type Provisioned,
} from '../provider';
import { resolveEnvReferences } from '../../secrets';

export interface LocalProviderOptions {
  /** Where per-color state and logs live; also scopes the process markers. */
  stateDir: string;
  /** Folder of the spec file: `cwd` and relative paths resolve against it. */
  specDir: string;
  /** Temporal namespace of the release; with the record name it keys the state. */
  namespace?: string;
}

/** Everything needed to start the color again; secrets stay as ${env:} references. */
export interface LocalState {
  recordName?: string;
  namespace?: string;
  service: string;
  color: Color;
  version: string;
  marker: string;
  pid: number;
  port: number;
  endpoint: string;
  command: string[];
  cwd: string;
  envSpec: Record<string, string>;
  log: string;
  startedAt: string;
}

export class LocalProvider implements EnvironmentProvider {
  readonly type = 'local';

  constructor(
    private readonly spec: LocalEnvironmentSpec,
    private readonly options: LocalProviderOptions,
  ) {}

  private key(instance: ColorInstance) {
    return colorKey(this.options.stateDir, this.options.namespace, instance);
  }

  private marker(instance: ColorInstance): string {
    return this.key(instance).marker;
  }

  private paths(instance: ColorInstance) {
    const base = path.join(this.options.stateDir, 'local', this.key(instance).file);
    return { state: `${base}.json`, log: `${base}.log` };
  }

  private endpoint(instance: ColorInstance): string {
    return `http://127.0.0.1:${this.spec.ports[instance.color]}`;
  }

  async locate(instance: ColorInstance): Promise<Located> {
    const [proc] = findMarkedProcesses(this.marker(instance));
    return { endpoint: this.endpoint(instance), running: proc !== undefined, version: proc?.env.BLUEGREEN_VERSION };
  }

  async provision(instance: ColorInstance, progress: Progress, signal?: AbortSignal): Promise<Provisioned> {
    const marker = this.marker(instance);
    const running = findMarkedProcesses(marker);
    if (running.length === 1 && running[0].env.BLUEGREEN_VERSION === instance.version) {
      return {
        endpoint: this.endpoint(instance),
        reused: true,
        detail: `${instance.color} already runs ${instance.version} (pid ${running[0].pid})`,
      };
    }
    if (running.length > 0) {
      // The idle color runs something else (an earlier release that never finished): replace it.
      progress(`stopping ${running.length} stale ${instance.color} process(es) before starting ${instance.version}`);
      await this.decommission(instance, progress);
    }

    const port = this.spec.ports[instance.color];
    if (await isPortAnswering(port)) {
      throw new EnvironmentError(
        `port ${port} (environment.ports.${instance.color}) is already in use by a process bluegreen did not start: stop it or choose another port`,
        false,
      );
    }

    const files = this.paths(instance);
    const state: LocalState = {
      recordName: instance.recordName,
      namespace: this.options.namespace,
      service: instance.service,
      color: instance.color,
      version: instance.version,
      marker,
      pid: 0,
      port,
      endpoint: this.endpoint(instance),
      command: this.spec.command,
      cwd: path.resolve(this.options.specDir, this.spec.cwd ?? '.'),
      envSpec: this.spec.env ?? {},
      log: files.log,
      startedAt: new Date().toISOString(),
    };
    if (signal?.aborted) throw new CancelledFailure(`provisioning ${instance.color} was cancelled before it started`);
    const pid = await spawnColor(state, files.state);
    // A command that dies at once (typo, missing file) is reported here with its own words,
    // rather than as thirty failed health checks later.
    await sleep(300);
    if (signal?.aborted) {
      // Cancelled while starting: the release is rolling back and will not use this color, so it
      // goes now (as a decommission would) rather than outliving the activity that started it.
      const outcome = await stopGroups([pid], parseDuration(this.spec.stopGracePeriod));
      rmSync(files.state, { force: true });
      throw new CancelledFailure(
        `provisioning ${instance.color} was cancelled; its process (pid ${pid}) was stopped${outcome === 'killed' ? ` with SIGKILL after ${this.spec.stopGracePeriod}` : ''}`,
      );
    }
    if (!isRunning(pid)) {
      throw new EnvironmentError(
        `${instance.color} ${instance.version} exited right after start; last output:\n${tail(files.log)}`,
        false,
      );
    }
    return {
      endpoint: state.endpoint,
      reused: false,
      detail: `started ${instance.color} ${instance.version} as pid ${pid} on port ${port} (log ${files.log})`,
    };
  }

  async decommission(instance: ColorInstance, progress: Progress): Promise<{ stopped: number; detail: string }> {
    const victims = findMarkedProcesses(this.marker(instance));
    const outcome = await stopGroups(
      victims.map((p) => p.pid),
      parseDuration(this.spec.stopGracePeriod),
      (alive) => progress(`waiting for ${alive} ${instance.color} process(es) to exit after SIGTERM`),
      'marked',
    );
    rmSync(this.paths(instance).state, { force: true });
    const detail =
      victims.length === 0
        ? `${instance.color} was not running`
        : `stopped ${instance.color} (pid ${victims.map((p) => p.pid).join(', ')})${outcome === 'killed' ? `; needed SIGKILL after ${this.spec.stopGracePeriod}` : ''}`;
    return { stopped: victims.length, detail };
  }
}

/** Starts a color's process detached, in its own process group, and records its state. */
async function spawnColor(state: LocalState, stateFile: string): Promise<number> {
  // Node reports a missing cwd as "spawn <program> ENOENT", which blames the program.
  if (!existsSync(state.cwd))
    throw new EnvironmentError(`its folder ${state.cwd} does not exist (deleted or moved?)`, false);
  mkdirSync(path.dirname(stateFile), { recursive: true });
  const env = childEnvironment(process.env, {
    ...resolveEnvReferences(state.envSpec, process.env, 'environment.env'),
    ...standardVariables({ service: state.service, color: state.color, version: state.version }),
    PORT: String(state.port),
    [MARKER_VARIABLE]: state.marker,
  });
  const logFd = openSync(state.log, 'a');
  let child;
  try {
    child = spawn(state.command[0], state.command.slice(1), {
      cwd: state.cwd,
      env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const spawnError = await new Promise<Error | null>((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(null));
  });
  if (spawnError) {
    throw new EnvironmentError(
      `cannot start environment.command ${JSON.stringify(state.command)} in ${state.cwd}: ${spawnError.message}`,
      false,
    );
  }
  child.unref();
  state.pid = child.pid!;
  writeFileSync(`${stateFile}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${stateFile}.tmp`, stateFile);
  return state.pid;
}

export interface RestoreReport {
  /** Colors started again, e.g. "shop green 2.0.0 on shop.example.com (pid 42, port 8082)". */
  restarted: string[];
  /** Colors that could not come back, each with why (its folder is gone, its state is unreadable). */
  failed: string[];
}

/**
 * Starts again every color whose state file says it should run but whose process is gone
 * (after `bluegreen dev` was stopped, or the host rebooted). One color that cannot come back
 * (its folder was deleted) is reported, not fatal: the others, and the stack, still start.
 */
export async function restoreLocalProcesses(stateDir: string): Promise<RestoreReport> {
  const dir = path.join(stateDir, 'local');
  const report: RestoreReport = { restarted: [], failed: [] };
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return report;
  }
  for (const file of files) {
    const stateFile = path.join(dir, file);
    let state: LocalState;
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8')) as LocalState;
    } catch (err) {
      report.failed.push(`${stateFile}: unreadable state (${(err as Error).message}); remove the file`);
      continue;
    }
    const name = `${state.service} ${state.color} ${state.version}${state.recordName ? ` on ${state.recordName}` : ''}`;
    try {
      if (!state.marker || findMarkedProcesses(state.marker).length > 0) continue;
      await spawnColor(state, stateFile);
      report.restarted.push(`${name} (pid ${state.pid}, port ${state.port})`);
    } catch (err) {
      report.failed.push(`${name}: ${(err as Error).message} (state ${stateFile})`);
    }
  }
  return report;
}

/** Stops every color this state folder tracks, keeping the state files so they can be restored. */
export async function stopLocalProcesses(stateDir: string, graceMs = 5000): Promise<number> {
  const dir = path.join(stateDir, 'local');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return 0;
  }
  const victims = files.flatMap((f) => {
    try {
      const state = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as LocalState;
      return state.marker ? findMarkedProcesses(state.marker) : [];
    } catch {
      return []; // unreadable state: nothing we can find by it
    }
  });
  await stopGroups(
    victims.map((p) => p.pid),
    graceMs,
    undefined,
    'marked',
  );
  return victims.length;
}

function isPortAnswering(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') || '(no output)';
  } catch {
    return '(no output)';
  }
}
