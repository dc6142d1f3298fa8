// The package as another project gets it: `npm pack`, install the tarball into a fresh project
// (dependencies from the npm registry, the local cache first), type-check a strict TypeScript
// consumer against the installed types, and run a plain JavaScript consumer against the real
// servers (Temporal dev server, moto's Route 53, a bluegreen worker).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setIdentifierFor } from '../../workflows/names';
import { projectRoot } from '../support/binaries';
import { startStack, type Stack } from '../support/stack';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// A nested npm must not inherit the npm_* settings of the `npm test` that runs this file.
const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
  ...extra,
});

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  return new Promise((resolve) =>
    execFile(file, args, { cwd, env, timeout: 300_000, maxBuffer: 20_000_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
}

const npm = (args: string[], cwd: string) => run('npm', args, cwd);
const fixtures = path.join(projectRoot, 'test', 'client', 'package');
const tsc = path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc');

let dir: string;
let consumer: string;
let tarball: string;
let packed: string[];
let installed: Promise<Run>;
let stack: Stack | undefined;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bluegreen-package-'));
  consumer = path.join(dir, 'consumer');
  // dist/ is built by `npm test`; --ignore-scripts skips `prepare`, which would only rebuild it.
  const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], projectRoot);
  assert.equal(pack.code, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(dir, info.filename);
  packed = info.files.map((f) => f.path);
  await run('mkdir', ['-p', consumer], dir);
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'release-pipeline', version: '1.0.0', private: true }),
  );
  // The install and the servers start side by side.
  installed = npm(
    ['install', tarball, '@types/node@^20', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
    consumer,
  );
  [stack] = await Promise.all([startStack(), installed]);
});

after(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the bluegreen package', () => {
  it('npm pack ships the compiled library with its types and the CLI, and no tests, sources or maps', () => {
    for (const f of ['package.json', 'bin/bluegreen.js', 'dist/client/index.js', 'dist/client/index.d.ts'])
      assert.ok(packed.includes(f), `${f} is in the tarball`);
    for (const f of [
      'dist/worker/run.js',
      'dist/workflows/index.js',
      'dist/contract/activities.js',
      'dist/activities/index.js',
      'docs/client.md',
    ])
      assert.ok(packed.includes(f), `${f} is in the tarball (the CLI's worker verb and docs)`);
    const unwanted = packed.filter((f) => /^(dist\/)?(test|scripts)\//.test(f) || /\.map$|(?<!\.d)\.ts$/.test(f));
    assert.deepEqual(unwanted, []);
  });

  it('installs into a fresh project with its dependencies', async () => {
    const r = await installed;
    assert.equal(r.code, 0, r.stderr);
    for (const dep of ['bluegreen', '@temporalio/client', 'zod', 'yaml'])
      assert.ok(existsSync(path.join(consumer, 'node_modules', dep, 'package.json')), `${dep} installed`);
  });

  it('type-checks a strict TypeScript consumer against the installed types', async () => {
    copyFileSync(path.join(fixtures, 'consumer-types.ts'), path.join(consumer, 'pipeline.ts'));
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          // Resolves 'bluegreen' through its package.json "exports" and "types".
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2022',
          types: ['node'],
          // @temporalio/common's own .d.ts import the untyped 'ms' package.
          skipLibCheck: true,
        },
        files: ['pipeline.ts'],
      }),
    );
    const r = await run(process.execPath, [tsc, '-p', consumer], consumer);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // The check has teeth: a misuse of the exported types is an error.
    writeFileSync(
      path.join(consumer, 'wrong.ts'),
      "import { connect, type ReleaseStatus } from 'bluegreen';\n" +
        "export const f = async (): Promise<ReleaseStatus> => (await connect()).getHandle('x').result();\n",
    );
    const wrong = await run(
      process.execPath,
      // The installed libraries' own .d.ts were checked above: only wrong.ts is in question.
      [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--skipLibCheck', '--types', 'node', 'wrong.ts'],
      consumer,
    );
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout, /ReleaseResult.*ReleaseStatus|not assignable/s);
  });

  it('a plain JavaScript consumer completes two releases, reads one by id, follows a third until it shifts, aborts it and gets rolled-back', async () => {
    const s = stack!;
    const first = s.writeSpec('pkg-1.yaml', await s.appSpec('1.0.0'));
    const second = path.join(dir, 'pkg-2.json');
    writeFileSync(second, JSON.stringify(await s.appSpec('2.0.0')));
    const third = s.writeSpec(
      'pkg-3.yaml',
      await s.appSpec('3.0.0', { overrides: { traffic: { steps: [10, 50, 100], interval: '1h' } } }),
    );
    copyFileSync(path.join(fixtures, 'consumer.js'), path.join(consumer, 'consumer.js'));
    const r = await run(process.execPath, ['consumer.js', first, second, third], consumer, cleanEnv(s.env));
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
    const id = 'bluegreen-shop.example.com';
    assert.deepEqual(report.completed, [
      { id, outcome: 'completed', liveColor: 'blue' },
      { id, outcome: 'completed', liveColor: 'green' },
    ]);
    assert.deepEqual(report.statusById, { id, phase: 'completed', version: '2.0.0', weights: { blue: 0, green: 100 } });
    assert.equal(report.firstVersion, '1.0.0', 'a handle from start() stays on its own release');
    assert.equal(report.phasesSeen.at(-1), 'shifting');
    assert.deepEqual(report.weightsWhenShifting, { blue: 10, green: 90 }, 'watched until the first step');
    assert.match(report.abort, /abort/);
    assert.equal(report.third.outcome, 'rolled-back');
    assert.match(report.third.reason, /package test: rolling back on purpose/);
    assert.deepEqual(report.third.weights, { blue: 0, green: 100 });
    assert.deepEqual(report.refused, {
      isActionRefused: true,
      name: 'ActionRefusedError',
      reason: 'cannot promote: release has ended (rolled-back)',
    });
    // Route 53 agrees: green (release 2) carries all traffic again.
    const weights = await s.moto.weights(s.zoneId, 'shop.example.com');
    assert.equal(weights[setIdentifierFor('shop.example.com', 'green')], 100);
    assert.equal(weights[setIdentifierFor('shop.example.com', 'blue')], 0);
  });

  it('ES modules import the named exports too', async () => {
    const r = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { connect, validateSpec, InvalidSpecError, EXIT } from 'bluegreen'; console.log(typeof connect, typeof validateSpec, typeof InvalidSpecError, EXIT.rolledBack)",
      ],
      consumer,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function function function 3');
  });
});
