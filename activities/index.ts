// Activities: the only place bluegreen touches the world. createActivities wires real clients
// in; tests may wire others. Each activity is idempotent, keyed by what it changes.
import { Context, CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpCheckSpec, AnalysisSpec, RouterSpec, VersionSource } from '../contract/spec';
import { recordKey, versionKey } from '../contract/search-attributes';
import { SERVES_VERSION_MEMO } from '../contract/names';
import { searchValueOfRef, type TargetRef } from '../contract/target';
import { readVersion } from './versions/source';
import type { Weights } from '../contract/weights';
import { createRoute53Client } from './routers/route53/router';
import { createRouter, type ObservedWeights, type TrafficRouter, type WeightChange } from './routers';
import { ProcUnavailableError } from './environments/local/processes';
import { MissingEnvError, redactError, redactor, referencedSecrets } from './secrets';
import {
  createEnvironmentProvider,
  EnvironmentError,
  type EnvironmentProvider,
  type Located,
  type Provisioned,
} from './environments';
import { checkHealth as httpHealth, measure, type HealthResult } from './probes/http';
import { runSmoke, type SmokeRequest, type SmokeResult } from './probes/smoke';
import { analyzeRound } from './analysis';
import {
  attemptDelivery,
  callGate,
  deliverNotification,
  type AttemptRequest,
  type AttemptResult,
  type DeliveryRequest,
  type GateRequest,
  type GateVerdict,
} from './notify';
import type { AnalysisRequest, Measurement } from '../contract/metrics';
import { watchAnalysis, type WatchReport, type WatchRequest } from './watch';
import { settleTraffic, type SettleRequest, type SettleResult } from './observe/settle';
import { shareReader } from './observe/share';
import { createRoute53Activities, observe as observeRoute53 } from './routers/route53/budgeted';
import { createBatchedRoute53Activities } from './routers/route53/batched';
import { createHealthCheckActivities } from './routers/route53/health-checks';
import { countVerdict } from './metrics';
import type { Activities, AnalysisMeasurement, ColorHosts, ColorRequest } from '../contract/activities';
export type { ColorRequest };

export interface ActivityDeps {
  /** Visibility queries (the version a record last completed with); absent in unit tests. */
  temporal?: Client;
  /** Folder for local-provider state and logs (BLUEGREEN_STATE_DIR). */
  stateDir: string;
  route53?: Route53Client;
  /** GetChange polling: first pause and ceiling (ms). */
  syncPollMs?: { initial: number; max: number };
  /** How often long activities heartbeat while they have nothing new to say (ms). */
  keepAliveMs?: number;
  /** This worker's host-specific task queue (local-provider colors are pinned to it). */
  hostQueue?: string;
  /** This worker serves `<queue>-route53-batcher`: zone batchers it starts go there. */
  route53Batchers?: boolean;
}

function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* called outside an activity (direct unit use) */
  }
}

/**
 * Runs a long activity body, heartbeating its latest progress every `everyMs` even while the
 * work is silent (a quiet `kubectl rollout status`), so the heartbeat timeout catches only a
 * dead worker, never a slow deploy that would then be provisioned a second time.
 */
async function keepAlive<T>(everyMs: number, body: (progress: (details: unknown) => void) => Promise<T>): Promise<T> {
  let latest: unknown;
  const progress = (details: unknown) => {
    latest = details;
    heartbeat(details);
  };
  const timer = setInterval(() => heartbeat(latest), everyMs);
  try {
    return await body(progress);
  } finally {
    clearInterval(timer);
  }
}

/** The activity's cancellation signal; none outside an activity (direct unit use). */
function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** The Temporal namespace of the running activity: two servers or namespaces sharing one state
 * folder must not share the local provider's processes. */
function namespace(): string {
  try {
    return Context.current().info.workflowNamespace ?? 'default';
  } catch {
    return 'default';
  }
}

function cancelled(): boolean {
  try {
    return Context.current().cancellationSignal.aborted;
  } catch {
    return false;
  }
}

/** Hides the values of the spec's ${env:NAME} references from everything the activity returns,
 * heartbeats or throws: they are in the worker's environment on purpose, not for history. */
function secretsRedactor(req: ColorRequest) {
  return redactor(referencedSecrets(req.environment.env, process.env));
}

/** Environment errors say whether a retry could help; Temporal must know too. */
function asFailure(err: unknown): unknown {
  if (err instanceof ProcUnavailableError) return ApplicationFailure.nonRetryable(err.message, err.name);
  if (err instanceof MissingEnvError) return ApplicationFailure.nonRetryable(err.message, err.name);
  if (err instanceof EnvironmentError) {
    return err.retryable
      ? ApplicationFailure.retryable(err.message, err.name)
      : ApplicationFailure.nonRetryable(err.message, err.name);
  }
  return err;
}

/** One analysis round whose verdicts the worker's /metrics counts: every activity that judges a
 * round goes through here, so the documented counter sees the rounds releases really run. */
async function countedRound(req: AnalysisRequest, signal?: AbortSignal): Promise<Measurement[]> {
  const measurements = await analyzeRound(req, signal);
  for (const m of measurements) countVerdict(m.name, m.verdict);
  return measurements;
}

export function createActivities(deps: ActivityDeps): Activities {
  let route53: Route53Client | undefined = deps.route53;
  const poll = deps.syncPollMs ?? { initial: 500, max: 10_000 };
  // Well inside the 30s heartbeat timeout the workflow gives these activities.
  const keepAliveMs = deps.keepAliveMs ?? 5000;
  // A command learns of its cancellation only in a heartbeat's answer: the environment activities
  // heartbeat more often, so an abort stops a provision within about 3 s (the worker's throttle).
  const commandKeepAliveMs = Math.min(keepAliveMs, 2000);

  const router = (spec: RouterSpec): TrafficRouter =>
    createRouter(spec, { route53: () => (route53 ??= createRoute53Client()) });
  // Budgeted calls make exactly one request each: no SDK-internal retries (see routers/route53/budgeted.ts).
  let budgetedClient: Route53Client | undefined = deps.route53;
  const route53Activities = createRoute53Activities(() => (budgetedClient ??= createRoute53Client(1)));
  const batchedRoute53 = createBatchedRoute53Activities(
    () => (budgetedClient ??= createRoute53Client(1)),
    () => deps.temporal,
    observeRoute53,
    deps.route53Batchers ?? false,
  );
  const route53HealthChecks = createHealthCheckActivities(
    () => (budgetedClient ??= createRoute53Client(1)),
    observeRoute53,
  );
  const provider = (req: ColorRequest): EnvironmentProvider =>
    createEnvironmentProvider(req.environment, {
      stateDir: deps.stateDir,
      specDir: req.specDir,
      namespace: namespace(),
    });

  /** Asks the router with capped exponential backoff until the change is effective, heartbeating it. */
  async function waitEffective(r: TrafficRouter, change: WeightChange, weights: Weights | null): Promise<number> {
    let pause = poll.initial;
    for (let polls = 1; ; polls++) {
      if (await r.isEffective(change)) return polls;
      if (cancelled())
        throw new CancelledFailure(`cancelled while waiting for the change of ${r.target} to take effect`);
      heartbeat({ changeId: change.id, weights, effective: change.effective });
      await sleep(pause);
      pause = Math.min(poll.max, pause * 2);
    }
  }

  return {
    ...route53Activities,
    ...batchedRoute53,
    ...route53HealthChecks,

    async readTraffic(spec: RouterSpec): Promise<ObservedWeights> {
      return router(spec).readWeights();
    },

    /**
     * Sets both colors' weights as one change and waits until it is effective (Route 53: INSYNC).
     * Weights are absolute, so a retry re-applies the same split rather than shifting twice; a
     * retry that finds its earlier change in the heartbeat just resumes waiting on it.
     */
    async shiftTraffic(spec: RouterSpec, weights: Weights): Promise<{ changeId: string; polls: number }> {
      const r = router(spec);
      const earlier = safeHeartbeatDetails<{ changeId: string; weights: Weights; effective?: boolean }>();
      let change: WeightChange;
      // Only a change that takes time (a Route 53 change id) is worth resuming; a router that
      // applies at once is simply asked again, which also repairs a change someone undid meanwhile.
      const resumable = earlier && !earlier.effective;
      if (resumable && earlier.weights.blue === weights.blue && earlier.weights.green === weights.green) {
        change = { id: earlier.changeId, effective: false };
      } else {
        change = await r.setWeights(weights);
      }
      heartbeat({ changeId: change.id, weights, effective: change.effective });
      const polls = await waitEffective(r, change, weights);
      return { changeId: change.id, polls };
    },

    /** Undo of a first release: removes what it created (Route 53: both records). Already gone is fine. */
    async removeTraffic(spec: RouterSpec): Promise<{ removed: boolean }> {
      const r = router(spec);
      const change = await r.removeInitial();
      if (change) await waitEffective(r, change, null);
      return { removed: change !== null };
    },

    async provisionColor(req: ColorRequest): Promise<Provisioned> {
      const redact = secretsRedactor(req);
      try {
        const done = await keepAlive(commandKeepAliveMs, (progress) =>
          provider(req).provision(req, (message) => progress(redact(message)), cancellationSignal()),
        );
        return { ...done, detail: redact(done.detail) };
      } catch (err) {
        throw asFailure(redactError(err, redact));
      }
    },

    async decommissionColor(req: ColorRequest): Promise<{ stopped: number; detail: string }> {
      const redact = secretsRedactor(req);
      try {
        const done = await keepAlive(commandKeepAliveMs, (progress) =>
          provider(req).decommission(req, (message) => progress(redact(message)), cancellationSignal()),
        );
        return { ...done, detail: redact(done.detail) };
      } catch (err) {
        throw asFailure(redactError(err, redact));
      }
    },

    /** Where a color answers and whether it runs (a repair checks the color it will leave serving). */
    async locateColor(req: ColorRequest): Promise<Located> {
      try {
        return await provider(req).locate(req);
      } catch (err) {
        throw asFailure(err);
      }
    },

    async checkHealth(endpoint: string, http: HttpCheckSpec): Promise<HealthResult> {
      return keepAlive(keepAliveMs, (progress) => httpHealth(endpoint, http, progress));
    },

    /**
     * verify.command, once. A failing test is a result (the workflow rolls back with its output);
     * a cancellation stops its process group before the activity reports back. Heartbeats as
     * often as provision does, so an abort reaches a long test within seconds.
     */
    async smokeTest(req: SmokeRequest): Promise<SmokeResult> {
      try {
        return await keepAlive(commandKeepAliveMs, (progress) => runSmoke(req, progress, cancellationSignal()));
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** Replaced by watchAnalysis; stays registered so releases started with it still run and replay. */
    async analyzeColor(endpoint: string, analysis: AnalysisSpec): Promise<AnalysisMeasurement> {
      return keepAlive(keepAliveMs, () => measure(endpoint, analysis));
    },

    /** One round of every metric in traffic.analysis, judged; see activities/analysis/. */
    async analyzeRound(req: AnalysisRequest): Promise<Measurement[]> {
      return keepAlive(keepAliveMs, () => countedRound(req, cancellationSignal()));
    },

    /** One notification to one sink; failures are retried by the workflow's policy, then become an event. */
    async notify(req: DeliveryRequest): Promise<{ status: number }> {
      return deliverNotification(req);
    },

    /** One POST to a sink within its timeout, for the notifier workflow (workflows/notifier-workflow.ts),
     * which retries by the sink's retryFor and words the final failure. */
    async sendNotification(req: AttemptRequest): Promise<AttemptResult> {
      return attemptDelivery(req);
    },

    /** Whether a release run is still open: a notifier workflow left idle by a release that was
     * terminated (and so never said it was done) ends itself. Unknown counts as open. */
    async releaseRunOpen(run: { workflowId: string; runId: string }): Promise<boolean> {
      if (!deps.temporal) return true;
      try {
        const d = await deps.temporal.workflow.getHandle(run.workflowId, run.runId).describe();
        return d.status.name === 'RUNNING';
      } catch (err) {
        return (err as Error).name !== 'WorkflowNotFoundError';
      }
    },

    /** Asks a webhook gate; never throws for a "no": the verdict carries it. */
    async askGate(req: GateRequest): Promise<GateVerdict> {
      return keepAlive(keepAliveMs, (progress) => callGate(req, progress));
    },

    /** Rounds of analyzeRound every `everyMs` for one window; see activities/watch.ts. */
    async watchAnalysis(req: WatchRequest): Promise<WatchReport> {
      return keepAlive(keepAliveMs, (progress) =>
        watchAnalysis(req, {
          // The activity's cancellation reaches each round: an abort or a hold's end stops a metric command.
          round: (round) => countedRound(round, cancellationSignal()),
          sleep: (ms) => (ms > 0 ? Context.current().sleep(ms) : Promise.resolve()),
          heartbeat: progress,
          cancelled,
          ...(req.observe ? { observeShare: shareReader(req.observe, req.vars, cancellationSignal()) } : {}),
        }),
      );
    },

    /** Reads the observed share every `everyMs` until it is near the new color's weight, or the timeout; see activities/observe/settle.ts. */
    async settleTraffic(req: SettleRequest): Promise<SettleResult> {
      return keepAlive(keepAliveMs, (progress) =>
        settleTraffic(req, {
          reader: shareReader(req.source, req.vars, cancellationSignal()),
          sleep: (ms) => (ms > 0 ? Context.current().sleep(ms) : Promise.resolve()),
          heartbeat: progress,
        }),
      );
    },

    /**
     * Which host queue owns each color of a traffic target, as the target's last finished
     * release left it (its memo), and this worker's own host queue: a local-provider color is
     * provisioned, located and decommissioned on the host that runs its process. `target` is a
     * record name (Route 53) or { target: key } (other routers).
     */
    async colorHosts(target: TargetRef): Promise<ColorHosts> {
      const here = deps.hostQueue ?? null;
      if (!deps.temporal) return { owners: {}, here };
      // By target, not workflow id: scheduled releases of the target run under their schedule's ids.
      const query = `WorkflowType = "release" AND ${recordKey.name} = ${visibilityString(searchValueOfRef(target))} AND ExecutionStatus != "Running"`;
      let newest: { closed: number; owners: ColorHosts['owners'] } | null = null;
      let seen = 0;
      for await (const w of deps.temporal.workflow.list({ query, pageSize: 20 })) {
        if (++seen > 20) break; // newest first: the last finished run is on the first page
        const closed = w.closeTime?.getTime() ?? 0;
        const owners = (w.memo?.bluegreenHosts ?? undefined) as ColorHosts['owners'] | undefined;
        if (owners && (!newest || closed > newest.closed)) newest = { closed, owners };
      }
      return { owners: newest?.owners ?? {}, here };
    },

    async resolveVersion(source: VersionSource, specDir: string): Promise<string> {
      try {
        return await readVersion(source, specDir);
      } catch (err) {
        throw asFailure(err);
      }
    },

    /** The version that serves now: of the record's newest completed release, or of a newer
     * repair that finished one (a repair that rolled back leaves the release before it live). */
    async liveVersion(target: TargetRef): Promise<string | null> {
      if (!deps.temporal) return null;
      const query =
        `(WorkflowType = "release" OR WorkflowType = "repair") AND ${recordKey.name} = ` +
        `${visibilityString(searchValueOfRef(target))} AND ExecutionStatus = "Completed"`;
      let newest: { closed: number; version: string } | null = null;
      let seen = 0;
      for await (const w of deps.temporal.workflow.list({ query, pageSize: NEWEST_PAGE })) {
        const version =
          w.type === 'repair'
            ? (w.memo?.[SERVES_VERSION_MEMO] as string | undefined)
            : w.typedSearchAttributes.get(versionKey);
        const closed = w.closeTime?.getTime() ?? 0;
        if (version && (!newest || closed > newest.closed)) newest = { closed, version };
        // Closed runs come newest first: once a page holds an answer, older pages cannot beat
        // it. Only a page of repairs that served no version reads on.
        if (++seen % NEWEST_PAGE === 0 && newest) break;
      }
      return newest?.version ?? null;
    },
  };
}

/** How many closed runs of a record a lookup of its newest reads at a time: visibility lists
 * closed runs newest first, so the answer is on the first page. */
const NEWEST_PAGE = 10;

/** A string literal for a visibility query. Record names are validated, but this activity may
 * get older input: a quote or backslash must never let a value rewrite the query. */
export function visibilityString(value: string): string {
  if (/["'\\\p{Cc}]/u.test(value))
    throw ApplicationFailure.nonRetryable(
      `cannot look up releases of ${JSON.stringify(value)}: it contains a quote, backslash or control character`,
      'InvalidInput',
    );
  return `"${value}"`;
}

function safeHeartbeatDetails<T>(): T | undefined {
  try {
    return Context.current().info.heartbeatDetails as T | undefined;
  } catch {
    return undefined;
  }
}

export type { Activities };
