// `bluegreen repair`: a thin layer over client/repair.ts, following the repair like `watch`.
import { parse, printHelp } from '../args';
import { EXIT, exitCodeFor } from '../releases';
import { connect, type BlueGreenClient } from '../library/client';
import { followRelease } from './release';

export const repairHelp = `Usage: bluegreen repair <record or release id> [--json]

Puts a traffic target (DNS record, ALB listener, HAProxy backend) back into a known state
after its last release ended without rolling back:
terminated (the Web UI's "Terminate", \`temporal workflow terminate\`), timed out, a worker host
wiped mid-release, or an undo that gave up. It reads what that release knew (colors, version,
phase, the weights it set) and the router's weights now (Route 53, the ALB, HAProxy), then, as
a durable workflow under the target's release id (no release can start meanwhile):

  before the new color had 100 %   restores the old color to 100 % and decommissions the new one
  the new color had 100 %          finishes the release: decommissions the old color
  a first release, unfinished      removes its weighted records (a router: both weights to 0) and its process
  already consistent               does nothing and says so

With dns.healthCheck it then leaves the record as a release does: only the serving color's
record carries a Route 53 health check, and the checks bluegreen made for the record that no
record uses (a release stopped between creating one and attaching it) are deleted.

Before changing anything it health-checks the color that will serve; if that color is down it
changes nothing and exits 4. It prints what it found and what it did as events, like a release; \`status\`, \`watch\` and
\`list\` show it too. Running it again is safe: steps already done are skipped.

  --json   print {"id": ..., "result": ...} when it ends instead of the events

Give a Route 53 record name, or the release id (\`bluegreen-...\`, as \`status\` prints it). Given
a wave release's id (\`bluegreen-waves-<service>\`), it repairs, one after the other, every target
whose own release ended without unwinding, and says which targets need nothing.

Exit 0 when the target is consistent afterwards (repaired, or nothing to do); 4 when it needs a
human (what to decide is printed); 2 when refused: a release is running there (stop it with
\`bluegreen abort <id> --reason ...\`, which rolls back by itself), or the target has no release.`;

export async function repairCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse('repair', argv, { json: { type: 'boolean' } }, ['record']);
  if (values.help) return printHelp(repairHelp);
  const bg = await connect();
  try {
    const waves = await import('../waves');
    if (await waves.isWaveRelease(bg.temporal, positionals[0])) return await repairWaveRelease(bg, positionals[0]);
    const started = await bg.repair(positionals[0]);
    if (!values.json)
      console.log(
        `repairing ${started.recordName}: run ${started.repairing.runId} ended ${started.repairing.closedAs.toLowerCase().replace(/_/g, ' ')}; repair runs as ${started.release.id}`,
      );
    const final = await followRelease(bg.temporal, started.release.id, Boolean(values.json));
    for (const h of values.json ? [] : (final.result?.needsHuman ?? [])) console.error(`needs a human: ${h}`);
    return exitCodeFor(final.result) === EXIT.completed ? EXIT.completed : EXIT.failed;
  } finally {
    await bg.close();
  }
}

/** Repairs every target of an ended wave release that was terminated or timed out, one by one. */
async function repairWaveRelease(bg: BlueGreenClient, id: string): Promise<number> {
  const { targetsToRepair } = await import('../waves');
  const { toRepair, fine } = await targetsToRepair(bg.temporal, id);
  for (const line of fine) console.log(`nothing to repair: ${line}`);
  let code: number = EXIT.completed;
  for (const target of toRepair) {
    const started = await bg.repair(target);
    console.log(`repairing ${started.recordName} (${target}): repair runs as ${started.release.id}`);
    const final = await followRelease(bg.temporal, started.release.id, false);
    for (const h of final.result?.needsHuman ?? []) console.error(`needs a human: ${h}`);
    if (exitCodeFor(final.result) !== EXIT.completed) code = EXIT.failed;
  }
  if (!toRepair.length) console.log(`wave release ${id}: no target needs a repair`);
  return code;
}
