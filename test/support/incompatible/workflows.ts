// Workflow code that cannot replay bluegreen's releases: what a worker deployed with changed
// workflow code and no patch() looks like to a history it did not write. Its first command is a
// timer where every release scheduled an activity, so replaying any release fails with a
// nondeterminism error.
import { sleep } from '@temporalio/workflow';

export async function release(): Promise<void> {
  await sleep('1 day');
}

export async function repair(): Promise<void> {
  await sleep('1 day');
}
