// The command provider: the team's own provision / decommission commands (kubectl, nomad,
// terraform, a script). bluegreen passes BLUEGREEN_* variables, enforces the timeout and keeps
// the output tail in heartbeats so a stuck run shows what it last printed. A cancelled activity
// stops its command (process-group.ts), and a color runs one command at a time even across a
// worker crash (running-command.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseDuration } from '../../../contract/duration';
import type { CommandEnvironmentSpec } from '../../../contract/spec';
import { CancelledFailure } from '@temporalio/common';
import { childEnvironment } from '../child-env';
import { superviseGroup, TERM_GRACE_MS } from '../process-group';
import { RunningCommand } from './running-command';
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

export interface CommandProviderOptions {
  /** Where the running command of each color is recorded (BLUEGREEN_STATE_DIR); without it a
   * retry cannot find a copy left running by a lost attempt. */
  stateDir?: string;
  /** Temporal namespace of the release; with the record and color it keys that record. */
  namespace?: string;
  /** Between SIGTERM and SIGKILL on a timeout or cancellation (tests shorten it). */
  termGraceMs?: number;
}

export class CommandProvider implements EnvironmentProvider {
  readonly type = 'command';

  private readonly termGraceMs: number;

  constructor(
    private readonly spec: CommandEnvironmentSpec,
    private readonly specDir: string,
    private readonly options: CommandProviderOptions = {},
  ) {
    this.termGraceMs = options.termGraceMs ?? TERM_GRACE_MS;
  }

  private endpoint(instance: ColorInstance): string {
    return this.spec.endpoint.replaceAll('{color}', instance.color);
  }

  async locate(instance: ColorInstance): Promise<Located> {
    // A command environment cannot be asked whether a color runs; the endpoint is all we know.
    return { endpoint: this.endpoint(instance), running: true };
  }

  async provision(instance: ColorInstance, progress: Progress, signal?: AbortSignal): Promise<Provisioned> {
    const output = await this.run('provision', this.spec.provision, instance, progress, signal);
    return {
      endpoint: this.endpoint(instance),
      reused: false,
      detail: lastLines(output, 3) || 'provision command succeeded',
    };
  }

  async decommission(
    instance: ColorInstance,
    progress: Progress,
    signal?: AbortSignal,
  ): Promise<{ stopped: number; detail: string }> {
    const output = await this.run('decommission', this.spec.decommission, instance, progress, signal);
    return { stopped: 1, detail: lastLines(output, 3) || 'decommission command succeeded' };
  }

  private async run(
    action: string,
    argv: string[],
    instance: ColorInstance,
    progress: Progress,
    signal?: AbortSignal,
  ): Promise<string> {
    const env = childEnvironment(process.env, {
      ...resolveEnvReferences(this.spec.env, process.env, 'environment.env'),
      ...standardVariables(instance),
      BLUEGREEN_ACTION: action,
      BLUEGREEN_ENDPOINT: this.endpoint(instance),
    });
    const cwd = path.resolve(this.specDir, this.spec.cwd ?? '.');
    const timeoutMs = parseDuration(this.spec.timeout);
    const [file, args] = this.spec.shell ? ['/bin/sh', ['-c', argv.join(' ')]] : [argv[0], argv.slice(1)];
    // Requests from releases started before the record name was sent are keyed by service and
    // color only, which two records of one service share: those runs are not recorded, so one
    // record's command can never stop another's.
    const running =
      this.options.stateDir && instance.recordName
        ? new RunningCommand(this.options.stateDir, this.options.namespace, instance)
        : null;
    // A copy left by a lost attempt (its worker died) must not run beside this one.
    if (running) await running.stopOrphan(progress);
    if (signal?.aborted) throw new CancelledFailure(`environment.${action} was cancelled before it started`);

    const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-16_384);
      progress(`${action}: ${lastLines(output, 5)}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const ended = new Promise<{ code: number | null; sig: NodeJS.Signals | null } | Error>((resolve) => {
      child.once('error', resolve);
      child.once('close', (code, sig) => resolve({ code, sig }));
    });
    if (child.pid !== undefined) {
      try {
        running?.record(child.pid, action);
      } catch (err) {
        // The run goes on: only a retry after a crash would miss the record.
        progress(`${action}: cannot record the running command (${(err as Error).message}); continuing`);
      }
    }
    const supervision =
      child.pid === undefined ? null : superviseGroup(child.pid, { timeoutMs, signal, graceMs: this.termGraceMs });
    const end = await ended;
    supervision?.dispose();
    // The leader may end before the rest of its group: a stop is over when the group is gone.
    const outcome = await supervision?.stopped();
    if (child.pid !== undefined) running?.release(child.pid);

    if (end instanceof Error)
      throw new EnvironmentError(`cannot run environment.${action} ${JSON.stringify(argv)}: ${end.message}`, false);
    const how = outcome === 'killed' ? `SIGKILL after ${this.termGraceMs / 1000}s` : 'SIGTERM';
    if (supervision?.stoppedBy === 'cancelled')
      throw new CancelledFailure(
        `environment.${action} was cancelled; its process group was stopped with ${how}; last output:\n${lastLines(output, 10)}`,
      );
    if (supervision?.stoppedBy === 'timeout')
      throw new EnvironmentError(
        `environment.${action} timed out after ${this.spec.timeout} (stopped with ${how}); last output:\n${lastLines(output, 10)}`,
        true,
      );
    if (end.code === 0) return output;
    throw new EnvironmentError(
      `environment.${action} exited with ${end.sig ?? `code ${end.code}`}; last output:\n${lastLines(output, 10)}`,
      true,
    );
  }
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
