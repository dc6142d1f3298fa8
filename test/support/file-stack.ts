// One stack for a whole integration test file: started before its first test, stopped after its
// last, so that a file states only what its tests need on top of the stack.
import { after, before } from 'node:test';
import { startStack, type Stack } from './stack';

/**
 * Starts the file's stack in before() and hands it to `ready`, which keeps it (in the file's
 * `let stack`) and prepares what the tests start from (a first release, say); stops it in after().
 * Call at a test file's top.
 */
export function stackForFile(
  ready: (stack: Stack) => void | Promise<void>,
  options: Parameters<typeof startStack>[0] = {},
): void {
  let started: Stack | undefined;
  before(async () => {
    started = await startStack(options);
    await ready(started);
  });
  after(async () => {
    await started?.stop();
  });
}
