// The local stamp (stampIfUnchanged, conditional-apply.ts) as a PartiQL statement, so that the stamps of a flush's
// keys travel together in one BatchExecuteStatement (up to 25) instead of one UpdateItem each: the stamp of every
// app write is the request two-way makes most, and on the 2-core benchmark machine one stamp in a batch cost
// DynamoDB Local about two thirds of the CPU of an UpdateItem and the replicator a tenth (docs/benchmarks.md,
// stage twoway). Pure: the statement, and what each statement's response means.
//
// The statement keeps the UpdateItem's condition exactly: a PartiQL UPDATE of a missing key fails its condition
// (it is no upsert), `NOT attribute_type(v, 'S')` is "unstamped", `v = ?` is "still the stamp the stream showed",
// and `RETURNING ALL NEW *` gives the item as stamped on Responses[i].Item, as ReturnValues ALL_NEW does; a failed
// condition gives the item as it is on Error.Item (ReturnValuesOnConditionCheckFailure ALL_OLD).
import type { BatchStatementRequest, BatchStatementResponse } from '@aws-sdk/client-dynamodb';
import type { Item } from '../stream/change-record.js';
import type { ApplyTarget } from './conditional-apply.js';
import { digestOf, readStamp } from './markers.js';

/** DynamoDB's limit on one BatchExecuteStatement. */
export const MAX_STAMP_BATCH = 25;

/** What became of one stamp sent in a batch. */
export type StampAnswer =
  /** Applied: the item as stamped, when the service returned it. */
  | { readonly kind: 'stamped'; readonly item: Item | undefined }
  /** The condition failed: the item as it is (absent when the key has no item). */
  | { readonly kind: 'refused'; readonly item: Item | undefined }
  /**
   * Another error on this statement (throttling, a conflict, a validation error, ...): the stamp is sent again
   * alone as UpdateItem, whose error the SDK names and classifies as for any other request. Also the answer of every
   * statement of a batch too small to send as one (code SmallBatch, stamp-batches.ts): each goes as UpdateItem.
   */
  | { readonly kind: 'alone'; readonly code: string };

/** A name as a PartiQL identifier; undefined when it holds a double quote, which stays with UpdateItem. */
function quoted(name: string): string | undefined {
  return name.includes('"') ? undefined : `"${name}"`;
}

/**
 * The stamp of an app write (`newImage`, as the stream showed it) as a statement of a batch; undefined when a name
 * cannot be written in PartiQL (the stamp then goes as UpdateItem).
 */
export function stampStatement(
  target: ApplyTarget,
  keys: Item,
  newImage: Item,
  stamp: string,
): BatchStatementRequest | undefined {
  const table = quoted(target.tableName);
  const version = quoted(target.markers.version);
  const digest = quoted(target.markers.digest);
  const keyParts = Object.entries(keys).map(([name, value]) => ({ name: quoted(name), value }));
  if (table === undefined || version === undefined || digest === undefined) return undefined;
  if (keyParts.length === 0 || keyParts.some((k) => k.name === undefined)) return undefined;
  const seen = readStamp(newImage, target.markers);
  const where = [
    ...keyParts.map((k) => `${k.name ?? ''} = ?`),
    seen === undefined ? `NOT attribute_type(${version}, 'S')` : `${version} = ?`,
  ];
  return {
    Statement: `UPDATE ${table} SET ${version} = ?, ${digest} = ? WHERE ${where.join(' AND ')} RETURNING ALL NEW *`,
    Parameters: [
      { S: stamp },
      { S: digestOf(newImage, target.markers) },
      ...keyParts.map((k) => k.value),
      ...(seen === undefined ? [] : [{ S: seen }]),
    ],
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** Each statement's answer, in order, from the batch's responses (one per statement, in the order sent). */
export function stampAnswers(
  responses: readonly BatchStatementResponse[] | undefined,
  count: number,
): StampAnswer[] {
  return Array.from({ length: count }, (_, i): StampAnswer => {
    const response = responses?.[i];
    if (response === undefined) return { kind: 'alone', code: 'NoResponse' };
    const error = response.Error;
    if (error === undefined) return { kind: 'stamped', item: response.Item };
    if (error.Code === 'ConditionalCheckFailed') return { kind: 'refused', item: error.Item };
    return { kind: 'alone', code: error.Code ?? 'Unknown' };
  });
}
