// An in-memory world behind the release activities, for workflow tests on the time-skipping
// server: it records every weight change and which colors run, so tests assert outcomes.
import { ApplicationFailure } from '@temporalio/common';
import type { Activities, ColorRequest } from '../../activities';
import type { DeliveryRequest, GateRequest, GateVerdict } from '../../activities/notify';
import type { AnalysisMeasurement, Weights } from '../../workflows/plan';
import type { AnalysisSpec, Color, DnsSpec, HttpCheckSpec } from '../../workflows/spec';
import { parseSpec } from '../../client/spec-file';
import type { ReleaseSpec, ReleaseSpecInput } from '../../workflows/spec';

export const healthyRound: AnalysisMeasurement = { requests: 20, errors: 0, errorRate: 0, p95Ms: 12 };
export const failingRound: AnalysisMeasurement = {
  requests: 20,
  errors: 10,
  errorRate: 0.5,
  p95Ms: 12,
  lastError: 'HTTP 500',
};

export class FakeWorld {
  records: Partial<Weights> = {};
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
  shiftError?: { type: string; message: string; afterShifts: number };
  /** Decides each analysis round (1-based round number, current weights). */
  analysis: (round: number, weights: Partial<Weights>) => AnalysisMeasurement = () => healthyRound;
  /** Every notification delivered, in order. */
  notifications: DeliveryRequest[] = [];
  /** Every gate asked, with the weights at the moment it was asked. */
  gateCalls: { req: GateRequest; weights: Partial<Weights> }[] = [];
  /** Decides each gate; default: pass. */
  gate: (req: GateRequest) => GateVerdict = () => ({ passed: true, message: 'gate answered HTTP 200' });
  /** Hook after every successful shift (tests send signals from here). */
  onShift: (weights: Weights, count: number) => void = () => undefined;

  activities(): Activities {
    // The activity methods below are object-literal methods, whose own `this` is the object.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const world = this;
    const impl = {
      async readTraffic(_dns: DnsSpec) {
        return { ...world.records };
      },
      async shiftTraffic(_dns: DnsSpec, weights: Weights) {
        if (world.shiftError && world.shifts.length >= world.shiftError.afterShifts) {
          throw ApplicationFailure.nonRetryable(world.shiftError.message, world.shiftError.type);
        }
        world.records = { ...weights };
        world.shifts.push({ ...weights });
        world.onShift(weights, world.shifts.length);
        return { changeId: `C${world.shifts.length}`, polls: 1 };
      },
      async removeTraffic(_dns: DnsSpec) {
        const removed = world.records.blue !== undefined || world.records.green !== undefined;
        world.records = {};
        return { removed };
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
      async askGate(req: GateRequest) {
        world.gateCalls.push({ req, weights: { ...world.records } });
        return world.gate(req);
      },
      async analyzeColor(_endpoint: string, _analysis: AnalysisSpec) {
        world.analysisRounds++;
        return world.analysis(world.analysisRounds, world.records);
      },
    };
    return impl as unknown as Activities;
  }
}

export function testSpec(overrides: Partial<ReleaseSpecInput> = {}): ReleaseSpec {
  return parseSpec({
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
}
