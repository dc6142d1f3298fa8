// Shared harness for workflow tests on the time-skipping server: a server per test,
// one worker per release (its own task queue), the fake world behind the activities.
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { DeliveriesStatus, ReleaseResult, ReleaseStatus } from '../../workflows/messages';
import type { ReleaseSpec } from '../../workflows/spec';
import { FakeWorld } from './fake-world';
import { startTimeSkipping, workflowBundle } from './temporal';
import { route53QueueFor } from '../../workflows/activity-options';
import { ROUTE53_UNDO_QUEUE_SUFFIX } from '../../workflows/routing/route53-batcher';

/** Runs the release worker and its Route 53 worker until `body` settles. */
async function runBoth<T>(worker: Worker, route53: Worker[], body: () => Promise<T>): Promise<T> {
  const [first, ...rest] = route53;
  return worker.runUntil(() => (rest.length ? runBoth(first, rest, body) : first.runUntil(body)));
}

export interface Harness {
  env: () => TestWorkflowEnvironment;
  /** Starts a release on a fresh task queue and runs `body` while its worker is up. */
  withRelease: <T>(
    world: FakeWorld,
    spec: ReleaseSpec,
    body: (handle: WorkflowHandle) => Promise<T>,
    startDelayMs?: number,
    /** Another workflow to start instead of a release of `spec` (a wave release). */
    start?: { type: string; args: unknown[] },
  ) => Promise<T>;
}

/**
 * Workflow code of these in-process workers runs on the test's own thread (the SDK's debug mode,
 * which replay workers use too), not in a worker thread made for each worker: a thread loads the
 * SDK and the bundle again (about 0.3 CPU-s per release here) and copies every activation across.
 * release.test took 6 CPU-s instead of 10. Debug mode also lifts the 5 s deadlock limit of one
 * activation; the real workers of test/integration run threaded, as in production.
 */
export const IN_PROCESS_WORKFLOWS = { debugMode: true } as const;

/** The server of the running test (notified() gives back a lock on it). */
let currentEnv: TestWorkflowEnvironment | undefined;

export function timeSkippingHarness(
  name: string,
  /**
   * Workflow code in a worker thread, as production runs it. operator-hardening needs it: in
   * debug mode, a status query sent while its release continued as new (pushed by two 1 MB
   * signals) never came back, nor did any query after it (about half the runs here); threaded, it
   * passed every full run.
   */
  options: { threaded?: boolean } = {},
): Harness {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  skipWorkflowStackTraces();
  reportShutdownSignals(name);
  let env: TestWorkflowEnvironment;
  let counter = 0;
  // A server per test (one starts in about 0.15 s): the test server's clock can stay locked for
  // good after some sequences (a lock it takes for a task that never completes), and one test's
  // leaked lock then froze every later test of the file until its timers fired in real time.
  beforeEach(async () => {
    env = await startTimeSkipping();
    currentEnv = env;
  });
  afterEach(async () => {
    await env?.teardown();
  });
  return {
    env: () => env,
    async withRelease(world, spec, body, startDelayMs, start) {
      const taskQueue = `${name}-${++counter}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        activities: world.activities(),
        ...(options.threaded ? {} : IN_PROCESS_WORKFLOWS),
      });
      // Route 53 requests run on their own (rate-limited) queue: see workflows/activity-options.ts.
      world.temporalAddress = env.address;
      const route53 = await Promise.all(
        [route53QueueFor(taskQueue), `${taskQueue}${ROUTE53_UNDO_QUEUE_SUFFIX}`].map((q) =>
          Worker.create({ connection: env.nativeConnection, taskQueue: q, activities: world.activities() }),
        ),
      );
      // The test's zone batcher goes with the test's server (a server per test).
      return runBoth(worker, route53, async () => {
        const handle = await env.client.workflow.start(start?.type ?? 'release', {
          taskQueue,
          workflowId: `${taskQueue}-wf`,
          args: start?.args ?? [{ spec, specDir: '/tmp' }],
          ...(startDelayMs ? { startDelay: startDelayMs } : {}),
        });
        return body(handle);
      });
    },
  };
}

/**
 * A signal shuts every worker of the file down at once (Temporal's Runtime listens for them), and
 * the test then fails with "Promise did not resolve ... after Worker completed shutdown". Nothing in
 * the suite signals a test file, so one that arrives is named here: which one, and when.
 */
function reportShutdownSignals(file: string): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR2'] as const) {
    process.once(sig, () => console.error(`${file}: this test process received ${sig} at ${new Date().toISOString()}`));
  }
}

/** A world where blue runs 1.0.0 at 100 %. */
export function liveWorld(): FakeWorld {
  const world = new FakeWorld();
  world.records = { blue: 100, green: 0 };
  world.running.set('blue', '1.0.0');
  return world;
}

export async function status(handle: WorkflowHandle): Promise<ReleaseStatus> {
  // A query has no deadline of its own, and once (in a full run) one never came back from the
  // time-skipping server after its gRPC connection was dropped for "excess pings": ask again
  // rather than hang the file.
  for (let attempt = 1; ; attempt++) {
    try {
      return (await handle.client.connection.withDeadline(Date.now() + 10_000, () =>
        handle.query('status'),
      )) as ReleaseStatus;
    } catch (err) {
      if (attempt >= 3 || !/deadline|unavailable/i.test(String(err))) throw err;
    }
  }
}

/** How a release ended: its result, or the result carried by its failure. */
export async function ended(handle: WorkflowHandle): Promise<ReleaseResult> {
  try {
    return (await handle.result()) as ReleaseResult;
  } catch (err) {
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    return err.cause.details?.[0] as ReleaseResult;
  }
}

/** Polls the status query in real time (nothing skips while no one awaits the result). */
export async function until(
  handle: WorkflowHandle,
  what: string,
  predicate: (s: ReleaseStatus) => boolean,
): Promise<ReleaseStatus> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await status(handle);
    if (predicate(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; status: ${JSON.stringify(s, null, 1)}`);
    // Each status query is a task for the worker: a tenth of a second is quick enough.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the release's notifier workflows have made (or given up on) everything it handed
 * them, and returns what they did. Call it inside withRelease's body (the worker must be up): the
 * release's run closes before its last deliveries, which its notifier makes afterwards.
 */
export async function notified(handle: WorkflowHandle): Promise<DeliveriesStatus[]> {
  const ids = (await status(handle)).notifier?.workflowIds ?? [];
  const done: DeliveriesStatus[] = [];
  for (const id of ids) {
    const notifier = handle.client.getHandle(id);
    done.push((await notifier.result()) as DeliveriesStatus);
    // The time-skipping server keeps time locked for good once a child closes after its parent
    // (the notifier's normal case; a real server has no such lock): give that lock back, or the
    // next test's timers never fire.
    const child = await notifier.describe();
    const parent = child.parentExecution;
    if (!parent) continue;
    const closedParent = await handle.client.getHandle(String(parent.workflowId), parent.runId || undefined).describe();
    if (child.closeTime && closedParent.closeTime && child.closeTime >= closedParent.closeTime)
      await currentEnv?.connection.testService?.unlockTimeSkipping({});
  }
  return done;
}

/**
 * Marks the SDK's stack-trace hooks installed, so its debug-mode workers here never install them.
 * They serve the `__stack_trace` query (the Web UI's stack trace tab), which no test here sends,
 * and cost a captured, source-mapped stack trace for every promise workflow code creates: a fifth
 * of a time-skipping test's CPU (long-hold 37.5 -> 30.4 CPU-s, release.test 5.5 -> 4.5). Only
 * workflow code on this thread is spared (IN_PROCESS_WORKFLOWS): threaded workers, and the real
 * workers of test/integration, keep them as production does. A workflow error's stack in these
 * tests names lines of the bundle, not of workflows/. @temporalio/worker is pinned; on a version
 * without this object, nothing changes.
 */
function skipWorkflowStackTraces(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const shared = require('@temporalio/worker/lib/workflow/vm-shared') as { globalHandlers?: { installed?: boolean } };
  if (shared.globalHandlers && shared.globalHandlers.installed === false) shared.globalHandlers.installed = true;
}
