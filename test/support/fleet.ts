// Many releases at once, for the fleet tests and `npm run bench -- fleet`: command-provider
// releases of distinct records against one shared app, their records seeded straight into moto
// (blue at 100 %) so every measured release is a record's second, shifting blue → green.
import http from 'node:http';
import type net from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { ServiceError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Route53Router } from '../../activities/routers/route53/router';
import { parseSpec } from '../../client/spec-file';
import type { ReleaseResult } from '../../workflows/messages';
import { releaseIdFor } from '../../workflows/names';
import type { ReleaseSpec } from '../../workflows/spec';
import type { Stack } from './stack';

/** One HTTP app answering 200 to everything: every color of every service, health and analysis. */
export async function startSharedApp(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface FleetTimings {
  steps?: number[];
  interval?: string;
  bake?: string;
  analysisEvery?: string;
}

export function fleetSpec(i: number, version: string, appEndpoint: string, t: FleetTimings = {}): ReleaseSpec {
  return parseSpec({
    service: `svc-${i}`,
    version,
    environment: {
      provider: 'command',
      provision: ['true'],
      decommission: ['true'],
      endpoint: `${appEndpoint}/{color}`,
      timeout: '30s',
    },
    dns: {
      provider: 'route53',
      zoneName: 'example.com',
      recordName: `svc-${i}.example.com`,
      ttl: 1,
      targets: { blue: `blue.svc-${i}.example.com`, green: `green.svc-${i}.example.com` },
    },
    verify: { http: { attempts: 5, interval: '200ms', timeout: '1s' } },
    traffic: {
      steps: t.steps ?? [50, 100],
      interval: t.interval ?? '1s',
      // Latency is generous: on a busy 2-core machine the one shared app answers slowly, and a
      // fleet run measures bluegreen, not the app.
      analysis: { requests: 2, maxErrorRate: 0.5, maxLatencyMs: 10_000, every: t.analysisEvery ?? '1s' },
    },
    decommission: { delay: t.bake ?? '1s' },
  });
}

/** Puts blue at 100 % on each record straight in moto, so releases find a live color. */
export async function seedRecords(stack: Stack, specs: ReleaseSpec[]): Promise<void> {
  const client = stack.moto.client();
  for (const spec of specs) {
    await new Route53Router({ ...spec.dns!, zoneName: undefined, hostedZoneId: stack.zoneId }, client).setWeights({
      blue: 100,
      green: 0,
    });
  }
}

export async function startFleet(stack: Stack, specs: ReleaseSpec[]): Promise<WorkflowHandle[]> {
  const start = (spec: ReleaseSpec) =>
    stack.client.workflow.start('release', {
      taskQueue: stack.env.BLUEGREEN_TASK_QUEUE!,
      workflowId: releaseIdFor(spec.dns!.recordName),
      args: [{ spec, specDir: '/tmp', requestedBy: 'fleet-test' }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  // A thousand starts at once outrun the dev server's SQLite (start calls time out): in waves of
  // 50, which still puts every release in flight within a few seconds.
  const handles: WorkflowHandle[] = [];
  for (let i = 0; i < specs.length; i += 50) handles.push(...(await Promise.all(specs.slice(i, i + 50).map(start))));
  return handles;
}

export async function resultOf(handle: WorkflowHandle): Promise<ReleaseResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await handle.result()) as ReleaseResult;
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure)
        return err.cause.details?.[0] as ReleaseResult;
      // A busy dev server lets some of a thousand waiting calls time out: ask again.
      if (err instanceof ServiceError && attempt < 10) continue;
      throw err;
    }
  }
}

/** Weights per record as moto has them now, by color. */
export async function weightsOf(stack: Stack, spec: ReleaseSpec): Promise<{ blue?: number; green?: number }> {
  const found = await stack.moto.weights(stack.zoneId, spec.dns!.recordName);
  const name = spec.dns!.recordName;
  return { blue: found[`bluegreen-blue-${name}`], green: found[`bluegreen-green-${name}`] };
}

/** History events of a release's latest run. */
export async function historyLength(stack: Stack, handle: WorkflowHandle): Promise<number> {
  const history = await stack.client.workflow.getHandle(handle.workflowId).fetchHistory();
  return history.events?.length ?? 0;
}
