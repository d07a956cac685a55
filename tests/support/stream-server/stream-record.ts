// Builds one stream record as DynamoDB Streams serves it: the images the stream's view type carries (none for
// KEYS_ONLY, no new image on REMOVE, no old image on INSERT), ApproximateCreationDateTime in epoch seconds (the
// JSON protocol's timestamp format), SizeBytes measured on what is served, and on a delete made by the table's TTL
// the service's user identity.
import { randomBytes } from 'node:crypto';
import { wireSizeBytes, type WireItem } from './attribute-wire.js';
import type { ChangeEventName, StoredRecord, WireIdentity } from './model-shard.js';
import { formatSequenceNumber } from './sequence-number.js';

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

export interface RecordInput {
  readonly sequenceNumber: bigint;
  readonly eventName: ChangeEventName;
  readonly keys: WireItem;
  readonly newImage: WireItem | undefined;
  readonly oldImage: WireItem | undefined;
  readonly createdAtMs: number;
  readonly region: string;
  readonly viewType: StreamViewType;
  /** A REMOVE made by the table's TTL: the record carries TTL_IDENTITY. */
  readonly ttl?: boolean | undefined;
}

/** The user identity of DynamoDB's TTL deletes (API reference: Identity, Record.userIdentity). */
export const TTL_IDENTITY: WireIdentity = { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' };

export function buildStreamRecord(input: RecordInput): StoredRecord {
  const { viewType, eventName } = input;
  const withNew = viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const withOld = viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES';
  const newImage = withNew && eventName !== 'REMOVE' ? input.newImage : undefined;
  const oldImage = withOld && eventName !== 'INSERT' ? input.oldImage : undefined;
  const sizeBytes = wireSizeBytes(input.keys, newImage, oldImage);
  return {
    sequenceNumber: input.sequenceNumber,
    sizeBytes,
    wire: {
      eventID: randomBytes(16).toString('hex'),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: input.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(input.createdAtMs / 1000),
        Keys: input.keys,
        ...(newImage === undefined ? {} : { NewImage: newImage }),
        ...(oldImage === undefined ? {} : { OldImage: oldImage }),
        SequenceNumber: formatSequenceNumber(input.sequenceNumber),
        SizeBytes: sizeBytes,
        StreamViewType: viewType,
      },
      ...(input.ttl === true ? { userIdentity: TTL_IDENTITY } : {}),
    },
  };
}
