// Picks the environment provider a spec names. The map is keyed by every `environment.provider`
// the schema allows, so a provider without an implementation is a compile error (as for routers
// and metric providers). Adding a platform: a folder here, one entry below, and the contract
// suite in test/activities/environments/contract.ts run against it.
import type { EnvironmentSpec } from '../../contract/spec';
import type { EnvironmentProvider } from './provider';
import { LocalProvider } from './local/provider';
import { CommandProvider } from './command/provider';

export type { ColorInstance, EnvironmentProvider, Located, Progress, Provisioned } from './provider';
export { EnvironmentError } from './provider';

/** What every provider of a worker shares. */
export interface EnvironmentContext {
  /** Where per-color state and logs live. */
  stateDir: string;
  /** Folder of the spec file: relative paths and `cwd` resolve against it. */
  specDir: string;
  /** Temporal namespace of the release; scopes per-color state. */
  namespace?: string;
}

type EnvironmentProviderName = EnvironmentSpec['provider'];
type SpecOf<P extends EnvironmentProviderName> = Extract<EnvironmentSpec, { provider: P }>;
type Makers = {
  [P in EnvironmentProviderName]: (spec: SpecOf<P>, ctx: EnvironmentContext) => EnvironmentProvider;
};

const makers: Makers = {
  local: (spec, ctx) =>
    new LocalProvider(spec, { stateDir: ctx.stateDir, specDir: ctx.specDir, namespace: ctx.namespace }),
  command: (spec, ctx) => new CommandProvider(spec, ctx.specDir, { stateDir: ctx.stateDir, namespace: ctx.namespace }),
};

export function createEnvironmentProvider(spec: EnvironmentSpec, ctx: EnvironmentContext): EnvironmentProvider {
  return (makers[spec.provider] as (s: EnvironmentSpec, c: EnvironmentContext) => EnvironmentProvider)(spec, ctx);
}
