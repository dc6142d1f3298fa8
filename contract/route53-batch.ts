// What a release and the Route 53 zone batcher (workflows/routing/route53-batcher.ts) say to each
// other through the activities that hand requests over (activities/routers/route53/batched.ts).
import { defineSignal } from '@temporalio/workflow';
import type { Change, ResourceRecordSet } from '@aws-sdk/client-route-53';

/** `do`: a release moving forward; `undo`: a compensation, which never waits behind `do`. */
export type Lane = 'do' | 'undo';

interface RequestBase {
  /** Unique per request of a release run; a resent request keeps its id. */
  id: string;
  /** The workflow to answer (signal batchReply). */
  from: string;
  lane: Lane;
  /** recordKey(): requests for one record are applied in the order they arrive. */
  record: string;
}
export interface ChangeRequest extends RequestBase {
  kind: 'change';
  changes: Change[];
}
export interface ReadRequest extends RequestBase {
  kind: 'read';
  name: string;
  type: string;
}
export type BatchRequest = ChangeRequest | ReadRequest;

export interface BatchReply {
  id: string;
  /** A change: Route 53's change id (null: nothing left to delete) and GetChange polls until INSYNC. */
  changeId?: string | null;
  polls?: number;
  /** A read: the record sets of that name and type bluegreen owns. */
  records?: ResourceRecordSet[];
  error?: { type: string; message: string };
}

export const batchRequestSignal = defineSignal<[BatchRequest]>('route53Request');
export const batchReplySignal = defineSignal<[BatchReply]>('route53Reply');
