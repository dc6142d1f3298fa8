// A plain JavaScript consumer of the packed `bluegreen` package, run by package.test.ts in a
// fresh project against the real servers. Usage: node consumer.js <spec1.yaml> <spec2.json> <spec3.yaml>
// Prints one JSON report on stdout for the test to check.
/* global require, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS consumer, on purpose */
'use strict';
const { readFileSync } = require('node:fs');
const { connect, ActionRefusedError } = require('bluegreen');

async function main() {
  const [first, second, third] = process.argv.slice(2);
  const bg = await connect(); // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, BLUEGREEN_TASK_QUEUE from the environment
  const report = {};
  try {
    // 1 and 2: from a file path, then from a spec object; each runs to completion.
    const r1 = await bg.start(first);
    const o1 = await r1.result();
    const r2 = await bg.start(JSON.parse(readFileSync(second, 'utf8')));
    const o2 = await r2.result();
    report.completed = [
      { id: r1.id, outcome: o1.outcome, liveColor: o1.liveColor },
      { id: r2.id, outcome: o2.outcome, liveColor: o2.liveColor },
    ];
    // By id: the latest release of the record. r1 stays pinned to its own run.
    const byId = await bg.getHandle(r2.id).status();
    report.statusById = { id: byId.id, phase: byId.phase, version: byId.version, weights: byId.weights };
    report.firstVersion = (await r1.status()).version;

    // 3: follow it until traffic shifts to the new color, then abort it.
    const r3 = await bg.start(third);
    report.phasesSeen = [];
    for await (const s of r3.watch({ intervalMs: 200 })) {
      if (report.phasesSeen[report.phasesSeen.length - 1] !== s.phase) report.phasesSeen.push(s.phase);
      // Shifting, and the first step's weights are in Route 53.
      if (s.phase === 'shifting' && s.weights[s.newColor] > 0) {
        report.weightsWhenShifting = s.weights;
        break;
      }
    }
    report.abort = await r3.abort('package test: rolling back on purpose');
    const o3 = await r3.result();
    report.third = { outcome: o3.outcome, reason: o3.reason, liveColor: o3.liveColor, weights: o3.weights };
    try {
      await r3.promote();
    } catch (err) {
      report.refused = { isActionRefused: err instanceof ActionRefusedError, name: err.name, reason: err.reason };
    }
  } finally {
    await bg.close();
  }
  console.log(JSON.stringify(report));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
