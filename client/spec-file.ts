// Reads a spec file (YAML or JSON), validates it against the schema and reports every problem
// with its path, so an operator fixes the whole file in one pass.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { releaseSpecSchema, type ReleaseSpec } from '../workflows/spec';
import type { WavePlan } from '../workflows/wave-messages';
import { parseWaveSpec, WaveSpecError } from './wave-spec';

import { InvalidSpecError, type SpecIssue } from './library/errors';

/** The name this error has always had in the CLI and tests. */
export { InvalidSpecError as SpecError };

/** A problem with the file as a whole (size, encoding, YAML), not with one field. */
function fileProblems(file: string, messages: string[]): InvalidSpecError {
  return new InvalidSpecError(
    file,
    messages.map((message) => ({ path: '', message })),
  );
}

export interface LoadedSpec {
  spec: ReleaseSpec;
  /** Absolute folder of the spec file: relative paths in the spec resolve against it. */
  specDir: string;
  file: string;
  /** Set for a spec with `waves`: every target's spec, wave by wave (`spec` is then the first target's). */
  waves?: WavePlan;
}

export function formatIssuePath(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const key of issuePath) {
    out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out || '(spec)';
}

export function describeIssues(error: z.ZodError): SpecIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          path: formatIssuePath([...issue.path, key]),
          // A schema that knows why a key does not belong there (router.healthCheck) says so.
          message:
            key === 'healthCheck' && !/^Unrecognized key/.test(issue.message)
              ? issue.message
              : 'unknown key (check its spelling and level; `bluegreen schema` lists the keys)',
        }))
      : [{ path: formatIssuePath(issue.path), message: issue.message }],
  );
}

export function parseSpec(document: unknown, file = '(spec)'): ReleaseSpec {
  return parseAnySpec(document, file).spec;
}

/** A plain spec, or one with `waves` (then `waves` holds every target's spec, `spec` the first's). */
export function parseAnySpec(document: unknown, file = '(spec)'): { spec: ReleaseSpec; waves?: WavePlan } {
  if (typeof document === 'object' && document !== null && 'waves' in document) {
    try {
      const { plan, first } = parseWaveSpec(document);
      return { spec: first, waves: plan };
    } catch (err) {
      if (!(err instanceof WaveSpecError)) throw err;
      throw new InvalidSpecError(
        file,
        err.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message })),
      );
    }
  }
  return { spec: parsePlainSpec(document, file) };
}

function parsePlainSpec(document: unknown, file: string): ReleaseSpec {
  const result = releaseSpecSchema.safeParse(document);
  if (!result.success) throw new InvalidSpecError(file, describeIssues(result.error));
  return result.data;
}

/** Larger spec files are refused before they are parsed: a real spec is a few kilobytes. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export function loadSpecFile(file: string): LoadedSpec {
  const absolute = path.resolve(file);
  const text = readSpecText(file, absolute);
  let document: unknown;
  try {
    // The core schema knows only JSON's types: no !!binary, !!set or !!timestamp surprises. A tag
    // it cannot resolve is a warning in the yaml library; here it is an error, never a dropped value.
    const doc = YAML.parseDocument(text, {
      prettyErrors: true,
      schema: 'core',
      resolveKnownTags: false,
      merge: false,
      uniqueKeys: true,
    });
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new InvalidSpecError(
        file,
        problems.map((e) => ({ path: `line ${e.linePos?.[0].line ?? '?'}`, message: describeYamlProblem(e.message) })),
      );
    }
    // Aliases are fine; an alias bomb ("billion laughs") stops after 100 expansions.
    document = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof InvalidSpecError) throw err;
    const message = (err as Error).message ?? String(err);
    throw fileProblems(file, [
      /alias count/i.test(message)
        ? 'too many alias expansions (more than 100): the file looks like a YAML alias bomb'
        : `cannot parse: ${describeYamlProblem(message)}`,
    ]);
  }
  return { ...parseAnySpec(document, file), specDir: path.dirname(absolute), file: absolute };
}

function describeYamlProblem(message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (/call stack/i.test(first)) return 'nested too deeply (a spec is a few levels deep)';
  return first.startsWith('Unresolved tag')
    ? `${first} (a spec uses plain YAML/JSON values; custom tags are refused, not dropped)`
    : first;
}

/** The file's text: a regular file of at most 1 MB of valid UTF-8. */
function readSpecText(file: string, absolute: string): string {
  let bytes: Buffer;
  try {
    const stat = statSync(absolute);
    if (stat.isDirectory()) throw fileProblems(file, [`${absolute} is a folder; give the spec file in it`]);
    if (!stat.isFile()) throw fileProblems(file, [`${absolute} is not a regular file`]);
    if (stat.size > MAX_SPEC_BYTES)
      throw fileProblems(file, [
        `the file is ${(stat.size / 1024 / 1024).toFixed(1)} MB; a spec file may be at most 1 MB (${MAX_SPEC_BYTES} bytes)`,
      ]);
    bytes = readFileSync(absolute);
  } catch (err) {
    if (err instanceof InvalidSpecError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidSpecError(file, [
      {
        path: '',
        message:
          code === 'ENOENT' ? `file not found: ${absolute}` : `cannot read ${absolute}: ${(err as Error).message}`,
      },
    ]);
  }
  // Checked again after reading: the file may have grown in between.
  if (bytes.length > MAX_SPEC_BYTES)
    throw fileProblems(file, [`the file is larger than 1 MB (${MAX_SPEC_BYTES} bytes), the limit of a spec file`]);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw fileProblems(file, [`not valid UTF-8 (first bad byte at offset ${at}); save the file as UTF-8`]);
  }
}

function firstInvalidUtf8(bytes: Buffer): number {
  // Binary search on the longest prefix that decodes; fine for files of at most 1 MB.
  let lo = 0;
  let hi = bytes.length;
  const ok = (n: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
