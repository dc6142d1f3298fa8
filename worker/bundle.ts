// The workflow code a worker loads. Bundling it with webpack when the worker starts costs about a
// second and 80–130 MB of RSS that the process never hands back, so the build bundles once, ahead
// of time (`npm run build` runs this file), and workers load that bundle.
//
// The bundle is loaded only if it was built from the workflow code that is on disk now: running
// histories on other code than wrote them is the one mistake a worker must never make. A missing
// or stale bundle (say, after a bare `tsc`) is rebuilt in memory instead, with a warning.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

const distRoot = path.resolve(__dirname, '..');
export const WORKFLOW_BUNDLE_PATH = path.join(distRoot, 'workflow-bundle.js');

/** Where a bundle, its fingerprint and the workflows it is built from live (dist/, or a test's copy). */
export interface BundleFiles {
  bundle: string;
  fingerprint: string;
  workflowsDir: string;
}

export const distBundle: BundleFiles = {
  bundle: WORKFLOW_BUNDLE_PATH,
  fingerprint: path.join(distRoot, 'workflow-bundle.fingerprint'),
  workflowsDir: path.join(distRoot, 'workflows'),
};

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/** The compiled contract modules (contract/), beside the workflows: workflow code imports them too. */
export function contractDirOf(workflowsDir: string): string {
  return path.join(path.dirname(workflowsDir), 'contract');
}

/**
 * What the bundle is made of: every compiled workflow and contract module and the versions of the
 * Temporal packages webpack pulls in with them, dependencies included (workflow code imports
 * nothing else at runtime: the lint rules keep Node built-ins, activities and zod out).
 */
export function workflowsFingerprint(dir = distBundle.workflowsDir): string {
  const hash = createHash('sha256');
  for (const [prefix, root] of [
    ['', dir],
    ['contract/', contractDirOf(dir)],
  ] as const) {
    if (!existsSync(root)) continue;
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
      if (!file.endsWith('.js')) continue;
      hash
        .update(prefix + file)
        .update('\0')
        .update(readFileSync(path.join(root, file)))
        .update('\0');
    }
  }
  for (const version of bundledPackageVersions()) hash.update(`${version}\0`);
  return hash.digest('hex');
}

/** name@version of the Temporal packages workflows import and everything they depend on. */
export function bundledPackageVersions(): string[] {
  const seen = new Map<string, string>();
  const visit = (name: string, from: string) => {
    if (seen.has(name)) return;
    const manifestPath = manifestOf(name, from);
    if (!manifestPath) return; // an optional dependency that is not installed
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      version: string;
      dependencies?: Record<string, string>;
    };
    seen.set(name, `${name}@${manifest.version}`);
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, path.dirname(manifestPath));
  };
  for (const root of ['@temporalio/workflow', '@temporalio/common']) visit(root, __dirname);
  return [...seen.values()].sort();
}

/** A package's package.json, also for packages whose `exports` do not list it (long, ms). */
function manifestOf(name: string, from: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [from] });
  } catch {
    try {
      return require.resolve(`${name}/package.json`, { paths: [from] });
    } catch {
      return undefined;
    }
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === name)
      return candidate;
  }
  return undefined;
}

const quiet = () => undefined;
const webpackLogger = { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error };

export function bundleInMemory(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: webpackLogger });
}

/** Builds dist/workflow-bundle.js and records what it was built from. */
export async function writeWorkflowBundle(): Promise<{ path: string; bytes: number }> {
  const fingerprint = workflowsFingerprint();
  const fingerprintPath = distBundle.fingerprint;
  const { code } = await bundleInMemory();
  // Each file is written aside and renamed, so no reader sees half a file. The bundle goes first:
  // a worker starting in between pairs the new bundle with the old fingerprint, which matches
  // only if the workflows did not change (then the bundles are the same code), else it refuses.
  replaceFile(WORKFLOW_BUNDLE_PATH, code);
  replaceFile(fingerprintPath, `${fingerprint}\n`);
  return { path: WORKFLOW_BUNDLE_PATH, bytes: Buffer.byteLength(code) };
}

function replaceFile(file: string, content: string): void {
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, content);
  renameSync(aside, file);
}

/** Why the prebuilt bundle cannot be used, or undefined when it can. */
export function prebuiltBundleProblem(files: BundleFiles = distBundle): string | undefined {
  if (!existsSync(files.bundle) || !existsSync(files.fingerprint)) return 'no prebuilt workflow bundle';
  if (readFileSync(files.fingerprint, 'utf8').trim() !== workflowsFingerprint(files.workflowsDir)) {
    return 'the prebuilt workflow bundle was not built from the workflows and Temporal packages on disk';
  }
  return undefined;
}

/**
 * The worker option that gives it its workflow code: the prebuilt bundle when it is current,
 * otherwise the workflows' path (the SDK bundles them at start-up).
 */
export function workflowCodeOption(
  warn: (message: string) => void = console.warn,
): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const problem = prebuiltBundleProblem();
  if (!problem) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  warn(`${problem}: bundling the workflows now (slower start, more memory); \`npm run build\` prebuilds it`);
  return { workflowsPath: workflowsPath() };
}

/** For tests and tools that need the code itself: the prebuilt bundle when current, else a fresh one. */
export async function loadWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  // `sourceMap` is a deprecated field the SDK ignores: the map is inline in the code.
  if (!prebuiltBundleProblem()) return { code: readFileSync(WORKFLOW_BUNDLE_PATH, 'utf8'), sourceMap: '' };
  return bundleInMemory();
}

// `node dist/worker/bundle.js [--if-stale]`: --if-stale keeps a current bundle (bootstrap's quick path).
// Also bundles the CLI (client/bundle-cli.ts) when it is older than the last tsc output.
if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  const report =
    (what: string) =>
    ({ path: file, bytes }: { path: string; bytes: number }) =>
      console.log(`${what}: ${path.relative(process.cwd(), file)} (${bytes} bytes)`);
  const failed = (what: string) => (err: unknown) => {
    console.error(`${what}:`, err);
    process.exitCode = 1;
  };
  const workflows =
    ifStale && !prebuiltBundleProblem()
      ? Promise.resolve()
      : writeWorkflowBundle().then(report('workflow bundle'), failed('workflow bundle'));
  void workflows.then(async () => {
    const cli = await import('../client/bundle-cli');
    if (ifStale && !cli.cliBundleStale()) return;
    await cli.writeCliBundle().then(report('CLI bundle'), failed('CLI bundle'));
  });
}
