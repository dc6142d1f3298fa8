// The bluegreen worker: runs release workflows and their activities on one task queue.
import path from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { connectionConfig, ensureSearchAttributes, taskQueue, unreachable } from '../client/connect';

export function defaultStateDir(): string {
  return path.resolve(process.env.BLUEGREEN_STATE_DIR ?? '.bluegreen');
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

export async function createWorker(
  connection: NativeConnection,
  namespace: string,
  deps: Partial<ActivityDeps> = {},
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  const added = await ensureSearchAttributes(connection, namespace);
  if (added.length) console.log(`registered search attributes: ${added.join(', ')}`);
  return Worker.create({
    connection,
    namespace,
    taskQueue: taskQueue(),
    workflowsPath: workflowsPath(),
    activities: createActivities({
      stateDir: defaultStateDir(),
      temporal: new Client({ connection, namespace }),
      ...deps,
    }),
    ...options,
  });
}

/** `bluegreen worker`: runs until SIGINT/SIGTERM, finishing in-flight work first. */
export async function runWorker(): Promise<void> {
  const { options, namespace } = connectionConfig();
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(options);
  } catch (err) {
    throw unreachable(options.address, namespace, err);
  }
  const worker = await createWorker(connection, namespace);
  console.log(
    `bluegreen worker on ${options.address}, namespace ${namespace}, task queue ${taskQueue()}; state in ${defaultStateDir()}`,
  );
  await worker.run();
  await connection.close();
}
