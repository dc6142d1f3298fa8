// A stack's `bluegreen` commands, run through the CLI's own `run()` in one long-lived child process
// with the stack's environment (cli-host-child.ts), with the exit code, stdout and stderr each
// command would have had as a process of its own. A Node start per command cost about 0.3 s of CPU;
// with over 400 commands in a run it was the suite's largest bill after the workers. What only a
// whole process shows (start-up, the bundled launcher, exit on signals) keeps its own tests that
// spawn `bin/bluegreen.js` (test/client/cli.test.ts, arguments.test.ts, launch and bench).
// BLUEGREEN_TEST_CLI=process runs every stack command as a process of its own again.
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './binaries';
import type { CliResult } from './stack';

export interface CliHostRequest {
  id: number;
  args: string[];
}

export interface CliHostReply extends CliResult {
  id: number;
}

export interface CliHost {
  run(args: string[], timeoutMs: number): Promise<CliResult>;
  close(): void;
}

/** Starts nothing until the first command; a host that dies is replaced by the next command. */
export function cliHost(env: NodeJS.ProcessEnv, logFile: string): CliHost {
  let child: ChildProcess | undefined;
  let nextId = 0;
  const pending = new Map<number, (result: CliResult) => void>();

  function settleAll(why: string): void {
    for (const resolve of pending.values()) resolve({ code: 1, stdout: '', stderr: why });
    pending.clear();
  }

  function host(): ChildProcess {
    if (child && child.connected) return child;
    const log = createWriteStream(logFile, { flags: 'a' });
    const started = fork(path.join(projectRoot, 'dist', 'test', 'support', 'cli-host-child.js'), [], {
      env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Output no command claimed (none is expected) goes to the stack's directory, not the test's.
    started.stdout!.pipe(log);
    started.stderr!.pipe(log);
    started.on('message', (reply: CliHostReply) => {
      pending.get(reply.id)?.({ code: reply.code, stdout: reply.stdout, stderr: reply.stderr });
      pending.delete(reply.id);
    });
    started.on('exit', (code, signal) => {
      if (child === started) child = undefined;
      settleAll(`the CLI host exited (${signal ?? code}); see ${logFile}`);
    });
    // Waiting commands keep the test alive; an idle host does not.
    started.unref();
    started.channel?.unref();
    child = started;
    return started;
  }

  return {
    run(args, timeoutMs) {
      const id = nextId++;
      return new Promise<CliResult>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ code: 1, stdout: '', stderr: `bluegreen ${args.join(' ')}: no answer in ${timeoutMs} ms` });
        }, timeoutMs);
        pending.set(id, (result) => {
          clearTimeout(timer);
          resolve(result);
        });
        host().send({ id, args } satisfies CliHostRequest);
      });
    },
    close() {
      // Disconnected, the host exits by itself, and the first host of a build leaves the CLI
      // bundle's compiled code for the next (client/launch.ts); one that hangs is killed.
      const closing = child;
      child = undefined;
      if (!closing) return;
      if (closing.connected) closing.disconnect();
      setTimeout(() => closing.kill('SIGKILL'), 5_000).unref();
    },
  };
}
