// The conditional writes of two-way replication, as request inputs (pure; the runtime sends them). The rule they
// keep: a table only ever moves up the order of stamps. A put or a delete mark applies only over an item that is
// absent, unstamped (no S stamp: `NOT attribute_type`), or holds a lower stamp; a put may carry the check that the
// key's tombstone is lower too (a transaction: the tombstone is another table). The local stamp changes the
// markers only, never the content, and only while the item still holds the stamp the stream showed, so a newer
// local write that arrived meanwhile is stamped, never overwritten. A delete is a mark, then a delete of the item
// only while it holds that mark, so its REMOVE is known as an echo (echo.ts). None of these can go through
// BatchWriteItem, which takes no conditions.
import type {
  DeleteItemCommandInput,
  PutItemCommandInput,
  TransactWriteItemsCommandInput,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import type { Item } from '../stream/change-record.js';
import { DELETING, digestOf, readStamp, type Markers } from './markers.js';
import { TOMBSTONE, tombstoneItem, tombstoneKey } from './tombstone.js';
import type { Side } from './version-stamp.js';

/** A table the writes go to, with the markers its items carry. */
export interface ApplyTarget {
  readonly tableName: string;
  readonly markers: Markers;
}

/** The tombstone table of the same side (same account and region as the target). */
export interface TombstoneTarget {
  readonly tableName: string;
  readonly keyAttributes: readonly string[];
  readonly horizonMs?: number;
}

/** What one direction writes to: its own side (local) and the other (remote), each table and tombstone table. */
export interface DirectionTargets {
  readonly local: ApplyTarget;
  readonly remote: ApplyTarget;
  readonly localTombstones: TombstoneTarget;
  readonly remoteTombstones: TombstoneTarget;
}

/** The targets of a direction, from the names of its two sides' tables. */
export function directionTargets(
  sides: Record<'local' | 'remote', { readonly tableName: string; readonly tombstoneTable: string }>,
  markers: Markers,
  keyAttributes: readonly string[],
  horizonMs: number,
): DirectionTargets {
  const tombstones = (side: { readonly tombstoneTable: string }): TombstoneTarget => ({
    tableName: side.tombstoneTable,
    keyAttributes,
    horizonMs,
  });
  return {
    local: { tableName: sides.local.tableName, markers },
    remote: { tableName: sides.remote.tableName, markers },
    localTombstones: tombstones(sides.local),
    remoteTombstones: tombstones(sides.remote),
  };
}

/** "Absent, unstamped, or lower": the one condition every applied stamp meets. */
export const NEWER_THAN_ITEM = 'NOT attribute_type(#v, :S) OR #v < :stamp';

function stampOf(image: Item, markers: Markers): string {
  const stamp = readStamp(image, markers);
  if (stamp === undefined) throw new TypeError(`an applied image must carry its stamp (${markers.version})`);
  return stamp;
}

/** Any key attribute exists exactly when the item does. */
function existsName(keys: Item): string {
  const [name] = Object.keys(keys);
  if (name === undefined) throw new TypeError('an item key needs at least one attribute');
  return name;
}

/** Puts a stamped image (from the other side) if the target item is absent, unstamped or lower. */
export function putIfNewer(target: ApplyTarget, image: Item): PutItemCommandInput {
  return {
    TableName: target.tableName,
    Item: image,
    ConditionExpression: NEWER_THAN_ITEM,
    ExpressionAttributeNames: { '#v': target.markers.version },
    ExpressionAttributeValues: { ':S': { S: 'S' }, ':stamp': { S: stampOf(image, target.markers) } },
    // A refusal says who won, for the conflict log, without another read.
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * Puts back a stamped version (`image`) over a lower one (`over`, the stamp the item holds) that replaced an app
 * write the version had been replaced by: only while the item still holds exactly `over`.
 */
export function restoreOver(target: ApplyTarget, image: Item, over: string): PutItemCommandInput {
  return {
    TableName: target.tableName,
    Item: image,
    ConditionExpression: '#v = :over AND :over < :stamp',
    ExpressionAttributeNames: { '#v': target.markers.version },
    ExpressionAttributeValues: { ':over': { S: over }, ':stamp': { S: stampOf(image, target.markers) } },
  };
}

/**
 * putIfNewer, and the key's tombstone absent or lower, in one transaction. The token makes a retry of the same
 * apply (its answer lost) succeed instead of failing its own condition (DynamoDB keeps tokens 10 minutes).
 */
export function putIfNewerThanTombstone(
  target: ApplyTarget,
  tombstones: TombstoneTarget,
  keys: Item,
  image: Item,
): TransactWriteItemsCommandInput {
  const put = putIfNewer(target, image);
  const stamp = stampOf(image, target.markers);
  return {
    TransactItems: [
      {
        ConditionCheck: {
          TableName: tombstones.tableName,
          Key: tombstoneKey(keys, tombstones.keyAttributes),
          ConditionExpression: 'attribute_not_exists(#tv) OR #tv < :stamp',
          ExpressionAttributeNames: { '#tv': TOMBSTONE.stamp },
          ExpressionAttributeValues: { ':stamp': { S: stamp } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Put: {
          TableName: put.TableName,
          Item: put.Item,
          ConditionExpression: put.ConditionExpression,
          ExpressionAttributeNames: put.ExpressionAttributeNames,
          ExpressionAttributeValues: put.ExpressionAttributeValues,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ],
    ClientRequestToken: requestToken('put', target.tableName, keys, stamp),
  };
}

/**
 * putIfNewerThanTombstone, but only over what the write's side had when the app wrote: an absent or unstamped
 * item, or a stamp at or below `predecessor` (the stamp the app's write replaced there; undefined: none). A
 * refusal with a stamp below the write's own is a version the app never saw: the put is then sent with
 * putIfNewerThanTombstone and the version it overwrites recorded as a conflict.
 */
export function putIfSeen(
  target: ApplyTarget,
  tombstones: TombstoneTarget,
  keys: Item,
  image: Item,
  predecessor: string | undefined,
): TransactWriteItemsCommandInput {
  const input = putIfNewerThanTombstone(target, tombstones, keys, image);
  const [check, write] = input.TransactItems ?? [];
  const put = write?.Put;
  if (check === undefined || put === undefined)
    throw new TypeError('putIfNewerThanTombstone changed its shape');
  const values: Record<string, { S: string }> = { ':S': { S: 'S' } };
  let condition = 'NOT attribute_type(#v, :S)';
  if (predecessor !== undefined) {
    condition += ' OR #v <= :pred';
    values[':pred'] = { S: predecessor };
  }
  return {
    TransactItems: [
      check,
      {
        Put: {
          ...put,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        },
      },
    ],
    ClientRequestToken: requestToken(
      `put-seen\n${predecessor ?? ''}`,
      target.tableName,
      keys,
      stampOf(image, target.markers),
    ),
  };
}

/**
 * Stamps the app's write the stream showed (`newImage`) on its own table: markers only, and only while the item
 * exists and still holds the stamp the stream showed (none: no S stamp). Returns the item as stamped (ALL_NEW):
 * that image, not the stream's, goes to the other side, because a later write that kept the markers may be what
 * got stamped.
 */
export function stampIfUnchanged(
  target: ApplyTarget,
  keys: Item,
  newImage: Item,
  stamp: string,
): UpdateItemCommandInput {
  const seen = readStamp(newImage, target.markers);
  const names = { '#k': existsName(keys), '#v': target.markers.version, '#h': target.markers.digest };
  const values: Record<string, { S: string }> = {
    ':stamp': { S: stamp },
    ':digest': { S: digestOf(newImage, target.markers) },
  };
  let still: string;
  if (seen === undefined) {
    still = 'NOT attribute_type(#v, :S)';
    values[':S'] = { S: 'S' };
  } else {
    still = '#v = :seen';
    values[':seen'] = { S: seen };
  }
  return {
    TableName: target.tableName,
    Key: keys,
    UpdateExpression: 'SET #v = :stamp, #h = :digest',
    ConditionExpression: `attribute_exists(#k) AND ${still}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** First step of applying a delete: marks the item DELETING with the delete's stamp, if it is lower. */
export function markDeleting(target: ApplyTarget, keys: Item, stamp: string): UpdateItemCommandInput {
  return {
    TableName: target.tableName,
    Key: keys,
    UpdateExpression: 'SET #v = :stamp, #h = :deleting',
    ConditionExpression: `attribute_exists(#k) AND (${NEWER_THAN_ITEM})`,
    ExpressionAttributeNames: {
      '#k': existsName(keys),
      '#v': target.markers.version,
      '#h': target.markers.digest,
    },
    ExpressionAttributeValues: { ':S': { S: 'S' }, ':stamp': { S: stamp }, ':deleting': { S: DELETING } },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * The first step of applying a delete on the table where the app deleted: marks an item that a put of the other
 * side (`otherSide`) brought there since, if that put's stamp is lower than the delete's. An item of this side
 * (an app's re-creation, or its stamp) is left alone: it is newer than the delete. Returns the item as it was.
 */
export function markArrivedDeleting(
  target: ApplyTarget,
  keys: Item,
  stamp: string,
  otherSide: Side,
): UpdateItemCommandInput {
  return {
    TableName: target.tableName,
    Key: keys,
    UpdateExpression: 'SET #v = :stamp, #h = :deleting',
    ConditionExpression:
      'attribute_exists(#k) AND attribute_type(#v, :S) AND #v < :stamp AND contains(#v, :side)',
    ExpressionAttributeNames: {
      '#k': existsName(keys),
      '#v': target.markers.version,
      '#h': target.markers.digest,
    },
    ExpressionAttributeValues: {
      ':S': { S: 'S' },
      ':stamp': { S: stamp },
      ':deleting': { S: DELETING },
      ':side': { S: `#${otherSide}` },
    },
    ReturnValues: 'ALL_OLD',
  };
}

/** Second step: deletes the item only while it holds that mark (a write since then wins). */
export function deleteMarked(target: ApplyTarget, keys: Item, stamp: string): DeleteItemCommandInput {
  return {
    TableName: target.tableName,
    Key: keys,
    ConditionExpression: '#v = :stamp AND #h = :deleting',
    ExpressionAttributeNames: { '#v': target.markers.version, '#h': target.markers.digest },
    ExpressionAttributeValues: { ':stamp': { S: stamp }, ':deleting': { S: DELETING } },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Records a delete's stamp for its key, unless a newer delete's is there already. */
export function putTombstone(
  tombstones: TombstoneTarget,
  keys: Item,
  stamp: string,
  origin?: string,
): PutItemCommandInput {
  const item = tombstoneItem(keys, tombstones.keyAttributes, stamp, tombstones.horizonMs);
  return {
    TableName: tombstones.tableName,
    Item: origin === undefined ? item : { ...item, [TOMBSTONE.origin]: { S: origin } },
    ConditionExpression: 'attribute_not_exists(#tv) OR #tv < :stamp',
    ExpressionAttributeNames: { '#tv': TOMBSTONE.stamp },
    ExpressionAttributeValues: { ':stamp': { S: stamp } },
  };
}

/**
 * putTombstone as an UpdateItem, so that it keeps the attributes it does not set (the delete origins that
 * recordDeleteOrigin writes beside the stamp).
 */
export function raiseTombstone(
  tombstones: TombstoneTarget,
  keys: Item,
  stamp: string,
): UpdateItemCommandInput {
  const item = tombstoneItem(keys, tombstones.keyAttributes, stamp, tombstones.horizonMs);
  return {
    TableName: tombstones.tableName,
    Key: tombstoneKey(keys, tombstones.keyAttributes),
    UpdateExpression: 'SET #tv = :stamp, #exp = :exp, #keys = :keys',
    ConditionExpression: 'attribute_not_exists(#tv) OR #tv < :stamp',
    ExpressionAttributeNames: {
      '#tv': TOMBSTONE.stamp,
      '#exp': TOMBSTONE.expires,
      '#keys': TOMBSTONE.itemKeys,
    },
    ExpressionAttributeValues: {
      ':stamp': { S: stamp },
      ':exp': item[TOMBSTONE.expires] ?? { N: '0' },
      ':keys': { M: keys },
    },
  };
}

/** The attributes of a tombstone that hold the last app delete of `side` it stands for: record, and its stamp. */
export function deleteOriginNames(side: Side): { origin: string; stamp: string } {
  return { origin: `${TOMBSTONE.origin}_${side}`, stamp: `${TOMBSTONE.origin}v_${side}` };
}

/**
 * Records which stream record of `side` an app delete came from and the stamp it was given, unconditionally, so
 * that the record read again (a stop before its checkpoint) gets the same stamp, whatever tombstone won since.
 */
export function recordDeleteOrigin(
  tombstones: TombstoneTarget,
  keys: Item,
  side: Side,
  origin: string,
  stamp: string,
): UpdateItemCommandInput {
  const names = deleteOriginNames(side);
  return {
    TableName: tombstones.tableName,
    Key: tombstoneKey(keys, tombstones.keyAttributes),
    UpdateExpression: 'SET #o = :origin, #ov = :stamp',
    ExpressionAttributeNames: { '#o': names.origin, '#ov': names.stamp },
    ExpressionAttributeValues: { ':origin': { S: origin }, ':stamp': { S: stamp } },
  };
}

/**
 * What a refused write means, from the item DynamoDB returned (ALL_OLD): the item already holds our stamp (a
 * retry of a write that was applied: success), or another write won (a conflict to record, with the winner's
 * stamp; undefined when the item is gone or unstamped).
 */
export type Refusal =
  { readonly kind: 'already-applied' } | { readonly kind: 'lost'; readonly winner: string | undefined };

export function refusal(stamp: string, found: Item | undefined, markers: Markers): Refusal {
  const winner = readStamp(found, markers);
  return winner === stamp ? { kind: 'already-applied' } : { kind: 'lost', winner };
}

/** A ClientRequestToken (at most 36 characters) naming one write of one stamp to one key of one table. */
function requestToken(what: string, tableName: string, keys: Item, stamp: string): string {
  const canonicalKeys = JSON.stringify(Object.entries(keys).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256')
    .update(`${what}\n${tableName}\n${canonicalKeys}\n${stamp}`)
    .digest('hex')
    .slice(0, 36);
}
