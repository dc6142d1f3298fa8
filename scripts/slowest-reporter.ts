// A node:test reporter that prints, after the run, the ten slowest test files and the run's
// totals, so a suite that creeps past its budget shows where the time went. npm test runs it
// beside the spec reporter.
interface FileResult {
  name: string;
  ms: number;
}

interface TestEvent {
  type: string;
  data: { nesting?: number; name?: string; file?: string; details?: { duration_ms?: number } };
}

async function* slowestFiles(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const files: FileResult[] = [];
  const started = Date.now();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      files.push({ name: event.data.file ?? event.data.name ?? '?', ms: event.data.details?.duration_ms ?? 0 });
    }
  }
  const slowest = [...files].sort((a, b) => b.ms - a.ms).slice(0, 10);
  const total = files.reduce((sum, f) => sum + f.ms, 0);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  yield `\nslowest test files (of ${files.length}; ${seconds(total)} summed over files, ${seconds(Date.now() - started)} wall):\n`;
  for (const f of slowest) yield `  ${seconds(f.ms).padStart(8)}  ${f.name.replace(`${process.cwd()}/`, '')}\n`;
}

// CommonJS build: node:test loads a reporter as the module itself.
export = slowestFiles;
