// The prebuilt workflow bundle is used only when it was built from the workflows on disk: a
// missing bundle or one older than a changed workflow module is refused, with the reason. The
// build's own bundle (npm run build) is current, so workers load it instead of bundling.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  bundledPackageVersions,
  contractDirOf,
  distBundle,
  prebuiltBundleProblem,
  workflowCodeOption,
  workflowsFingerprint,
  WORKFLOW_BUNDLE_PATH,
  type BundleFiles,
} from '../../worker/bundle';

/** A copy of the compiled workflows with a bundle "built" from them, in a temp folder. */
function copyWithBundle(): BundleFiles & { root: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-bundle-'));
  const files = {
    root,
    bundle: path.join(root, 'workflow-bundle.js'),
    fingerprint: path.join(root, 'workflow-bundle.fingerprint'),
    workflowsDir: path.join(root, 'workflows'),
  };
  cpSync(distBundle.workflowsDir, files.workflowsDir, { recursive: true });
  cpSync(contractDirOf(distBundle.workflowsDir), contractDirOf(files.workflowsDir), { recursive: true });
  writeFileSync(files.bundle, '// bundle');
  writeFileSync(files.fingerprint, `${workflowsFingerprint(files.workflowsDir)}\n`);
  return files;
}

describe('prebuilt workflow bundle', () => {
  it('is used when its fingerprint matches the compiled workflows', () => {
    const files = copyWithBundle();
    try {
      assert.equal(prebuiltBundleProblem(files), undefined);
    } finally {
      rmSync(files.root, { recursive: true });
    }
  });

  it('is refused once a workflow module changed, or when it is missing', () => {
    const files = copyWithBundle();
    try {
      appendFileSync(path.join(files.workflowsDir, 'release.js'), '\n// edited after the build\n');
      assert.equal(
        prebuiltBundleProblem(files),
        'the prebuilt workflow bundle was not built from the workflows and Temporal packages on disk',
      );
      rmSync(files.bundle);
      assert.equal(prebuiltBundleProblem(files), 'no prebuilt workflow bundle');
    } finally {
      rmSync(files.root, { recursive: true });
    }
  });

  it('is refused once a contract module the workflows import changed', () => {
    const files = copyWithBundle();
    try {
      appendFileSync(path.join(contractDirOf(files.workflowsDir), 'names.js'), '\n// edited after the build\n');
      assert.equal(
        prebuiltBundleProblem(files),
        'the prebuilt workflow bundle was not built from the workflows and Temporal packages on disk',
      );
    } finally {
      rmSync(files.root, { recursive: true });
    }
  });

  it('the fingerprint covers every package webpack puts in the bundle, with its version', () => {
    const names = bundledPackageVersions().map((v) => v.replace(/@[^@]+$/, ''));
    // What the bundle's module list names besides dist/workflows (see the bundle's webpack ids).
    for (const pkg of ['@temporalio/workflow', '@temporalio/common', 'nexus-rpc', 'long', 'ms'])
      assert.ok(names.includes(pkg), `${pkg} in ${names.join(', ')}`);
    assert.ok(bundledPackageVersions().every((v) => /@\d+\.\d+\.\d+/.test(v)));
  });

  it("the build's bundle is current, so the worker loads it rather than bundling", () => {
    const warnings: string[] = [];
    assert.deepEqual(
      workflowCodeOption((w) => warnings.push(w)),
      { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } },
      warnings.join('\n'),
    );
  });
});
