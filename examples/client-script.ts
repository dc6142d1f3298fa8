// A CI step that releases a spec with the bluegreen client library and fails the pipeline
// unless the release completes. It prints progress as plain lines (CI logs are not terminals)
// and exits with the release's exit code: 0 completed, 3 rolled back, 4 needs a human,
// 2 invalid spec or refused (another release of the record is running), 1 anything else.
//
//   TEMPORAL_ADDRESS=temporal:7233 node dist/examples/client-script.js deploy/shop.yaml [--delay 10m]
//
// In your own project: `npm install <path to bluegreen-x.y.z.tgz>` (docs/client.md), then the
// same code with `import { connect } from 'bluegreen'`.
import { parseArgs } from 'node:util';
import { BlueGreenError, connect, EXIT, exitCodeFor, type ReleaseStatus } from 'bluegreen';

const log = (line: string) => console.log(`[bluegreen] ${line}`);

function progress(s: ReleaseStatus): string {
  const step = s.step.total ? ` step ${s.step.index}/${s.step.total}` : '';
  const paused = s.paused ? ` PAUSED${s.pauseReason ? ` (${s.pauseReason})` : ''}` : '';
  return `${s.phase}${step}, blue ${s.weights.blue}% / green ${s.weights.green}%${paused}${s.next ? `; next: ${s.next.action}` : ''}`;
}

async function release(specFile: string, delay: string | undefined): Promise<number> {
  const bg = await connect(); // TEMPORAL_* variables or TEMPORAL_PROFILE, as the CLI
  try {
    const release = await bg.start(specFile, { delay });
    log(`started ${release.id} (run ${release.runId})`);
    const printed = new Set<string>();
    let last = '';
    for await (const status of release.watch({ onRetry: (err) => log(`waiting: ${err.message.split('\n')[0]}`) })) {
      // Events are capped in the status, so remember them by content rather than by position.
      for (const e of status.events) {
        const key = `${e.at}|${e.type}|${e.message}`;
        if (printed.has(key)) continue;
        printed.add(key);
        log(`${e.at} ${e.type}${e.by ? ` (${e.by})` : ''}: ${e.message.split('\n')[0]}`);
      }
      const now = progress(status);
      if (now !== last) log((last = now));
    }
    const result = await release.result();
    log(`${result.outcome}: ${result.reason}`);
    for (const todo of result.needsHuman ?? []) log(`NEEDS A HUMAN: ${todo}`);
    return exitCodeFor(result);
  } finally {
    await bg.close();
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { delay: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error('usage: client-script <spec.yaml> [--delay 10m]');
    return EXIT.invalid;
  }
  try {
    return await release(positionals[0], values.delay);
  } catch (err) {
    // Typed errors carry the exit code the CLI would use: an invalid spec lists every problem.
    console.error(err instanceof BlueGreenError ? err.message : err);
    return err instanceof BlueGreenError ? err.exitCode : EXIT.other;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(EXIT.other);
  },
);
