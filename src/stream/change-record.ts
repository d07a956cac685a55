// The one shape a stream record takes inside the replicator: what changed (keys, new image) and where it sits
// in its shard (sequence number). Converted once at the edge, so buffer and writer never see SDK types.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { repairEmptyMaps } from './empty-map-repair.js';

export type Item = Record<string, AttributeValue>;

export type ChangeEvent = 'INSERT' | 'MODIFY' | 'REMOVE';

export interface ChangeRecord {
  readonly sequenceNumber: string;
  readonly eventName: ChangeEvent;
  readonly keys: Item;
  /** The item after the change; undefined for REMOVE. */
  readonly newImage: Item | undefined;
  /**
   * The item before the change, on NEW_AND_OLD_IMAGES streams; undefined for INSERT and on NEW_IMAGE streams.
   * Only rules read it (was the item in the destination's subset before?).
   */
  readonly oldImage?: Item | undefined;
  /** A REMOVE made by the source's TTL (userIdentity: Service dynamodb.amazonaws.com). */
  readonly ttlDelete?: boolean;
  /**
   * With rules, the records of the same key that squashing replaced, oldest first: the images the destination
   * may still hold from before a replay, which a filter or key-changing transform must clean up.
   */
  readonly earlier?: readonly ChangeRecord[];
  /** ApproximateCreationDateTime in ms (1 s resolution on AWS, 1 min on DynamoDB Local 3.3.0). */
  readonly createdAtMs: number | undefined;
  readonly sizeBytes: number;
}

/** Raised for a record the replicator cannot apply (no new image): a configuration error of the stream. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

/** `withOldImage`: keep the old image (rules need it; plain replication does not pay for converting it). */
export function toChangeRecord(record: _Record, withOldImage = false): ChangeRecord {
  const data = record.dynamodb;
  const eventName = record.eventName;
  const sequenceNumber = data?.SequenceNumber;
  const keys = data?.Keys;
  if (data === undefined || sequenceNumber === undefined || keys === undefined || eventName === undefined) {
    throw new MalformedRecordError(
      `stream record ${record.eventID ?? '?'} has no sequence number, keys or event`,
    );
  }
  // The streams client and the DynamoDB client declare the same AttributeValue union separately.
  const newImage = data.NewImage === undefined ? undefined : repairEmptyMaps(data.NewImage);
  if (eventName !== 'REMOVE' && newImage === undefined) {
    throw new MalformedRecordError(
      `stream record ${sequenceNumber} (${eventName}) carries no new image: the stream view type must be NEW_IMAGE or NEW_AND_OLD_IMAGES`,
    );
  }
  const change: ChangeRecord = {
    sequenceNumber,
    eventName,
    keys: keys,
    newImage: eventName === 'REMOVE' ? undefined : newImage,
    createdAtMs: data.ApproximateCreationDateTime?.getTime(),
    sizeBytes: data.SizeBytes ?? 0,
  };
  // Set only when present, so records of NEW_IMAGE streams keep the shape (and hidden class) they always had.
  const oldImage = withOldImage ? data.OldImage : undefined;
  const ttl = isTtlDelete(record);
  if (oldImage === undefined && !ttl) return change;
  return {
    ...change,
    ...(oldImage === undefined ? {} : { oldImage: repairEmptyMaps(oldImage) }),
    ...(ttl ? { ttlDelete: true } : {}),
  };
}

/** DynamoDB's own TTL deletes carry the service as their user identity (AWS: "Time to Live" and streams). */
export function isTtlDelete(record: _Record): boolean {
  const identity = record.userIdentity;
  return (
    record.eventName === 'REMOVE' &&
    identity?.Type === 'Service' &&
    identity.PrincipalId === 'dynamodb.amazonaws.com'
  );
}
