// How bin/bluegreen.js starts the CLI fast. Node 20 has no module compile cache, and an operator
// verb spends most of its time before its first request: resolving and compiling a few hundred
// modules (@temporalio/client, gRPC, protobufjs). So the build bundles the CLI into one file
// (client/bundle-cli.ts) and this launcher compiles it with V8's code cache: the first run saves
// the compiled code of everything it ran next to the bundle (or in the temp directory when that
// is read-only), later runs skip parsing and compiling it.
//
// Without a current bundle (a bare `tsc` after the last build) it loads dist/client/main.js as
// before: slower, never stale.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type vm from 'node:vm';
import { moduleScript, readIfThere, runModuleScript, writeWhole } from './code-cache';

type CliMain = { main(argv: string[]): void; run(argv: string[]): Promise<number> };

const bundlePath = path.join(__dirname, 'cli-bundle.js');
const buildInfo = path.join(__dirname, '..', '.tsbuildinfo');

export function launch(argv: string[]): void {
  // The overview needs none of the client: main.js alone is quicker than reading the bundle.
  const overview = argv.length === 0 || ['--help', '-h', 'help'].includes(argv[0]);
  (overview ? loadMain() : loadCli(argv[0])).main(argv);
}

/**
 * The CLI's module for `verb`: the bundle when it is current (and BLUEGREEN_NO_BUNDLE is unset),
 * else dist/client/main.js. The test suite's CLI host (test/support/cli-host-child.ts) runs all
 * of a stack's commands through the `run` of one such module.
 */
export function loadCli(verb: string): CliMain {
  return (process.env.BLUEGREEN_NO_BUNDLE ? undefined : loadBundle(verb)) ?? loadMain();
}

function loadMain(): CliMain {
  // Synchronous on purpose: an import() would cost a tick and a promise before the first request.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./main') as CliMain;
}

/**
 * Which compiled-code cache a verb uses. A cache holds what the run that wrote it compiled, and
 * is kept while it matches: one for all verbs would hold whatever verb ran first after a build
 * (a `list` that never decodes a status, a `start` that never pauses), and every other verb would
 * compile the rest again on each run. Verbs that run the same code share one.
 */
const cacheGroups: Record<string, string> = {
  status: 'status',
  watch: 'status',
  list: 'list',
  start: 'start',
  ...Object.fromEntries(['pause', 'resume', 'abort', 'approve', 'promote'].map((verb) => [verb, 'control'])),
  // The test suite's CLI host, which runs every verb in one process.
  'test-host': 'test-host',
};

function loadBundle(verb: string): CliMain | undefined {
  let stat;
  try {
    stat = statSync(bundlePath);
    // Built before the last tsc output: the modules on disk are newer than the bundle.
    if (existsSync(buildInfo) && statSync(buildInfo).mtimeMs > stat.mtimeMs) return undefined;
  } catch {
    return undefined;
  }
  // The build writes the bundle in ASCII (client/bundle-cli.ts): latin1 reads it without decoding.
  const source = readFileSync(bundlePath, 'latin1');
  // V8 checks the cache against its own version and flags and the source's length only: the key
  // names the bundle's size and time so a rebuilt bundle never meets an older bundle's code.
  const group = Object.prototype.hasOwnProperty.call(cacheGroups, verb) ? cacheGroups[verb] : 'other';
  const key = `${stat.size}-${Math.trunc(stat.mtimeMs)}-${process.version}-${group}`;
  const cacheFiles = [
    path.join(__dirname, `cli-bundle.js.${key}.cache`),
    path.join(os.tmpdir(), `bluegreen-cli-${process.getuid?.() ?? 'user'}`, `cli-bundle.js.${key}.cache`),
  ];
  const cached = cacheFiles.map(readIfThere).find((b) => b !== undefined);
  const script = moduleScript(source, bundlePath, cached);
  if (!cached || script.cachedDataRejected) {
    // Written at exit: by then V8 has compiled every function this verb ran, so the cache holds
    // them. Only after a run that did its work (exit 0): one that stopped at a typo or an
    // unreachable server compiled a fraction of it, and its cache would be kept.
    process.once('exit', (code) => {
      if (code === 0) saveCache(script, cacheFiles);
    });
  }
  const module = { exports: {} as CliMain };
  runModuleScript(script, module, createRequire(bundlePath), bundlePath);
  return module.exports;
}

function saveCache(script: vm.Script, files: string[]): void {
  const data = script.createCachedData();
  // Not writable (an installed package): the next place; without any, start uncached.
  files.some((file) => writeWhole(file, data));
}
