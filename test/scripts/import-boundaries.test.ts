// The layers' import rules (docs/architecture.md, "Import boundaries") as the project's own ESLint
// config enforces them: each probe is linted as if it were a file of that folder, so a rule that
// stops matching (a renamed folder, a deeper path) fails here rather than letting imports drift.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { projectRoot } from '../support/binaries';

// Only the import rules matter here: without type information the probes lint in milliseconds.
const eslint = new ESLint({
  cwd: projectRoot,
  overrideConfig: {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
});

/** The no-restricted-imports messages ESLint gives `code` as the file `file` of the project. */
async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(projectRoot, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

async function assertRefused(file: string, code: string, because: RegExp): Promise<void> {
  const errors = await importErrors(file, code);
  assert.equal(errors.length, 1, `${file}: ${code} → ${JSON.stringify(errors)}`);
  assert.match(errors[0], because);
}

async function assertAllowed(file: string, code: string): Promise<void> {
  assert.deepEqual(await importErrors(file, code), [], `${file}: ${code}`);
}

describe('import boundaries between contract/, workflows/ and activities/', () => {
  it('activities never import workflows, not even types', async () => {
    const because = /activities never import workflows/;
    await assertRefused('activities/probe.ts', "import { weightsFor } from '../workflows/plan';", because);
    await assertRefused('activities/routers/x/probe.ts', "import type { X } from '../../../workflows/spec';", because);
    await assertRefused('activities/probe.ts', "export * from '../workflows/names';", because);
    await assertAllowed('activities/routers/x/probe.ts', "import { fqdn } from '../../../contract/names';");
  });

  it('workflows never import activities, not even types; they take the contract', async () => {
    const because = /workflows never import activities/;
    await assertRefused('workflows/probe.ts', "import type { Activities } from '../activities';", because);
    await assertRefused('workflows/routing/probe.ts', "import type { X } from '../../activities/routers';", because);
    await assertAllowed('workflows/routing/probe.ts', "import type { Activities } from '../../contract/activities';");
  });

  it('contract/ imports nothing of ours outside it, no Node built-ins, and only types of the zod schema', async () => {
    const layer = /contract\/ is the bottom layer/;
    await assertRefused('contract/probe.ts', "import type { X } from '../workflows/plan';", layer);
    await assertRefused('contract/probe.ts', "import { X } from '../activities';", layer);
    await assertRefused('contract/probe.ts', "import { X } from '../client/spec-file';", layer);
    await assertRefused('contract/probe.ts', "import { X } from '../worker/run';", layer);
    await assertRefused('contract/probe.ts', "import { readFileSync } from 'node:fs';", /no Node built-ins/);
    await assertRefused('contract/probe.ts', "import { createHash } from 'crypto';", /no Node built-ins/);
    await assertRefused('contract/probe.ts', "import { colors } from './spec';", /zod schema/);
    await assertAllowed('contract/probe.ts', "import type { Color } from './spec';\nimport { fqdn } from './names';");
    // The schema modules themselves use zod.
    await assertAllowed('contract/spec.ts', "import { z } from 'zod';\nimport { router } from './router-spec';");
  });

  it('no source file crosses a boundary today (what `npx eslint .` also checks, without type information)', async () => {
    const offenders: string[] = [];
    for (const folder of ['contract', 'activities', 'workflows']) {
      for (const file of sources(path.join(projectRoot, folder))) {
        const relative = path.relative(projectRoot, file);
        if ((await importErrors(relative, readFileSync(file, 'utf8'))).length) offenders.push(relative);
      }
    }
    assert.deepEqual(offenders, []);
  });
});

/** Every .ts file under a folder, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}
