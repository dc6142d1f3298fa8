// One stack's `bluegreen` command lines, each run through the CLI's own `run()` in this one child
// process (see cli-host.ts). Commands may overlap (a `start --watch` while an `abort` goes in), so
// each one's output is told apart by its async context, not by swapping the streams per command.
import { AsyncLocalStorage } from 'node:async_hooks';
import { loadCli } from '../../client/launch';
import type { CliHostReply, CliHostRequest } from './cli-host';

interface Captured {
  stdout: string;
  stderr: string;
}

const current = new AsyncLocalStorage<Captured>();
// The CLI as `bluegreen` runs it: the build's bundle (precompiled protobuf code, one file to
// compile, V8's code cache), or dist/client/main.js when the bundle is stale.
const { run } = loadCli('test-host');

function capture(stream: NodeJS.WriteStream, into: 'stdout' | 'stderr'): void {
  const write = stream.write.bind(stream);
  // The CLI prints through console.* and process.std*.write; both end in this write.
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const captured = current.getStore();
    if (!captured) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    captured[into] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

async function runOne(request: CliHostRequest): Promise<CliHostReply> {
  const captured: Captured = { stdout: '', stderr: '' };
  let code: number;
  try {
    code = await current.run(captured, () => run(request.args));
  } catch (err) {
    captured.stderr += `run() threw: ${String(err)}`;
    code = 1;
  }
  return { id: request.id, code, ...captured };
}

if (process.send) {
  capture(process.stdout, 'stdout');
  capture(process.stderr, 'stderr');
  process.on('message', (request: CliHostRequest) => {
    void runOne(request).then((reply) => process.send!(reply));
  });
  // The stack went away: so does its CLI.
  process.on('disconnect', () => process.exit(0));
}
