// Type-checked (never run) in a fresh project that installed the packed tarball, under `strict`:
// the library's exported types are what a pipeline author writes against. Compiled in this repo
// too, against the sources. The @ts-expect-error lines fail the check if a type gets too loose.
import {
  ActionRefusedError,
  connect,
  InvalidSpecError,
  ReleaseAlreadyRunningError,
  validateSpec,
  type Outcome,
  type Phase,
  type ReleaseResult,
  type ReleaseSpec,
  type ReleaseStatus,
} from 'bluegreen';

const spec: ReleaseSpec = {
  service: 'shop',
  version: '2.4.1',
  environment: {
    provider: 'command',
    provision: ['./deploy.sh', '{color}'],
    decommission: ['./delete.sh', '{color}'],
    endpoint: 'https://{color}.shop.internal',
  },
  dns: {
    provider: 'route53',
    zoneName: 'example.com',
    recordName: 'shop.example.com',
    targets: { blue: 'blue.shop.example.com', green: 'green.shop.example.com' },
  },
  traffic: { steps: [10, 50, 100], interval: '5m' },
};

// @ts-expect-error a spec's steps are numbers
const badSpec: ReleaseSpec = { ...spec, traffic: { steps: ['10'] } };
// @ts-expect-error phases are a closed set
const badPhase: Phase = 'done';

export async function release(file: string | undefined): Promise<Outcome> {
  const checked = validateSpec(spec);
  const steps: number[] = checked.traffic.steps; // defaults filled in
  const bg = await connect({ namespace: 'default', taskQueue: 'bluegreen', identity: 'ci@pipeline' });
  try {
    const started = await bg.start(file ?? spec, { delay: '30m' });
    const id: string = started.id;
    const status: ReleaseStatus = await bg.getHandle(id).status();
    const phase: Phase = status.phase;
    const weight: number = status.weights.green;
    await started.pause('checking the dashboards');
    await started.resume();
    await started.promote();
    const result: ReleaseResult = await started.result();
    console.log(id, phase, weight, steps.length, result.reason, result.needsHuman?.join('; ') ?? '');
    return result.outcome;
  } catch (err) {
    if (err instanceof InvalidSpecError) console.error(err.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    if (err instanceof ReleaseAlreadyRunningError) console.error(`already running: ${err.running.id}`);
    if (err instanceof ActionRefusedError) console.error(`${err.action} refused: ${err.reason}`);
    throw err;
  } finally {
    await bg.close();
  }
}

export const unused = [badSpec, badPhase];
