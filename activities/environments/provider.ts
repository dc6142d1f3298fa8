// An environment provider runs one color of a service. Small on purpose (provision, locate,
// decommission), so new platforms are a file in this folder and nothing else changes.
import type { Color } from '../../contract/spec';
import type { Provisioned, Located } from '../../contract/activities';
export type { Provisioned, Located };

export interface ColorInstance {
  service: string;
  color: Color;
  version: string;
  /** The DNS record released; keys per-color state. Absent in requests from releases started
   * before it was added (they keep the service-and-color key they started with). */
  recordName?: string;
}

/** Progress reports become activity heartbeats, so a stuck step shows what it last said. */
export type Progress = (message: string) => void;

export interface EnvironmentProvider {
  readonly type: string;
  /** `signal` is the activity's cancellation: a provider stops what it spawned (SIGTERM to the
   * process group, SIGKILL after a grace period) and throws CancelledFailure once it is gone. */
  provision(instance: ColorInstance, progress: Progress, signal?: AbortSignal): Promise<Provisioned>;
  locate(instance: ColorInstance): Promise<Located>;
  /** Idempotent: tearing down a color that is already gone succeeds. */
  decommission(
    instance: ColorInstance,
    progress: Progress,
    signal?: AbortSignal,
  ): Promise<{ stopped: number; detail: string }>;
}

export class EnvironmentError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = retryable ? 'EnvironmentError' : 'EnvironmentMisconfigured';
  }
}

export function standardVariables(instance: ColorInstance): Record<string, string> {
  return {
    BLUEGREEN_SERVICE: instance.service,
    BLUEGREEN_COLOR: instance.color,
    BLUEGREEN_VERSION: instance.version,
  };
}
