// The bluegreen worker: runs release workflows and their activities on one task queue.
import path from 'node:path';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { connectTemporal, ensureSearchAttributes, taskQueue, type Temporal } from '../client/connect';

export function defaultStateDir(): string {
  return path.resolve(process.env.BLUEGREEN_STATE_DIR ?? '.bluegreen');
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

export async function createWorker(temporal: Temporal, deps: Partial<ActivityDeps> = {}, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  const added = await ensureSearchAttributes(temporal.connection, temporal.namespace);
  if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  return Worker.create({
    connection: temporal.connection,
    namespace: temporal.namespace,
    taskQueue: taskQueue(),
    workflowsPath: workflowsPath(),
    activities: createActivities({ stateDir: defaultStateDir(), ...deps }),
    ...options,
  });
}

/** `bluegreen worker`: runs until SIGINT/SIGTERM, finishing in-flight work first. */
export async function runWorker(): Promise<void> {
  const temporal = await connectTemporal();
  const worker = await createWorker(temporal);
  console.log(`bluegreen worker on ${temporal.address}, namespace ${temporal.namespace}, task queue ${taskQueue()}; state in ${defaultStateDir()}`);
  await worker.run();
  await temporal.connection.close();
}
