// The client library without servers: spec validation and its typed errors, start-time options,
// and how refusals and bad arguments surface. Temporal is stubbed only where the mapping of its
// answers is the thing under test; package.test.ts runs the library against the real servers.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ActionRefusedError,
  analyze,
  BlueGreenError,
  connect,
  ConnectionError,
  EXIT,
  exitCodeFor,
  InvalidArgumentError,
  InvalidSpecError,
  loadSpec,
  NotFoundError,
  Release,
  ReleaseAlreadyRunningError,
  releaseSpecSchema,
  startDelayMs,
  validateSpec,
  type ReleaseSpec,
} from '../../client/index';
import type { Temporal } from '../../client/connect';

const minimal: ReleaseSpec = {
  service: 'shop',
  version: '1.0.0',
  environment: { provider: 'command', provision: ['true'], decommission: ['true'], endpoint: 'http://{color}.local' },
  dns: {
    provider: 'route53',
    zoneName: 'example.com',
    recordName: 'shop.example.com',
    targets: { blue: 'b', green: 'g' },
  },
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

describe('validateSpec and loadSpec', () => {
  it('return the spec with every default filled in', () => {
    const spec = validateSpec(minimal);
    assert.deepEqual(spec.traffic.steps, [10, 50, 100]);
    assert.equal(spec.dns?.ttl, 60);
    assert.equal(releaseSpecSchema.safeParse(minimal).success, true, 'the zod schema is exported too');
  });

  it('throw InvalidSpecError with every problem and its path', () => {
    const err = thrown(() =>
      validateSpec({ ...minimal, service: 'Shop!', traffic: { steps: [50, 10] }, colour: 'blue' }, 'shop.yaml'),
    );
    assert.ok(err instanceof InvalidSpecError && err instanceof BlueGreenError);
    assert.equal(err.exitCode, EXIT.invalid);
    assert.equal(err.file, 'shop.yaml');
    const paths = err.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['colour', 'service', 'traffic.steps[1]', 'traffic.steps[1]']);
    assert.ok(err.issues.every((i) => i.message.length > 5));
    assert.match(err.message, /^shop\.yaml is not a valid release spec:\n {2}/);
    assert.ok(err.problems.includes('traffic.steps[1]: must be greater than the step before it (50)'));
  });

  it('report unreadable files and YAML syntax errors as issues too', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-lib-'));
    const missing = thrown(() => loadSpec(path.join(dir, 'nope.yaml'))) as InvalidSpecError;
    assert.equal(missing.issues[0].path, '');
    assert.match(missing.issues[0].message, /file not found/);
    writeFileSync(path.join(dir, 'bad.yaml'), 'service: shop\n  version: [1\n');
    const syntax = thrown(() => loadSpec(path.join(dir, 'bad.yaml'))) as InvalidSpecError;
    assert.match(syntax.issues[0].path, /^line \d+$/);
  });
});

describe('analyze', () => {
  it('refuses an unknown color and a spec with nothing to measure, before reading anything', async () => {
    await assert.rejects(analyze(minimal, { color: 'red' as never }), /color must be blue or green/);
    const nothing = { ...minimal, traffic: { analysis: { probe: false } } };
    await assert.rejects(analyze(nothing), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.match(err.message, /^\(spec\): nothing to analyze/);
      return true;
    });
  });
});

describe('start options', () => {
  it('delay is a duration or milliseconds; at is a time with a zone, in the future', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    assert.equal(startDelayMs({ delay: '30m' }, now), 1_800_000);
    assert.equal(startDelayMs({ delay: 5000 }, now), 5000);
    assert.equal(startDelayMs({}, now), undefined);
    assert.equal(startDelayMs({ at: '2026-06-01T03:00:00+02:00' }, now), 3_600_000);
    assert.equal(startDelayMs({ at: new Date(now + 60_000) }, now), 60_000);
    for (const bad of [
      { delay: 'soon' },
      { delay: -1 },
      { delay: '1m', at: '2026-06-02T00:00:00Z' },
      { at: '2026-06-02 02:00' },
      { at: '2026-05-01T00:00:00Z' },
      { at: '2026-06-01T02:00:00+02:00' }, // exactly now
    ]) {
      const err = thrown(() => startDelayMs(bad, now));
      assert.ok(err instanceof InvalidArgumentError, JSON.stringify(bad));
      assert.equal(err.exitCode, EXIT.invalid);
    }
  });
});

/** A Temporal whose workflow handles answer updates with `answer`. */
function stubTemporal(answer: () => Promise<unknown>): Temporal {
  const handle = {
    describe: async () => ({ status: { name: 'RUNNING' }, historyLength: 50, executionTime: new Date(0) }),
    executeUpdate: answer,
  };
  return { client: { workflow: { getHandle: () => handle } }, namespace: 'default', identity: 'me@test' } as never;
}

describe('typed errors', () => {
  it('a refused action is an ActionRefusedError with the release’s reason', async () => {
    const release = new Release(
      stubTemporal(async () => ({ accepted: false, message: 'cannot pause: release is already paused' })),
      'bluegreen-shop.example.com',
    );
    await assert.rejects(release.pause(), (err: unknown) => {
      assert.ok(err instanceof ActionRefusedError);
      assert.equal(err.action, 'pause');
      assert.equal(err.releaseId, 'bluegreen-shop.example.com');
      assert.equal(err.reason, 'cannot pause: release is already paused');
      assert.equal(err.exitCode, EXIT.invalid);
      return true;
    });
    const accepted = new Release(
      stubTemporal(async () => ({ accepted: true, message: 'resumed' })),
      'x',
    );
    assert.equal(await accepted.resume(), 'resumed');
  });

  it('abort without a reason is refused before anything is sent', async () => {
    let sent = false;
    const release = new Release(
      stubTemporal(async () => {
        sent = true;
        return { accepted: true, message: '' };
      }),
      'x',
    );
    await assert.rejects(release.abort('  '), InvalidArgumentError);
    assert.equal(sent, false);
  });

  it('already running names the running release and how to reach it', () => {
    const err = new ReleaseAlreadyRunningError('shop.example.com', {
      id: 'bluegreen-shop.example.com',
      service: 'shop',
      version: '2.0.0',
      phase: 'shifting',
      startTime: '2026-06-01T00:00:00.000Z',
    });
    assert.equal(err.releaseId, 'bluegreen-shop.example.com');
    assert.equal(err.exitCode, EXIT.invalid);
    assert.match(err.message, /already running: bluegreen-shop\.example\.com \(shop 2\.0\.0, shifting, started/);
    assert.match(err.message, /bluegreen watch bluegreen-shop\.example\.com/);
    assert.equal(new NotFoundError('release', 'x', 'no release').exitCode, EXIT.invalid);
  });

  it('an unreachable Temporal is a ConnectionError', async () => {
    await assert.rejects(connect({ address: '127.0.0.1:1' }), (err: unknown) => {
      assert.ok(err instanceof ConnectionError);
      assert.equal(err.target, 'server');
      assert.equal(err.exitCode, EXIT.other);
      assert.match(err.message, /cannot reach Temporal at 127\.0\.0\.1:1/);
      return true;
    });
  });

  it('exit codes follow the outcome', () => {
    const base = { reason: '', liveColor: null, weights: { blue: 0, green: 0 } };
    assert.equal(exitCodeFor({ ...base, outcome: 'completed' }), 0);
    assert.equal(exitCodeFor({ ...base, outcome: 'rolled-back' }), 3);
    assert.equal(exitCodeFor({ ...base, outcome: 'failed' }), 4);
  });
});
