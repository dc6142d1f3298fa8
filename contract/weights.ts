// Traffic weights, one definition for the workflow that plans them and the routers that apply them.
import type { Color } from './spec';

/** Percent of traffic per color (0–100 each, summing to 100 once a release has happened). */
export type Weights = Record<Color, number>;
/** Weights as the router has them: a color the router does not know yet is absent. */
export type ObservedWeights = Partial<Weights>;
