// The errors the client library throws, one class per thing a caller may want to handle
// differently. Each carries the exit code the `bluegreen` CLI uses for it, so a script can
// mirror the CLI. This module loads nothing else: the CLI's fast paths import it freely.

/** Exit codes of the `bluegreen` CLI (and of examples/client-script.ts). */
export const EXIT = { completed: 0, other: 1, invalid: 2, rolledBack: 3, failed: 4 } as const;

/** Base class of every error the library throws on purpose. */
export class BlueGreenError extends Error {
  override name = 'BlueGreenError';
  constructor(
    message: string,
    /** The exit code the `bluegreen` CLI uses for this error. */
    readonly exitCode: number = EXIT.other,
  ) {
    super(message);
  }
}

/** One problem in a release spec: where (a path such as `traffic.steps[1]`, or a YAML line), and what. */
export interface SpecIssue {
  /** `traffic.steps[1]`, `line 3` for YAML syntax, or `` for problems with the file itself. */
  path: string;
  message: string;
}

/** A release spec that does not validate. `issues` lists every problem, not just the first. */
export class InvalidSpecError extends BlueGreenError {
  override name = 'InvalidSpecError';
  /** Every problem as one line, `path: message`. */
  readonly problems: string[];
  constructor(
    /** The file the spec came from, or `(spec)` for an object. */
    readonly file: string,
    readonly issues: SpecIssue[],
  ) {
    const problems = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
    super(`${file} is not a valid release spec:\n${problems.map((p) => `  ${p}`).join('\n')}`, EXIT.invalid);
    this.problems = problems;
  }
}

/** What is known about the release that holds a DNS record. */
export interface RunningRelease {
  id: string;
  service?: string;
  version?: string;
  phase?: string;
  startTime?: string;
}

/** Phases of a release that has its result (its run may still be closing); finalPhases in
 * workflows/messages.ts, which this module cannot import without loading the workflow SDK. */
const ENDED: readonly string[] = ['completed', 'rolled-back', 'failed'];

/** Temporal refused the start: a release of the same DNS record is running (one per record). */
export class ReleaseAlreadyRunningError extends BlueGreenError {
  override name = 'ReleaseAlreadyRunningError';
  constructor(
    readonly recordName: string,
    readonly running: RunningRelease,
  ) {
    const r = running;
    const about = r.service
      ? ` (${r.service} ${r.version ?? '?'}, ${r.phase ?? 'running'}, started ${r.startTime})`
      : '';
    super(
      r.phase && ENDED.includes(r.phase)
        ? `refused: the previous release of ${recordName}, ${r.id}${about}, has its result but is still ` +
            `running its afterRelease gates or delivering its last notifications (each sink retries for its ` +
            `retryFor; a release started by an older bluegreen closes only after them).\nStart again once it closes; the run's pending notify/askGate activities in the Web UI show what it waits for.`
        : `refused: a release of ${recordName} is already running: ${r.id}${about}.\n` +
            `Watch it with \`bluegreen watch ${r.id}\`, or stop it with \`bluegreen abort ${r.id} --reason "..."\`.`,
      EXIT.invalid,
    );
  }
  /** The id of the running release. */
  get releaseId(): string {
    return this.running.id;
  }
}

/** The release did not take the operator action; `reason` says why ("release is already paused"). */
export class ActionRefusedError extends BlueGreenError {
  override name = 'ActionRefusedError';
  constructor(
    readonly action: string,
    readonly releaseId: string,
    /** The release's own words, e.g. "cannot promote: release is rolling back". */
    readonly reason: string,
  ) {
    super(reason, EXIT.invalid);
  }
}

/** No release or schedule with this id in the namespace. */
export class NotFoundError extends BlueGreenError {
  override name = 'NotFoundError';
  constructor(
    readonly kind: 'release' | 'schedule',
    readonly id: string,
    message: string,
  ) {
    super(message, EXIT.invalid);
  }
}

/** Temporal could not be reached, or no worker answers on the task queue. */
export class ConnectionError extends BlueGreenError {
  override name = 'ConnectionError';
  constructor(
    message: string,
    /** `server`: Temporal itself; `worker`: Temporal answered but no bluegreen worker did. */
    readonly target: 'server' | 'worker' = 'server',
  ) {
    super(message, EXIT.other);
  }
}

/** An argument the library was given is unusable (a malformed delay, a missing abort reason). */
export class InvalidArgumentError extends BlueGreenError {
  override name = 'InvalidArgumentError';
  constructor(message: string) {
    super(message, EXIT.invalid);
  }
}
