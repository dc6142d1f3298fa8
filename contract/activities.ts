// The activities the workflows call, and what goes in and out of each: the one contract between
// the workflows (which decide) and the activities (which act). The implementation
// (activities/index.ts, createActivities) is checked against it by the compiler, workflows reach
// it only through proxyActivities<Activities>, and the test fake (test/support/fake-world.ts)
// implements it too. Changing a signature here changes what histories carry: keep old fields
// optional, as the comments below say where a release started before a field existed.
import type { Change, HealthCheckConfig, ResourceRecordSet } from '@aws-sdk/client-route-53';
import type { AnalysisRequest, Measurement, TemplateVars } from './metrics';
import type { GatePayload, NotificationPayload } from './notifications';
import type { ObservedShare, ShareSource } from './observed-share';
import type { BatchRequest } from './route53-batch';
import type {
  AnalysisSpec,
  Color,
  DnsSpec,
  EnvironmentSpec,
  GateSpec,
  HttpCheckSpec,
  NotifySinkSpec,
  RouterSpec,
  SmokeCommandSpec,
  VersionSource,
} from './spec';
import type { TargetRef } from './target';
import type { ObservedWeights, Weights } from './weights';

/** A Route 53 health check bluegreen made (found by its CallerReference). */
export interface HealthCheckRef {
  id: string;
  callerReference: string;
}

export interface ColorRequest {
  environment: EnvironmentSpec;
  specDir: string;
  service: string;
  color: Color;
  version: string;
  /** Keys the local provider's state (the record name, or the traffic target's key); optional
   * for releases started before it was sent. */
  recordName?: string;
}

export interface Provisioned {
  endpoint: string;
  /** True when the color already ran this version and was adopted rather than started again. */
  reused: boolean;
  detail: string;
}

export interface Located {
  endpoint: string;
  running: boolean;
  version?: string;
}

export interface HealthResult {
  healthy: boolean;
  attempts: number;
  last: string;
}

export interface SmokeRequest {
  command: SmokeCommandSpec;
  specDir: string;
  /** Template variables: endpoint, color, version, service, record. */
  vars: { endpoint: string; color: Color; version: string; service: string; record: string };
}

export interface SmokeResult {
  passed: boolean;
  /** "exited with code 0", "exited with code 1", "timed out after 5m (stopped with SIGTERM)". */
  how: string;
  /** The last lines of its output (stdout and stderr), secrets redacted. */
  tail: string;
  ms: number;
}

export interface DeliveryRequest {
  sink: Pick<NotifySinkSpec, 'webhook' | 'slack'>;
  /** Which sink of spec.notify, for messages ("notify[1]"). */
  index: number;
  payload: NotificationPayload;
  /** Unique per event and sink; receivers drop duplicates by it (delivery is at least once). */
  deliveryId: string;
}

export interface GateRequest {
  gate: GateSpec;
  /** "hooks.beforeStep[0]", for messages. */
  field: string;
  payload: GatePayload;
}

export interface GateVerdict {
  passed: boolean;
  message: string;
}

export interface AttemptRequest extends DeliveryRequest {
  /** Time limit of this POST (the sink's `timeout`). */
  timeoutMs: number;
}

/** How one POST went, worded for a person; the notifier workflow decides whether to try again. */
export type AttemptResult =
  | { delivered: true; status: number }
  | {
      delivered: false;
      /** The sink as the spec wrote it: "webhook https://…", "slack webhook (notify[1])". */
      where: string;
      /** What happened, completing "the webhook … ": "did not answer within 10s", "answered HTTP 500: …". */
      answer: string;
      /** Trying again would get the same answer (a 4xx, a missing ${env:NAME}). */
      permanent: boolean;
    };

export interface WatchRequest extends AnalysisRequest {
  everyMs: number;
  /** How long this window lasts; its first round starts at once. */
  windowMs: number;
  /** Where the observed traffic share is read, each round before the metrics; absent: not observed. */
  observe?: ShareSource;
}

export interface WatchReport {
  /** Rounds measured in this window; the next is due `rounds × every` after the window began. */
  rounds: number;
  /** When the last round was taken (ISO time), and its measurements. */
  at: string;
  measurements: Measurement[];
  /** The latest observed share (absent when the release observes nothing or nothing was counted yet). */
  observedShare?: ObservedShare;
}

export interface SettleRequest {
  source: ShareSource;
  vars: TemplateVars;
  newColor: Color;
  /** The new color's weight, 0–100. */
  percent: number;
  tolerance: number;
  timeoutMs: number;
  everyMs: number;
}

export interface SettleResult {
  settled: boolean;
  /** From the first read to the one that settled (or to the timeout). */
  tookMs: number;
  reads: number;
  /** The last share read; absent when nothing was ever counted. */
  share?: ObservedShare;
}

export interface ListCursor {
  name: string;
  type: string;
  id?: string;
}

/** What `analyzeColor` returns: the built-in probe's round. */
export interface AnalysisMeasurement {
  requests: number;
  errors: number;
  errorRate: number;
  p95Ms: number;
  lastError?: string;
}

/** Which host queue runs each color's process, and the host queue of the worker that answered. */
export interface ColorHosts {
  owners: Partial<Record<Color, string>>;
  here: string | null;
}

/** Every activity a worker registers, as workflows call it. */
export interface Activities {
  // Traffic, through the router the spec names (activities/routers/).
  readTraffic(spec: RouterSpec): Promise<ObservedWeights>;
  shiftTraffic(spec: RouterSpec, weights: Weights): Promise<{ changeId: string; polls: number }>;
  removeTraffic(spec: RouterSpec): Promise<{ removed: boolean }>;

  // Route 53, one request per activity on the rate-limited queues (activities/routers/route53/budgeted.ts).
  route53HostedZone(dns: DnsSpec): Promise<string>;
  route53ReadWeights(dns: DnsSpec): Promise<ObservedWeights>;
  route53ChangeWeights(dns: DnsSpec, weights: Weights): Promise<string>;
  route53AwaitChange(changeId: string): Promise<{ polls: number }>;
  route53ReadRecords(dns: DnsSpec): Promise<ResourceRecordSet[]>;
  route53DeleteRecords(dns: DnsSpec, records: ResourceRecordSet[]): Promise<string | null>;

  // The zone batcher's (activities/routers/route53/batched.ts).
  route53CachedZone(zoneName: string): Promise<string | null>;
  route53ForgetZone(zoneName: string): Promise<void>;
  route53Enqueue(args: { batcherId: string; zoneId: string; taskQueue: string; request: BatchRequest }): Promise<void>;
  route53SubmitBatch(zoneId: string, changes: Change[], comment: string): Promise<string>;
  route53ListPage(
    zoneId: string,
    start: ListCursor,
    wanted: { name: string; type: string }[],
  ): Promise<{ records: ResourceRecordSet[]; next?: ListCursor }>;

  // Route 53 health checks on the colors (activities/routers/route53/health-checks.ts).
  route53EnsureHealthCheck(req: {
    callerReference: string;
    config: HealthCheckConfig;
  }): Promise<{ id: string; created: boolean }>;
  route53DeleteHealthCheck(req: {
    id?: string;
    callerReference?: string;
    prefix: string;
  }): Promise<{ deleted: string | null; skipped?: string }>;
  route53ListHealthChecks(prefix: string): Promise<HealthCheckRef[]>;

  // Environments (activities/environments/).
  provisionColor(req: ColorRequest): Promise<Provisioned>;
  decommissionColor(req: ColorRequest): Promise<{ stopped: number; detail: string }>;
  locateColor(req: ColorRequest): Promise<Located>;
  colorHosts(target: TargetRef): Promise<ColorHosts>;

  // Verification and analysis (activities/probes/, activities/analysis/, activities/watch.ts).
  checkHealth(endpoint: string, http: HttpCheckSpec): Promise<HealthResult>;
  smokeTest(req: SmokeRequest): Promise<SmokeResult>;
  /** Replaced by watchAnalysis; stays registered so releases started with it still run and replay. */
  analyzeColor(endpoint: string, analysis: AnalysisSpec): Promise<AnalysisMeasurement>;
  analyzeRound(req: AnalysisRequest): Promise<Measurement[]>;
  watchAnalysis(req: WatchRequest): Promise<WatchReport>;
  settleTraffic(req: SettleRequest): Promise<SettleResult>;

  // Notifications and gates (activities/notify/).
  notify(req: DeliveryRequest): Promise<{ status: number }>;
  sendNotification(req: AttemptRequest): Promise<AttemptResult>;
  releaseRunOpen(run: { workflowId: string; runId: string }): Promise<boolean>;
  askGate(req: GateRequest): Promise<GateVerdict>;

  // Versions (activities/versions/, visibility).
  resolveVersion(source: VersionSource, specDir: string): Promise<string>;
  liveVersion(target: TargetRef): Promise<string | null>;
}
