// An in-memory world behind the release activities, for workflow tests on the time-skipping
// server: it records every weight change and which colors run, so tests assert outcomes.
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import type { ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';
import type {
  Activities,
  AttemptRequest,
  AttemptResult,
  ColorRequest,
  DeliveryRequest,
  GateRequest,
  GateVerdict,
  WatchReport,
  WatchRequest,
} from '../../contract/activities';
import { judgeReading, type AnalysisRequest, type Measurement } from '../../contract/metrics';
import type { Weights } from '../../contract/weights';
import type { Color, DnsSpec, HttpCheckSpec } from '../../contract/spec';
import { parseSpec } from '../../client/spec-file';
import type { ReleaseSpec, ReleaseSpecInput } from '../../workflows/spec';

function notFaked(activity: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`FakeWorld does not fake ${activity}`, 'NotFaked');
}

/** A round of the built-in probe, judged as analyzeRound judges it (maxErrorRate 0.01, p95 ≤ 500). */
export function probeRound(errorRate: number, p95Ms = 12): Measurement[] {
  const errors = Math.round(errorRate * 20);
  return [
    judgeReading(
      {
        name: 'probe.error-rate',
        value: errorRate,
        detail: `${errors}/20 requests failed${errors ? ', last: HTTP 500' : ''}`,
      },
      { max: 0.01 },
    ),
    judgeReading({ name: 'probe.p95-ms', value: p95Ms }, { max: 500 }),
  ];
}
export const healthyRound: Measurement[] = probeRound(0);
export const failingRound: Measurement[] = probeRound(0.5);
/** A metric with nothing to read, e.g. a PromQL query with an empty result. */
export function emptyResult(name = 'error-ratio'): Measurement {
  return judgeReading({ name, value: null, problem: 'empty result' }, { max: 0.01 });
}

export class FakeWorld {
  records: Partial<Weights> = {};
  /** The Temporal server the zone batcher is started on (the harness sets it). */
  temporalAddress?: string;
  running = new Map<Color, string>();
  shifts: Weights[] = [];
  provisions: string[] = [];
  decommissions: Color[] = [];
  analysisRounds = 0;
  healthy = true;
  /** What versionFrom resolves to, and what the record last completed with. */
  resolvedVersion = '9.9.9';
  lastCompletedVersion: string | null = null;
  provisionError?: string;
  /** Every shift after the first `afterShifts` fails; `retryable` lets Temporal retry it (Throttling). */
  shiftError?: { type: string; message: string; afterShifts: number; retryable?: boolean; landed?: boolean };
  /** Makes every removal of the records fail permanently with this message. */
  removeError?: string;
  /** Every notification delivered, in order. */
  notifications: DeliveryRequest[] = [];
  /** How each notification attempt is answered (sendNotification); default: delivered. */
  sink: (req: AttemptRequest) => AttemptResult = () => ({ delivered: true, status: 200 });
  /** Every notification attempt, delivered or not. */
  attempts: AttemptRequest[] = [];
  /** Whether a release run is still open, as the notifier workflow asks when idle. */
  releaseOpen = true;
  /** Every gate asked, with the weights at the moment it was asked. */
  gateCalls: { req: GateRequest; weights: Partial<Weights> }[] = [];
  /** Decides each gate; default: pass. */
  gate: (req: GateRequest) => GateVerdict = () => ({ passed: true, message: 'gate answered HTTP 200' });
  /** Decides each analysis round (1-based round number, current weights, what the workflow asked). */
  analysis: (round: number, weights: Partial<Weights>, req: AnalysisRequest) => Measurement[] = () => healthyRound;
  /**
   * How many rounds one watchAnalysis call may report (default: the whole window). The fake
   * answers at once, as if the window had passed; the workflow then waits out the window's time.
   */
  roundsPerReport = Infinity;
  /** Real milliseconds a round takes (1-based round number): lets a hold end during a round. */
  roundDelayMs: (round: number) => number = () => 0;
  /** Every watchAnalysis request, for tests that check windows and template variables. */
  watchRequests: WatchRequest[] = [];
  /** Hook after every successful shift (tests send signals from here). */
  onShift: (weights: Weights, count: number) => void = () => undefined;

  activities(): Activities {
    // The activity methods below are object-literal methods, whose own `this` is the object.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const world = this;
    const impl: Activities = {
      async readTraffic(_dns: DnsSpec) {
        return { ...world.records };
      },
      async shiftTraffic(dns: DnsSpec, weights: Weights) {
        return { changeId: await impl.route53ChangeWeights(dns, weights), polls: 1 };
      },
      async removeTraffic(_dns: DnsSpec) {
        const removed = world.records.blue !== undefined || world.records.green !== undefined;
        world.records = {};
        return { removed };
      },
      // The one-request Route 53 activities the workflow runs on its Route 53 queue.
      async route53HostedZone(_dns: DnsSpec) {
        return 'Z1';
      },
      async route53ReadWeights(_dns: DnsSpec) {
        return { ...world.records };
      },
      async route53ChangeWeights(_dns: DnsSpec, weights: Weights) {
        if (world.shiftError && world.shifts.length >= world.shiftError.afterShifts) {
          // A change Route 53 applied whose answer never came back looks like a failure too.
          if (world.shiftError.landed) world.records = { ...weights };
          throw world.shiftError.retryable
            ? ApplicationFailure.retryable(world.shiftError.message, world.shiftError.type)
            : ApplicationFailure.nonRetryable(world.shiftError.message, world.shiftError.type);
        }
        world.records = { ...weights };
        world.shifts.push({ ...weights });
        world.onShift(weights, world.shifts.length);
        return `C${world.shifts.length}`;
      },
      async route53AwaitChange(_changeId: string) {
        return { polls: 1 };
      },
      // The zone batcher's activities (workflows/routing/route53-batcher.ts).
      async route53CachedZone(_zoneName: string) {
        return 'Z1';
      },
      async route53ForgetZone(_zoneName: string) {},
      async route53Enqueue(args: { batcherId: string; zoneId: string; taskQueue: string; request: unknown }) {
        // A connection per request: a long-lived one sits idle through skipped time, and the
        // test server then refuses its keepalive pings ("excess pings") until it reconnects.
        const connection = await Connection.connect({ address: world.temporalAddress! });
        try {
          await new Client({ connection }).workflow.signalWithStart('route53Batcher', {
            workflowId: args.batcherId,
            taskQueue: args.taskQueue,
            args: [{ zoneId: args.zoneId }],
            signal: 'route53Request',
            signalArgs: [args.request],
          });
        } finally {
          await connection.close();
        }
      },
      async route53SubmitBatch(
        _zoneId: string,
        changes: { Action?: string; ResourceRecordSet?: { SetIdentifier?: string; Weight?: number } }[],
      ) {
        if (changes.every((c) => c.Action === 'DELETE')) {
          if (world.removeError) throw ApplicationFailure.nonRetryable(world.removeError, 'AccessDenied');
          world.records = {};
          return 'C-delete';
        }
        const weight = (color: string) =>
          changes.find((c) => c.ResourceRecordSet?.SetIdentifier?.startsWith(`bluegreen-${color}-`))?.ResourceRecordSet
            ?.Weight ?? 0;
        return impl.route53ChangeWeights({} as DnsSpec, { blue: weight('blue'), green: weight('green') });
      },
      async route53ListPage(_zoneId: string, _start: unknown, wanted: { name: string; type: string }[]) {
        const name = wanted[0]?.name ?? '';
        const records = (['blue', 'green'] as const)
          .filter((c) => world.records[c] !== undefined)
          .map((c) => ({
            Name: name,
            Type: wanted[0]?.type as RRType | undefined,
            SetIdentifier: `bluegreen-${c}-${name.replace(/\.$/, '')}`,
            Weight: world.records[c],
          }));
        return { records };
      },
      async route53ReadRecords(dns: DnsSpec) {
        return (['blue', 'green'] as const)
          .filter((c) => world.records[c] !== undefined)
          .map((c): ResourceRecordSet => ({
            Name: dns.recordName,
            Type: dns.recordType,
            SetIdentifier: `bluegreen-${c}-${dns.recordName}`,
            Weight: world.records[c],
          }));
      },
      async route53DeleteRecords(_dns: DnsSpec, records: unknown[]) {
        if (world.removeError) throw ApplicationFailure.nonRetryable(world.removeError, 'AccessDenied');
        world.records = {};
        return records.length ? 'C-delete' : null;
      },
      async colorHosts(_recordName: string) {
        return { owners: {}, here: null };
      },
      async provisionColor(req: ColorRequest) {
        world.provisions.push(`${req.color}@${req.version}`);
        // A failing provision may have half-started something: model that, so the test can
        // prove compensation cleans it up.
        world.running.set(req.color, req.version);
        if (world.provisionError)
          throw ApplicationFailure.nonRetryable(world.provisionError, 'EnvironmentMisconfigured');
        return { endpoint: `http://${req.color}.test`, reused: false, detail: `started ${req.color}` };
      },
      async decommissionColor(req: ColorRequest) {
        world.decommissions.push(req.color);
        const stopped = world.running.delete(req.color) ? 1 : 0;
        return { stopped, detail: `stopped ${req.color}` };
      },
      async locateColor(req: ColorRequest) {
        const version = world.running.get(req.color);
        return { endpoint: `http://${req.color}.test`, running: version !== undefined, version };
      },
      async checkHealth(_endpoint: string, http: HttpCheckSpec) {
        return world.healthy
          ? { healthy: true, attempts: 1, last: 'HTTP 200' }
          : { healthy: false, attempts: http.attempts, last: 'HTTP 503, expected 200' };
      },
      async resolveVersion() {
        return world.resolvedVersion;
      },
      async liveVersion() {
        return world.lastCompletedVersion;
      },
      async notify(req: DeliveryRequest) {
        world.notifications.push(req);
        return { status: 200 };
      },
      async sendNotification(req: AttemptRequest) {
        world.attempts.push(req);
        const r = world.sink(req);
        if (r.delivered) world.notifications.push(req);
        return r;
      },
      async releaseRunOpen() {
        return world.releaseOpen;
      },
      async askGate(req: GateRequest) {
        world.gateCalls.push({ req, weights: { ...world.records } });
        return world.gate(req);
      },
      // Not faked: no release these tests run uses verify.command, traffic.settle, dns.healthCheck or the pre-watch
      // analysis loop. Failing loudly keeps it that way rather than passing a test by accident.
      async smokeTest() {
        throw notFaked('smokeTest');
      },
      async analyzeColor() {
        throw notFaked('analyzeColor');
      },
      async settleTraffic() {
        throw notFaked('settleTraffic');
      },
      // Nor dns.healthCheck: test/integration/health-checks.test.ts runs it against moto.
      async route53EnsureHealthCheck() {
        throw notFaked('route53EnsureHealthCheck');
      },
      async route53DeleteHealthCheck() {
        throw notFaked('route53DeleteHealthCheck');
      },
      async route53ListHealthChecks() {
        throw notFaked('route53ListHealthChecks');
      },
      async analyzeRound(req: AnalysisRequest) {
        world.analysisRounds++;
        return world.analysis(world.analysisRounds, world.records, req);
      },
      async watchAnalysis(req: WatchRequest): Promise<WatchReport> {
        world.watchRequests.push(req);
        const windowRounds = Math.max(1, Math.ceil(req.windowMs / req.everyMs));
        let report: WatchReport | undefined;
        for (let i = 0; i < Math.min(windowRounds, world.roundsPerReport); i++) {
          world.analysisRounds++;
          const at = new Date().toISOString();
          const measurements = world.analysis(world.analysisRounds, world.records, req);
          const delay = world.roundDelayMs(world.analysisRounds);
          if (delay) await new Promise((r) => setTimeout(r, delay));
          report = { rounds: i + 1, at, measurements };
          if (measurements.some((m) => m.verdict !== 'passed')) break;
        }
        return report!;
      },
    };
    return impl;
  }
}

/** A Route 53 spec (the one most tests need); routers other than Route 53 build their own. */
export function testSpec(overrides: Partial<ReleaseSpecInput> = {}): ReleaseSpec & { dns: DnsSpec } {
  const spec = parseSpec({
    service: 'shop',
    version: '2.0.0',
    environment: { provider: 'local', command: ['node', 'app.js'], ports: { blue: 1, green: 2 } },
    dns: {
      provider: 'route53',
      hostedZoneId: 'Z1',
      recordName: 'shop.example.com',
      ttl: 60,
      targets: { blue: 'blue.example.com', green: 'green.example.com' },
    },
    traffic: { steps: [10, 50, 100], interval: '5m', analysis: { every: '1m' } },
    decommission: { delay: '15m' },
    ...overrides,
  });
  if (!spec.dns) throw new Error('testSpec() is a Route 53 spec: keep its dns block');
  return { ...spec, dns: spec.dns };
}
