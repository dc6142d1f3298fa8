// Prints the test files under a folder, the slowest first, for `npm test` to hand to node --test:
// with files run side by side, a long file started last sets the run's end. Durations come from
// the previous run (the slowest-reporter saves them); a file never timed goes by its folder
// (integration tests hold for real seconds; unit tests take milliseconds), then by size.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const DURATIONS_FILE = path.join('dist', '.test-durations.json');

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

function previousDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export function slowestFirst(dir: string): string[] {
  const timed = previousDurations();
  const guess = (file: string) =>
    timed[path.resolve(file)] ??
    (FOLDER_WEIGHT.find(([pattern]) => pattern.test(file))?.[1] ?? 0) + statSync(file).size / 10;
  // Each file's weight once: a comparator would stat the same files again and again.
  const weighed = testFiles(dir).map((file) => ({ file, weight: guess(file) }));
  return weighed.sort((a, b) => b.weight - a.weight).map((w) => w.file);
}

if (require.main === module) console.log(slowestFirst(process.argv[2] ?? 'dist/test').join('\n'));
