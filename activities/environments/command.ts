// The command provider: the team's own provision / decommission commands (kubectl, nomad,
// terraform, a script). bluegreen passes BLUEGREEN_* variables, enforces the timeout and keeps
// the output tail in heartbeats so a stuck run shows what it last printed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseDuration } from '../../workflows/duration';
import type { CommandEnvironmentSpec } from '../../workflows/spec';
import { childEnvironment } from './child-env';
import { EnvironmentError } from './local';
import {
  resolveEnvReferences,
  standardVariables,
  type ColorInstance,
  type EnvironmentProvider,
  type Located,
  type Progress,
  type Provisioned,
} from './provider';

export class CommandProvider implements EnvironmentProvider {
  readonly type = 'command';

  constructor(
    private readonly spec: CommandEnvironmentSpec,
    private readonly specDir: string,
  ) {}

  private endpoint(instance: ColorInstance): string {
    return this.spec.endpoint.replaceAll('{color}', instance.color);
  }

  async locate(instance: ColorInstance): Promise<Located> {
    // A command environment cannot be asked whether a color runs; the endpoint is all we know.
    return { endpoint: this.endpoint(instance), running: true };
  }

  async provision(instance: ColorInstance, progress: Progress): Promise<Provisioned> {
    const output = await this.run('provision', this.spec.provision, instance, progress);
    return {
      endpoint: this.endpoint(instance),
      reused: false,
      detail: lastLines(output, 3) || 'provision command succeeded',
    };
  }

  async decommission(instance: ColorInstance, progress: Progress): Promise<{ stopped: number; detail: string }> {
    const output = await this.run('decommission', this.spec.decommission, instance, progress);
    return { stopped: 1, detail: lastLines(output, 3) || 'decommission command succeeded' };
  }

  private run(action: string, argv: string[], instance: ColorInstance, progress: Progress): Promise<string> {
    const env = childEnvironment(process.env, {
      ...resolveEnvReferences(this.spec.env, process.env, 'environment.env'),
      ...standardVariables(instance),
      BLUEGREEN_ACTION: action,
      BLUEGREEN_ENDPOINT: this.endpoint(instance),
    });
    const cwd = path.resolve(this.specDir, this.spec.cwd ?? '.');
    const timeoutMs = parseDuration(this.spec.timeout);
    const [file, args] = this.spec.shell ? ['/bin/sh', ['-c', argv.join(' ')]] : [argv[0], argv.slice(1)];
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-16_384);
        progress(`${action}: ${lastLines(output, 5)}`);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      // On timeout: SIGTERM first, so Terraform or kubectl can release their locks and leave
      // state consistent; SIGKILL only if the group is still there after the grace period.
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        signalGroup(child.pid!, 'SIGTERM');
        killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), COMMAND_TERM_GRACE_MS);
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        reject(new EnvironmentError(`cannot run environment.${action} ${JSON.stringify(argv)}: ${err.message}`, false));
      });
      child.once('close', (code, sig) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        if (timedOut)
          reject(
            new EnvironmentError(
              `environment.${action} timed out after ${this.spec.timeout} (stopped with ${sig ?? 'SIGTERM'}); last output:\n${lastLines(output, 10)}`,
              true,
            ),
          );
        else if (code === 0) resolve(output);
        else
          reject(
            new EnvironmentError(
              `environment.${action} exited with ${sig ?? `code ${code}`}; last output:\n${lastLines(output, 10)}`,
              true,
            ),
          );
      });
    });
  }
}

/** How long a timed-out command has between SIGTERM and SIGKILL. */
export const COMMAND_TERM_GRACE_MS = 10_000;

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
