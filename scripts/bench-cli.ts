// `npm run bench -- cli`: how long operators wait for the CLI's verbs, against bare `node -e 0`
// (Node's own start) and against `require('@temporalio/client')` alone (the client's load cost,
// mostly its API protos, which Node 20 cannot cache). Runs against the real dev server with one
// running release held in a long step.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { startStack } from '../test/support/stack';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'bluegreen.js');

function timed(args: string[], env?: NodeJS.ProcessEnv): number {
  const t = performance.now();
  // A refused action (pause of a paused release) is still a full answer: the exit code is not checked.
  spawnSync(process.execPath, args, { cwd: root, env, stdio: 'ignore' });
  return performance.now() - t;
}

export async function benchCli(runs: number, stats: (samples: number[]) => string): Promise<void> {
  const stack = await startStack();
  try {
    await stack.releaseFirst('1.0.0');
    const file = stack.writeSpec(
      'bench-cli.yaml',
      await stack.appSpec('2.0.0', { overrides: { traffic: { steps: [10, 50, 100], interval: '1h' } } }),
    );
    const { id } = JSON.parse((await stack.cli('start', file, '--json')).stdout);
    const env = stack.env;
    const rows: [string, string[]][] = [
      ['node -e 0', ['-e', '0']],
      ["node -e require('@temporalio/client')", ['-e', "require('@temporalio/client')"]],
      ['bluegreen --help', [bin, '--help']],
      ['bluegreen status', [bin, 'status', id]],
      ['bluegreen status --json', [bin, 'status', id, '--json']],
      ['bluegreen list', [bin, 'list']],
      ['bluegreen pause', [bin, 'pause', id, '--reason', 'bench']],
      ['bluegreen resume', [bin, 'resume', id]],
    ];
    // Each bluegreen verb also without the bundle (BLUEGREEN_NO_BUNDLE: the compiled modules, as
    // before client/launch.ts), the two runs interleaved so both meet the same load.
    const unbundled = { ...env, BLUEGREEN_NO_BUNDLE: '1' };
    console.log(
      `CLI verbs against a running release (process start to exit, ${runs} runs each; load ${loadavg()[0].toFixed(1)}):`,
    );
    for (const [name, args] of rows) {
      const bundled: number[] = [];
      const plain: number[] = [];
      for (let i = 0; i < runs; i++) {
        bundled.push(timed(args, env));
        if (args[0] === bin) plain.push(timed(args, unbundled));
      }
      console.log(`  ${name.padEnd(40)} ${stats(bundled)}`);
      if (plain.length) console.log(`  ${`  (unbundled)`.padEnd(40)} ${stats(plain)}`);
    }
    const abort = timed([bin, 'abort', id, '--reason', 'bench'], env);
    console.log(`  ${'bluegreen abort'.padEnd(40)} ${abort.toFixed(0)} ms (n=1)`);
  } finally {
    await stack.stop();
  }
}
