// A node:test reporter that prints, after the run, the ten slowest test files and the run's
// totals, so a suite that creeps past its budget shows where the time went. npm test runs it
// beside the spec reporter.
import { readFileSync, writeFileSync } from 'node:fs';
import { DURATIONS_FILE } from './test-order';

interface FileResult {
  name: string;
  ms: number;
}

interface TestEvent {
  type: string;
  data: { nesting?: number; name?: string; file?: string; details?: { duration_ms?: number } };
}

async function* slowestFiles(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  // A file's top-level tests and suites run one after another: their durations add up to the file's.
  const byFile = new Map<string, number>();
  const started = Date.now();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const name = event.data.file ?? event.data.name ?? '?';
      byFile.set(name, (byFile.get(name) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const files: FileResult[] = [...byFile].map(([name, ms]) => ({ name, ms }));
  // The next run starts the slowest files first (scripts/test-order.ts); a subset run adds to them.
  let previous: Record<string, number> = {};
  try {
    previous = JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
  } catch {
    /* the first run */
  }
  try {
    writeFileSync(DURATIONS_FILE, JSON.stringify({ ...previous, ...Object.fromEntries(byFile) }));
  } catch {
    /* a read-only tree: the next run orders by folder and size */
  }
  const slowest = [...files].sort((a, b) => b.ms - a.ms).slice(0, 10);
  const total = files.reduce((sum, f) => sum + f.ms, 0);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  yield `\nslowest test files (of ${files.length}; ${seconds(total)} summed over files, ${seconds(Date.now() - started)} wall):\n`;
  for (const f of slowest) yield `  ${seconds(f.ms).padStart(8)}  ${f.name.replace(`${process.cwd()}/`, '')}\n`;
}

// CommonJS build: node:test loads a reporter as the module itself.
export = slowestFiles;
