// Lint rules that catch the bugs a durable workflow cannot afford: promises nobody awaits, and
// I/O that slips into deterministic workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'url',
  'util',
  'events',
  'stream',
  'dns',
  'zlib',
  'worker_threads',
  'process',
];

const deterministic = 'workflows must be deterministic: do I/O in an activity';

/** Any relative import of one of our own top-level folders: `../activities`, `../../workflows/x`. */
const ourFolder = (...names) => `^(\\.\\./)+(${names.join('|')})(/.*)?$`;

/**
 * The layers (docs/architecture.md, "Import boundaries"): contract/ is the bottom, shared by all;
 * workflows decide and activities act, and neither imports the other: what they share (the
 * activity interface, its request and response types, Weights, names, the spec schema) is in
 * contract/.
 */
const layerRules = {
  workflows: {
    regex: ourFolder('activities'),
    message: 'workflows never import activities: take the activity interface and its types from contract/',
  },
  activities: {
    regex: ourFolder('workflows'),
    message: 'activities never import workflows: what both need belongs in contract/',
  },
  contract: {
    regex: ourFolder('activities', 'workflows', 'client', 'worker', 'test', 'scripts', 'examples'),
    message: 'contract/ is the bottom layer: it imports nothing of ours outside contract/',
  },
};

/**
 * A value imported from the zod schema pulls all of zod (5 MB with its locales) into the workflow
 * bundle, which is loaded into every worker's sandbox: workflow code, and the contract modules it
 * imports, take the spec's types only.
 */
const zodTypesOnly = {
  regex: '^(zod(/.*)?|(\\.\\.?/)+(contract/)?(spec|router-spec))$',
  allowTypeImports: true,
  message:
    'spec.ts and router-spec.ts are the zod schema: import their types only; shared values live in zod-free modules',
};

/** What workflow code may import: no Node built-ins (determinism), no activities, zod only where allowed. */
function workflowImportRules({ zodFree }) {
  return {
    paths: nodeBuiltins.flatMap((name) => [
      { name, message: deterministic },
      { name: `node:${name}`, message: deterministic },
    ]),
    patterns: zodFree ? [layerRules.workflows, zodTypesOnly] : [layerRules.workflows],
  };
}

/** contract/ is imported by every layer, workflow code included: pure, no Node built-ins, nothing of ours. */
function contractImportRules({ zodFree }) {
  const noNode = 'contract/ is shared with workflow code: no Node built-ins (keep I/O in activities)';
  return {
    paths: nodeBuiltins.map((name) => ({ name, message: noNode })),
    patterns: [{ regex: '^node:', message: noNode }, layerRules.contract, ...(zodFree ? [zodTypesOnly] : [])],
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.venv/**',
      '.bluegreen/**',
      'bin/**',
      'examples/app/**',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: no Node built-ins, no activities (the contract is in contract/).
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', workflowImportRules({ zodFree: true })] },
  },
  {
    // The schema modules are the one place in workflows/ that may use zod at runtime.
    files: ['workflows/spec.ts', 'workflows/router-spec.ts'],
    rules: { 'no-restricted-imports': ['error', workflowImportRules({ zodFree: false })] },
  },
  {
    // Activities act: they import contract/, never workflows/.
    files: ['activities/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [layerRules.activities] }] },
  },
  {
    files: ['contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', contractImportRules({ zodFree: true })] },
  },
  {
    // The zod schema itself (workflows/spec.ts re-exports it for older imports).
    files: ['contract/spec.ts', 'contract/router-spec.ts'],
    rules: { 'no-restricted-imports': ['error', contractImportRules({ zodFree: false })] },
  },
);
