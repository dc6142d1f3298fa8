// The `bluegreen` package: a typed client for scripts and pipelines that start and follow
// releases. `import { connect } from 'bluegreen'`. docs/client.md is its reference.
// (The CLI imports the modules it needs directly, not this barrel, to keep its start-up fast.)
import type { z } from 'zod';
import { parseSpec, loadSpecFile, type LoadedSpec } from './spec-file';
import { releaseSpecSchema, type ReleaseSpec as ValidatedSpec } from '../workflows/spec';

export {
  connect,
  BlueGreenClient,
  Release,
  Schedules,
  startDelayMs,
  type ConnectOptions,
  type CreatedSchedule,
  type ListedRelease,
  type ListedSchedule,
  type ListOptions,
  type ScheduleOptions,
  type SpecSource,
  type StartOptions,
  type StartedRepair,
  type WatchOptions,
} from './library/client';
export {
  BlueGreenError,
  InvalidSpecError,
  ReleaseAlreadyRunningError,
  ActionRefusedError,
  NotFoundError,
  ConnectionError,
  InvalidArgumentError,
  EXIT,
  type SpecIssue,
  type RunningRelease,
} from './library/errors';
export { analyze, type AnalyzeOptions, type AnalysisReport, type Measurement } from './library/analyze';
export { exitCodeFor } from './releases';
export { releaseIdFor } from '../workflows/names';
export {
  phases,
  finalPhases,
  operatorActions,
  statusQuery,
  signalsByAction,
  updatesByAction,
  type Phase,
  type Outcome,
  type ReleaseStatus,
  type ReleaseResult,
  type ReleaseEvent,
  type ReleaseInput,
  type ActionOutcome,
  type OperatorAction,
  type PausePayload,
  type AbortPayload,
  type ApprovePayload,
  type PlainPayload,
} from '../workflows/messages';
export { releaseSpecSchema, releaseJsonSchema, type Color } from '../workflows/spec';
export type { LoadedSpec, ValidatedSpec };

/** What a spec file may contain: the schema's input, before defaults are applied. */
export type ReleaseSpec = z.input<typeof releaseSpecSchema>;

/**
 * Validates a spec object (e.g. parsed from YAML or built in code) and returns it with every
 * default filled in. Throws InvalidSpecError listing every problem with its path.
 */
export function validateSpec(spec: unknown, source = '(spec)'): ValidatedSpec {
  return parseSpec(spec, source);
}

/** Reads a YAML or JSON spec file and validates it; relative paths in it resolve against its folder. */
export function loadSpec(file: string): LoadedSpec {
  return loadSpecFile(file);
}
