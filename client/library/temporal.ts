// The connection types the library and the CLI share. Types only, and none from
// @temporalio/worker: a package consumer's type-check then skips the worker's large declarations.
import type { Connection, ConnectionOptions, Client } from '@temporalio/client';

/**
 * What bluegreen uses of a connection: the client's pure-JS one or the worker's native one
 * (structurally, so the package's types do not pull in @temporalio/worker's).
 */
export type AnyConnection = Pick<Connection, 'operatorService' | 'workflowService' | 'withDeadline' | 'close'>;

export interface Temporal {
  connection: AnyConnection;
  client: Client;
  namespace: string;
  address: string;
  /** Overrides BLUEGREEN_TASK_QUEUE for releases started through this connection. */
  taskQueue?: string;
  /** Overrides BLUEGREEN_IDENTITY (who started or acted on a release). */
  identity?: string;
}

/** Settings that override what envconfig finds (all optional). */
export interface ConnectionOverrides {
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: ConnectionOptions['tls'];
  /** TOML profile name; default TEMPORAL_PROFILE, then envconfig's default profile. */
  profile?: string;
}
