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

/**
 * What workflow code may import. Besides determinism, the workflow bundle is loaded into every
 * worker's sandbox: a value imported from the zod schema pulls all of zod (5 MB with its locales)
 * in with it, so workflows take the spec's types only.
 */
function workflowImportRules({ zodFree }) {
  const patterns = [
    {
      regex: '^\\.\\./activities(/.*)?$',
      allowTypeImports: true,
      message: 'workflows may import activity types only (import type)',
    },
  ];
  if (zodFree) {
    patterns.push({
      regex: '^(zod(/.*)?|(\\.\\.?/)+(spec|router-spec))$',
      allowTypeImports: true,
      message:
        'spec.ts and router-spec.ts are the zod schema: import their types only; shared values live in zod-free modules',
    });
  }
  return {
    paths: nodeBuiltins.flatMap((name) => [
      { name, message: deterministic },
      { name: `node:${name}`, message: deterministic },
    ]),
    patterns,
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
    // Workflow code is replayed: no Node built-ins, no activity implementations (types only).
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', workflowImportRules({ zodFree: true })] },
  },
  {
    // The schema modules are the one place in workflows/ that may use zod at runtime.
    files: ['workflows/spec.ts', 'workflows/router-spec.ts'],
    rules: { 'no-restricted-imports': ['error', workflowImportRules({ zodFree: false })] },
  },
);
