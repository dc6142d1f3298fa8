// A worker, in the test process, that polls bluegreen's task queue with workflow code that
// cannot replay its releases (./workflows.ts): status queries of releases fail with a
// nondeterminism error, as after an upgrade without patches. Not a timeout: a different error.
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';

export interface IncompatibleWorker {
  stop: () => Promise<void>;
}

export async function startIncompatibleWorker(
  address: string,
  taskQueue: string,
  namespace = 'default',
): Promise<IncompatibleWorker> {
  const connection = await NativeConnection.connect({ address });
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: quiet });
  const worker = await Worker.create({ connection, namespace, taskQueue, workflowBundle: { code } });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
