// The local provider: each color is a real process on this host, listening on its port.
// Started detached (own process group, no shared stdio) so restarting the worker leaves the
// live color serving. Idempotency comes from the marker in the process environment: a retried
// provision adopts the process it already started instead of starting a second one.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
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
import { parseDuration } from '../../workflows/duration';
import type { Color, LocalEnvironmentSpec } from '../../workflows/spec';
import { fqdn } from '../../workflows/names';
import { childEnvironment } from './child-env';
import { findMarkedProcesses, isRunning, MARKER_VARIABLE, signal } from './processes';
import {
  resolveEnvReferences,
  standardVariables,
  type ColorInstance,
  type EnvironmentProvider,
  type Located,
  type Progress,
  type Provisioned,
} from './provider';

export class EnvironmentError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = retryable ? 'EnvironmentError' : 'EnvironmentMisconfigured';
  }
}

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

  /**
   * What identifies a color's process: the state folder, the Temporal namespace, the record and
   * the color. Two records released under one service name (staging and prod), or two servers
   * sharing a state folder, never adopt each other's processes. Requests without a record name
   * (releases started by an older worker) keep the old service-and-color key they started with.
   */
  private key(instance: ColorInstance): { marker: string; file: string } {
    const scope = createHash('sha256').update(path.resolve(this.options.stateDir)).digest('hex').slice(0, 12);
    if (!instance.recordName)
      return {
        marker: `${scope}:${instance.service}:${instance.color}`,
        file: `${instance.service}-${instance.color}`,
      };
    const namespace = this.options.namespace ?? 'default';
    const record = fqdn(instance.recordName).slice(0, -1);
    return {
      marker: `${scope}:${namespace}:${record}:${instance.service}:${instance.color}`,
      file: `${safeFileName(namespace)}--${safeFileName(record)}--${instance.service}-${instance.color}`,
    };
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

  async provision(instance: ColorInstance, progress: Progress): Promise<Provisioned> {
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
    const pid = await spawnColor(state, files.state);
    // A command that dies at once (typo, missing file) is reported here with its own words,
    // rather than as thirty failed health checks later.
    await sleep(300);
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
    const marker = this.marker(instance);
    const victims = findMarkedProcesses(marker);
    const graceMs = parseDuration(this.spec.stopGracePeriod);
    for (const p of victims) signal(p.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    let alive = victims.filter((p) => isRunning(p.pid));
    while (alive.length > 0 && Date.now() < deadline) {
      progress(`waiting for ${alive.length} ${instance.color} process(es) to exit after SIGTERM`);
      await sleep(100);
      alive = alive.filter((p) => isRunning(p.pid));
    }
    for (const p of alive) signal(p.pid, 'SIGKILL');
    rmSync(this.paths(instance).state, { force: true });
    const detail =
      victims.length === 0
        ? `${instance.color} was not running`
        : `stopped ${instance.color} (pid ${victims.map((p) => p.pid).join(', ')})${alive.length ? `; ${alive.length} needed SIGKILL after ${this.spec.stopGracePeriod}` : ''}`;
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
  for (const p of victims) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (victims.some((p) => isRunning(p.pid)) && Date.now() < deadline) await sleep(100);
  for (const p of victims) if (isRunning(p.pid)) signal(p.pid, 'SIGKILL');
  return victims.length;
}

/** A name safe as one path component: anything but letters, digits, ".", "_" and "-" is %-escaped. */
function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
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
