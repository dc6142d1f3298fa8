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
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((name) => [
            { name, message: 'workflows must be deterministic: do I/O in an activity' },
            { name: `node:${name}`, message: 'workflows must be deterministic: do I/O in an activity' },
          ]),
          patterns: [
            {
              regex: '^\\.\\./activities(/.*)?$',
              allowTypeImports: true,
              message: 'workflows may import activity types only (import type)',
            },
          ],
        },
      ],
    },
  },
);
