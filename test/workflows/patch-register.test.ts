// The patch register (docs/architecture.md) lists every patch id the workflow code uses, so each
// old branch has a written condition for its removal. A new patched() without a row fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../support/binaries';

/** Every .ts file under a folder, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/** Patch ids the code calls patched() or deprecatePatch() with (comments included: a removed
 * call named in a comment is still worth its row). */
function patchIdsInCode(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const file of sources(path.join(projectRoot, 'workflows'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\b(?:patched|deprecatePatch)\(\s*['"`]([^'"`]+)['"`]\s*\)/g))
      ids.set(m[1], path.relative(projectRoot, file));
  }
  return ids;
}

/** The register's rows: patch id → the rest of the row's cells. */
function register(): Map<string, string[]> {
  const doc = readFileSync(path.join(projectRoot, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(/^## Patch register$/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'docs/architecture.md has a "## Patch register" section');
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const id = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (id) rows.set(id, cells.slice(2, -1));
  }
  return rows;
}

describe('patch register', () => {
  it('lists every patch id in workflows/, with what it changed and when its old branch can go', () => {
    const inCode = patchIdsInCode();
    assert.ok(inCode.size > 0, 'found the patched() calls');
    const rows = register();
    for (const [id, file] of inCode) {
      const row = rows.get(id);
      assert.ok(row, `patch id "${id}" (${file}) is missing from the patch register in docs/architecture.md`);
      const [where, what, removable] = row;
      assert.ok(
        where && what && removable,
        `the register row of "${id}" says where, what it changed and when it can go`,
      );
    }
  });
});
