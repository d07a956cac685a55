// Pure: splits a flush against the flush still being written before it. A change to a key that the earlier flush
// also writes must wait until that flush has ended: two writes of one key in flight at once can land in either
// order, and the older image could win (invariant 1). Every other change may go at once, because after squashing
// the order of writes within a flush does not matter.
import type { ChangeRecord } from '../stream/change-record.js';

export interface OverlapSplit {
  /** Changes to keys the earlier flush does not write: safe to send now. */
  readonly now: readonly ChangeRecord[];
  /** Changes to keys the earlier flush writes too: to send once it has ended. */
  readonly after: readonly ChangeRecord[];
}

export function splitByOverlap(
  next: ReadonlyMap<string, ChangeRecord>,
  inFlight: ReadonlyMap<string, unknown> | undefined,
): OverlapSplit {
  if (inFlight === undefined || inFlight.size === 0) return { now: [...next.values()], after: [] };
  const now: ChangeRecord[] = [];
  const after: ChangeRecord[] = [];
  for (const [key, change] of next) (inFlight.has(key) ? after : now).push(change);
  return { now, after };
}
