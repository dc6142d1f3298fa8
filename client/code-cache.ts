// V8's compiled code kept on disk for a CommonJS source, shared by the CLI's launcher (its one
// bundle, client/launch.ts) and the test run's cache of every module (scripts/compile-cache.ts).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

type ModuleWrapper = (
  exports: unknown,
  require: NodeJS.Require,
  module: { exports: unknown },
  filename: string,
  dirname: string,
) => unknown;

/** `source` wrapped as Node's loader wraps a module, compiled from `cachedData` when V8 accepts it. */
export function moduleScript(source: string, filename: string, cachedData: Buffer | undefined): vm.Script {
  return new vm.Script(Module.wrap(source), {
    filename,
    cachedData,
    // import() inside behaves as in any module of the main context.
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  } as vm.ScriptOptions);
}

/** Runs a moduleScript() as `module`, with `require` as its require. */
export function runModuleScript(
  script: vm.Script,
  module: { exports: unknown },
  require: NodeJS.Require,
  filename: string,
): unknown {
  const wrapper = script.runInThisContext({ displayErrors: true }) as ModuleWrapper;
  return wrapper.call(module.exports, module.exports, require, module, filename, path.dirname(filename));
}

export function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes `data` whole under a temporary name, then renames it: processes starting side by side
 * never read half a file. False when the place is not writable (an installed package).
 */
export function writeWhole(file: string, data: Buffer): boolean {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(aside, data);
    renameSync(aside, file);
    return true;
  } catch {
    return false;
  }
}
