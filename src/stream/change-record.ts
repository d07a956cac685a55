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
  /** ApproximateCreationDateTime in ms (1 s resolution on AWS, 1 min on DynamoDB Local 3.3.0). */
  readonly createdAtMs: number | undefined;
  readonly sizeBytes: number;
}

/** Raised for a record the replicator cannot apply (no new image): a configuration error of the stream. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

export function toChangeRecord(record: _Record): ChangeRecord {
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
  return {
    sequenceNumber,
    eventName,
    keys: keys,
    newImage: eventName === 'REMOVE' ? undefined : newImage,
    createdAtMs: data.ApproximateCreationDateTime?.getTime(),
    sizeBytes: data.SizeBytes ?? 0,
  };
}
