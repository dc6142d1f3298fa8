// What a wave release (workflows/wave-release.ts) is given and shows, and what passes between it
// and the releases of its targets. Shared by the workflows and the client.
import { defineSignal } from '@temporalio/workflow';
import type { Phase, ReleaseResult } from './messages';
import type { Weights } from './plan';
import type { Color, OnWaveFailure, ReleaseSpec } from './spec';
import type { StatusTarget } from './target';

export interface WaveTargetPlan {
  name: string;
  /** The target's own spec: the top-level defaults with its overrides merged, placeholders filled in. */
  spec: ReleaseSpec;
}

export interface WavePlanStep {
  name: string;
  approval: boolean;
  /** How long the previous wave bakes before this one starts (a duration), if at all. */
  wait?: string;
  targets: WaveTargetPlan[];
}

/** A validated wave spec, as the wave release receives it (client/wave-spec.ts builds it). */
export interface WavePlan {
  service: string;
  version: string;
  onWaveFailure: OnWaveFailure;
  /** How long every old color stays warm after the last wave reached 100% (decommission.delay). */
  finalDelay: string;
  /** How long a wave's approval waits, and what its timeout does (approval.timeout / onTimeout). */
  approvalTimeout: string;
  approvalOnTimeout: 'rollback' | 'proceed';
  waves: WavePlanStep[];
}

export interface WaveReleaseInput {
  plan: WavePlan;
  /** Absolute folder of the spec file, for every target's release. */
  specDir: string;
  requestedBy?: string;
}

/** What a target's release knows it is part of (ReleaseInput.wave). */
export interface WaveMembership {
  /** The wave release's workflow id: the target reports to it when its traffic is at 100%. */
  parentId: string;
  target: string;
  wave: string;
}

/** Where a target of a wave release stands, as the wave release knows it. */
export type WaveTargetPhase =
  | 'pending'
  | 'releasing'
  /** Its new color serves 100%; the old one is kept warm until the wave release finishes it. */
  | 'holding'
  | 'finishing'
  | 'completed'
  | 'rolled-back'
  | 'failed'
  | 'never-started';

export interface WaveTargetStatus {
  name: string;
  /** The target's release id (`bluegreen-<record>`); `status <id>` shows that release. */
  id: string;
  /** Its record or router target. */
  target: StatusTarget;
  phase: WaveTargetPhase | Phase;
  /** Filled in by the client from the target's own release. */
  weights?: Weights;
  newColor?: Color;
  result?: ReleaseResult;
}

export type WavePhase = 'pending' | 'waiting' | 'awaiting-approval' | 'releasing' | 'holding' | 'done' | 'skipped';

export interface WaveStatus {
  name: string;
  phase: WavePhase | 'completed' | 'rolled-back' | 'failed';
  targets: WaveTargetStatus[];
}

/** A target's release tells the wave release its new color serves 100%. */
export const waveTargetReadySignal = defineSignal<[{ target: string }]>('waveTargetReady');
/** The wave release tells a holding target to decommission its old color and complete. */
export const waveFinishSignal = defineSignal<[]>('waveFinish');
