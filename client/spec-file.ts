// Reads a spec file (YAML or JSON), validates it against the schema and reports every problem
// with its path, so an operator fixes the whole file in one pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { releaseSpecSchema, type ReleaseSpec } from '../workflows/spec';

import { InvalidSpecError, type SpecIssue } from './library/errors';

/** The name this error has always had in the CLI and tests. */
export { InvalidSpecError as SpecError };

export interface LoadedSpec {
  spec: ReleaseSpec;
  /** Absolute folder of the spec file: relative paths in the spec resolve against it. */
  specDir: string;
  file: string;
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
          message: 'unknown key (check its spelling and level; `bluegreen schema` lists the keys)',
        }))
      : [{ path: formatIssuePath(issue.path), message: issue.message }],
  );
}

export function parseSpec(document: unknown, file = '(spec)'): ReleaseSpec {
  const result = releaseSpecSchema.safeParse(document);
  if (!result.success) throw new InvalidSpecError(file, describeIssues(result.error));
  return result.data;
}

export function loadSpecFile(file: string): LoadedSpec {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidSpecError(file, [
      {
        path: '',
        message:
          code === 'ENOENT' ? `file not found: ${absolute}` : `cannot read ${absolute}: ${(err as Error).message}`,
      },
    ]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new InvalidSpecError(
      file,
      doc.errors.map((e) => ({ path: `line ${e.linePos?.[0].line ?? '?'}`, message: e.message.split('\n')[0] })),
    );
  }
  return { spec: parseSpec(doc.toJS(), file), specDir: path.dirname(absolute), file: absolute };
}
