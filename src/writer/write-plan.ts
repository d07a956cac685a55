// Pure: turns a squashed flush into BatchWriteItem requests of at most 25 writes (the API's limit), puts of
// the new image and deletes of the key. Legal only because squashing left one change per key.
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ChangeRecord } from '../stream/change-record.js';
import { groupsOf } from '../util/groups-of.js';

export const MAX_BATCH_WRITE = 25;

export function toWriteRequest(change: ChangeRecord): WriteRequest {
  if (change.eventName === 'REMOVE' || change.newImage === undefined) {
    return { DeleteRequest: { Key: change.keys } };
  }
  return { PutRequest: { Item: change.newImage } };
}

export function planBatches(changes: readonly ChangeRecord[], size = MAX_BATCH_WRITE): WriteRequest[][] {
  return batchesOf(changes.map(toWriteRequest), size);
}

export function batchesOf(writes: readonly WriteRequest[], size = MAX_BATCH_WRITE): WriteRequest[][] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_WRITE)
    throw new RangeError(`batch size must be 1..${MAX_BATCH_WRITE}`);
  return groupsOf(writes, size);
}
