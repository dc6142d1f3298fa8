// A traffic router moves user traffic between the colors. Like Argo Rollouts' routers it is a
// small interface; the workflow never knows which implementation it talks to.
import type { Color } from '../../workflows/spec';

/** Percent of traffic per color. A color without a record is absent. */
export type Weights = Record<Color, number>;
export type ObservedWeights = Partial<Weights>;

export interface TrafficRouter {
  readonly type: string;
  /** Current weights of the colors' records. */
  readWeights(): Promise<ObservedWeights>;
  /** Writes both colors' weights in one atomic batch; returns a token to wait on. */
  setWeights(weights: Weights): Promise<string>;
  /** Whether the change behind a token has reached every name server. */
  isInSync(token: string): Promise<boolean>;
  /** Deletes the colors' records (undo of a first release). Returns a token, or null when none existed. */
  removeRecords(): Promise<string | null>;
}
