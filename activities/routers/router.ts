// A traffic router moves user traffic between the colors. Like Argo Rollouts' routers it is a
// small interface of verbs: the workflow never knows whether weights live in Route 53 records,
// an ALB listener or an HAProxy backend. One folder per router beside this file; index.ts picks
// one by the spec's `provider`, and test/activities/routers/contract.ts is what each must pass.
import type { ObservedWeights, Weights } from '../../contract/weights';

export type { ObservedWeights, Weights };

/**
 * A weight change the router accepted. `id` is the router's own handle on it (a Route 53 change
 * id); routers whose changes take effect at once return `effective: true` and nothing to wait on.
 */
export interface WeightChange {
  id: string;
  effective: boolean;
}

export interface TrafficRouter {
  /** What this router moves traffic for, in words for messages: `record shop.example.com`. */
  readonly target: string;
  /** Current weight of each color. */
  readWeights(): Promise<ObservedWeights>;
  /** Writes both colors' weights as one change: never one color without the other. Idempotent. */
  setWeights(weights: Weights): Promise<WeightChange>;
  /** Whether a change has reached every place that routes (every name server, every proxy). */
  isEffective(change: WeightChange): Promise<boolean>;
  /**
   * Undoes what the first release of this target created (Route 53: both records), leaving the
   * router as it found it. Null when there was nothing to undo.
   */
  removeInitial(): Promise<WeightChange | null>;
}
