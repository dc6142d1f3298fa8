// docs/api.md for Temporal users in other languages, done with nothing but the `temporal` CLI:
// start the `release` workflow with the documented input, id and search attributes, query its
// status, steer it with an update, and read its result. bluegreen's own tools then see the same
// release (list by search attributes, status by id).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateSpec } from '../../client/index';
import type { ReleaseResult, ReleaseStatus } from '../../workflows/messages';
import { setIdentifierFor } from '../../workflows/names';
import { projectRoot } from '../support/binaries';
import { waitFor } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.stop();
});

const temporal = (...args: string[]) => stack.temporalCli(...args);

const id = 'bluegreen-shop.example.com';

/** Starts a release exactly as docs/api.md says, with the `temporal` CLI. */
async function startWithTemporalCli(version: string, overrides: Record<string, unknown> = {}): Promise<void> {
  const input = {
    spec: validateSpec(await stack.appSpec(version, { overrides })),
    specDir: projectRoot,
    requestedBy: 'go-service@ci',
  };
  const file = path.join(stack.stateDir, '..', `input-${version}.json`);
  writeFileSync(file, JSON.stringify(input));
  const r = await temporal(
    'workflow',
    'start',
    '--type',
    'release',
    '--task-queue',
    stack.env.BLUEGREEN_TASK_QUEUE!,
    '--workflow-id',
    id,
    '--id-conflict-policy',
    'Fail',
    '--input-file',
    file,
    '--search-attribute',
    'BlueGreenService="shop"',
    '--search-attribute',
    `BlueGreenVersion="${version}"`,
    '--search-attribute',
    'BlueGreenRecord="shop.example.com."',
    '--search-attribute',
    'BlueGreenPhase="provisioning"',
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

async function status(): Promise<ReleaseStatus> {
  const r = await temporal('workflow', 'query', '--workflow-id', id, '--type', 'status', '--output', 'json');
  assert.equal(r.code, 0, r.stderr);
  const answer = JSON.parse(r.stdout) as { queryResult: ReleaseStatus[] };
  return answer.queryResult[0];
}

describe('the release workflow driven by the temporal CLI (docs/api.md)', () => {
  it('docs/api.md documents the workflow type, task queue, id, every message and search attribute', () => {
    const doc = readFileSync(path.join(projectRoot, 'docs', 'api.md'), 'utf8');
    for (const name of [
      '`release`',
      '`bluegreen`',
      'bluegreen-<record name>',
      '`status`',
      ...['pause', 'resume', 'abort', 'approve', 'promote'].flatMap((a) => [`\`${a}\``, `\`${a}Release\``]),
      ...['BlueGreenService', 'BlueGreenVersion', 'BlueGreenRecord', 'BlueGreenPhase'],
      '`RolledBack`',
      '`NeedsHuman`',
    ])
      assert.ok(doc.includes(name), `docs/api.md mentions ${name}`);
  });

  it('starts with the documented input; status query, list and result agree', async () => {
    await startWithTemporalCli('1.0.0');
    const result = await temporal('workflow', 'result', '--workflow-id', id, '--output', 'json');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const s = await status();
    assert.equal(s.phase, 'completed');
    assert.equal(s.result?.outcome, 'completed');
    assert.match(s.events.find((e) => e.type === 'plan')!.message, /first release: 1\.0\.0 on blue/);
    const listed = await stack.cli('list', '--service', 'shop', '--json');
    assert.deepEqual(
      JSON.parse(listed.stdout).map((r: { id: string; phase: string; version: string }) => [r.id, r.phase, r.version]),
      [[id, 'completed', '1.0.0']],
      'the phase search attribute followed the release',
    );
  });

  it('an update answers whether it took effect; a rolled back release fails with RolledBack and the result as details', async () => {
    await startWithTemporalCli('2.0.0', { traffic: { steps: [10, 50, 100], interval: '1h' } });
    await waitFor('shifting', async () => ((await status()).step.index >= 1 ? true : undefined), 30_000);
    const refused = await temporal('workflow', 'update', 'execute', '--workflow-id', id, '--name', 'resumeRelease');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /cannot resume: release is not paused/);
    const abort = await temporal(
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      id,
      '--name',
      'abortRelease',
      '--input',
      '{"reason": "from another language", "by": "go-service@ci"}',
    );
    assert.equal(abort.code, 0, abort.stderr);
    assert.match(abort.stdout, /accepted:true message:abort requested: from another language/);
    const ended = await temporal('workflow', 'result', '--workflow-id', id, '--output', 'json');
    assert.notEqual(ended.code, 0, 'a rolled back release fails the workflow');
    assert.match(ended.stdout + ended.stderr, /RolledBack/);
    const s = await status();
    const expected: Partial<ReleaseResult> = { outcome: 'rolled-back', liveColor: 'blue' };
    assert.deepEqual({ outcome: s.result?.outcome, liveColor: s.result?.liveColor }, expected);
    assert.match(s.result!.reason, /aborted by go-service@ci: from another language/);
    const weights = await stack.moto.weights(stack.zoneId, 'shop.example.com');
    assert.equal(weights[setIdentifierFor('shop.example.com', 'blue')], 100);
  });
});
