// Prints the test files under a folder, the slowest first, for `npm test` to hand to node --test:
// with files run side by side, a long file started last sets the run's end. Durations come from
// the previous run (the slowest-reporter saves them), else from a full run's kept in the
// repository (scripts/test-durations.json: a fresh clone, as CI runs, has no previous run); a file
// timed in neither goes by its folder (integration tests hold for real seconds; unit tests take
// milliseconds), then by size. Refresh the kept ones after a full run with
// `node dist/scripts/test-order.js --keep`.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const DURATIONS_FILE = path.join('dist', '.test-durations.json');
/** A full run's durations, by path from the project's root, kept in the repository. */
const KEPT_FILE = path.join('scripts', 'test-durations.json');

const FOLDER_WEIGHT: [RegExp, number][] = [
  [/\/(integration|browser|examples)\//, 60_000],
  [/\/scripts\/demo|\/client\/(package|dev)/, 40_000],
  [/\/workflows\//, 15_000],
];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'support' ? [] : testFiles(full);
    return name.endsWith('.test.js') ? [full] : [];
  });
}

function durationsIn(file: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** The previous run's durations, by path from the project's root, rounded to a tenth of a second. */
function keptFromPrevious(): Record<string, number> {
  const sorted = Object.entries(durationsIn(DURATIONS_FILE)).sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(sorted.map(([file, ms]) => [path.relative('.', file), Math.round(ms / 100) * 100]));
}

export function slowestFirst(dir: string): string[] {
  const timed = durationsIn(DURATIONS_FILE);
  const kept = durationsIn(KEPT_FILE);
  const guess = (file: string) =>
    timed[path.resolve(file)] ??
    kept[path.relative('.', file)] ??
    (FOLDER_WEIGHT.find(([pattern]) => pattern.test(file))?.[1] ?? 0) + statSync(file).size / 10;
  // Each file's weight once: a comparator would stat the same files again and again.
  const weighed = testFiles(dir).map((file) => ({ file, weight: guess(file) }));
  return weighed.sort((a, b) => b.weight - a.weight).map((w) => w.file);
}

if (require.main === module) {
  if (process.argv[2] === '--keep') writeFileSync(KEPT_FILE, `${JSON.stringify(keptFromPrevious(), null, 2)}\n`);
  else console.log(slowestFirst(process.argv[2] ?? 'dist/test').join('\n'));
}
