// Pure decisions of the dead-letter lane: which changes of a flush wait behind a key's dead letters (per-key
// order, invariant 1: a change of a key with a dead letter pending must not reach the destination before it),
// and which source change a write the destination refused belongs to (a key-changing transform's refusal names
// a destination key: its request is mapped back through the plan's owners).
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { ChangeRecord } from '../stream/change-record.js';

export interface Partition {
  /** Changes of keys that have dead letters, as the lane last knew it: re-checked before they are routed. */
  readonly blocked: ChangeRecord[];
  readonly free: ChangeRecord[];
}

export function partitionBlocked(
  changes: readonly ChangeRecord[],
  blocked: ReadonlySet<string>,
  keyAttributes: readonly string[],
): Partition {
  const partition: Partition = { blocked: [], free: [] };
  if (blocked.size === 0) {
    partition.free.push(...changes);
    return partition;
  }
  for (const change of changes) {
    if (blocked.has(itemKey(change.keys, keyAttributes))) partition.blocked.push(change);
    else partition.free.push(change);
  }
  return partition;
}

export interface Refusal {
  readonly change: ChangeRecord;
  readonly error: string;
}

/** The destination key's text of a put or a delete. */
export function requestKey(request: WriteRequest, keyAttributes: readonly string[]): string | undefined {
  const image = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
  if (image === undefined) return undefined;
  try {
    return itemKey(image, keyAttributes);
  } catch {
    return undefined;
  }
}

/**
 * The source changes behind refused writes, one refusal per change (its first error); `unmatched`: a refused
 * write no change of the plan owns (then the flush must fail rather than lose it).
 */
export function refusedChanges(
  refused: readonly { readonly request: WriteRequest; readonly error: string }[],
  owners: ReadonlyMap<WriteRequest, ChangeRecord>,
  destinationKeyAttributes: readonly string[],
): { refusals: Refusal[]; unmatched: WriteRequest[] } {
  let byKey: Map<string, ChangeRecord> | undefined;
  const seen = new Set<ChangeRecord>();
  const refusals: Refusal[] = [];
  const unmatched: WriteRequest[] = [];
  for (const { request, error } of refused) {
    let change = owners.get(request);
    if (change === undefined) {
      // A retried batch's UnprocessedItems are new objects: find the owner by the destination key.
      byKey ??= ownersByKey(owners, destinationKeyAttributes);
      const text = requestKey(request, destinationKeyAttributes);
      change = text === undefined ? undefined : byKey.get(text);
    }
    if (change === undefined) {
      unmatched.push(request);
      continue;
    }
    if (seen.has(change)) continue;
    seen.add(change);
    refusals.push({ change, error });
  }
  return { refusals, unmatched };
}

function ownersByKey(
  owners: ReadonlyMap<WriteRequest, ChangeRecord>,
  keyAttributes: readonly string[],
): Map<string, ChangeRecord> {
  const byKey = new Map<string, ChangeRecord>();
  for (const [request, change] of owners) {
    const text = requestKey(request, keyAttributes);
    if (text !== undefined) byKey.set(text, change);
  }
  return byKey;
}
