// The demo's front door part: the same demo app released through `bluegreen dev`'s HAProxy while
// a steady stream of requests goes through it. Prints the weights of each step with what HAProxy's
// request counters (`show stat`) say each color served during it, and the requests that failed.
import path from 'node:path';
import { HaproxyRouter } from '../activities/routers/haproxy/router';
import type { ObservedWeights } from '../activities/routers/router';
import { BlueGreenClient } from '../client/library/client';
import type { LocalStack } from '../client/local-stack';
import { projectRoot } from '../client/local-stack';
import { loadSpecFile } from '../client/spec-file';
import type { Outcome } from '../workflows/messages';
import type { HaproxyRouterSpec } from '../workflows/router-spec';
import { failures, startRequestStream } from './request-stream';

export interface FrontDoorRun {
  version: string;
  outcome?: Outcome;
  expect: Outcome;
  reason: string;
  sent: number;
  failed: number;
}

/** One step as the front door saw it: its weights, and the requests HAProxy sent each color. */
export interface FrontDoorStep {
  weights: { blue: number; green: number };
  served: { blue: number; green: number };
}

const RATE = 20;

async function release(
  stack: LocalStack,
  version: string,
  onStep?: (step: FrontDoorStep) => void,
): Promise<{ outcome?: Outcome; reason: string }> {
  const loaded = loadSpecFile(path.join(projectRoot, 'examples', 'shop-frontdoor.yaml'));
  const router = { ...(loaded.spec.router as HaproxyRouterSpec), runtimeApi: stack.frontDoor!.runtimeApi };
  loaded.spec = { ...loaded.spec, version, router };
  const started = await new BlueGreenClient(stack.temporal).start(loaded);
  const haproxy = new HaproxyRouter(router);
  // Each change of weights closes a step: report it with the counters' difference since it began.
  let last: ObservedWeights = await haproxy.readWeights().catch(() => ({}));
  let counted = await haproxy.readRequestCounters().catch(() => ({ blue: 0, green: 0 }));
  const sample = async (final: boolean) => {
    const [now, counters] = await Promise.all([haproxy.readWeights(), haproxy.readRequestCounters()]).catch(
      () => [undefined, undefined] as const,
    );
    if (!now || !counters) return;
    if (now.blue === last.blue && now.green === last.green && !final) return;
    if (last.blue !== undefined)
      onStep?.({
        weights: { blue: last.blue ?? 0, green: last.green ?? 0 },
        served: { blue: counters.blue - counted.blue, green: counters.green - counted.green },
      });
    last = now;
    counted = counters;
  };
  let ended = false;
  const watching = (async () => {
    while (!ended) {
      await new Promise((r) => setTimeout(r, 200));
      await sample(false);
    }
    await sample(true);
  })();
  const result = await started.result().catch((err: Error) => ({ outcome: undefined, reason: err.message }));
  ended = true;
  await watching;
  return { outcome: result.outcome, reason: result.reason ?? '' };
}

/** v1 goes live through the front door, then v2 shifts 10 → 50 → 100 % under a steady stream. */
export async function frontDoorDemo(stack: LocalStack, log: (line: string) => void): Promise<FrontDoorRun[]> {
  const runs: FrontDoorRun[] = [];
  const first = await release(stack, '1.0.0');
  runs.push({ version: '1.0.0', expect: 'completed', sent: 0, failed: 0, ...first });
  if (first.outcome !== 'completed') return runs;
  log(`v1 is live on blue behind ${stack.frontDoor!.url}; now v2 under ${RATE} requests/s through it:`);
  const stream = startRequestStream(stack.frontDoor!.url, RATE);
  const second = await release(stack, '2.0.0', (s) =>
    log(
      `  step blue ${s.weights.blue}% / green ${s.weights.green}%: HAProxy sent blue ${s.served.blue}, green ${s.served.green} request(s) (show stat)`,
    ),
  );
  const samples = await stream.stop();
  const failed = failures(samples);
  log(`  requests sent ${samples.length}, failed ${failed.length}${failed.length ? `: ${failed[0].failure}` : ''}`);
  runs.push({ version: '2.0.0', expect: 'completed', sent: samples.length, failed: failed.length, ...second });
  return runs;
}
