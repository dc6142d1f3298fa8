// What the library accepts as a spec, and how it becomes a validated one. Light on purpose:
// the spec parser (zod, YAML) loads only when a spec is actually read.
import path from 'node:path';
import type { LoadedSpec } from '../spec-file';
import type { ReleaseSpecInput } from '../../workflows/spec';

/** A spec to release: a YAML/JSON file path, a spec object (what a file may contain), or `loadSpec()`'s result. */
export type SpecSource = string | ReleaseSpecInput | LoadedSpec;

function isLoaded(source: SpecSource): source is LoadedSpec {
  return typeof source === 'object' && source !== null && 'spec' in source && 'specDir' in source && 'file' in source;
}

/** Reads and validates a spec from a path or an object; throws InvalidSpecError with every problem. */
export async function resolveSpec(source: SpecSource, specDir?: string): Promise<LoadedSpec> {
  if (isLoaded(source)) return source;
  const { loadSpecFile, parseAnySpec } = await import('../spec-file');
  if (typeof source === 'string') return loadSpecFile(source);
  return { ...parseAnySpec(source), specDir: path.resolve(specDir ?? process.cwd()), file: '(spec)' };
}
