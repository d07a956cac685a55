// Pure: splits a flush against the flushes still being written before it. A change to a key that an earlier flush
// also writes must wait until that flush has ended: two writes of one key in flight at once can land in either
// order, and the older image could win (invariant 1). Every other change may go at once, because after squashing
// the order of writes within a flush does not matter.
import type { ChangeRecord } from '../stream/change-record.js';

export interface OverlapSplit {
  /** Changes to keys no earlier flush in flight writes: safe to send now. */
  readonly now: readonly ChangeRecord[];
  /** Changes to keys an earlier flush in flight writes too: to send once the flushes before have ended. */
  readonly after: readonly ChangeRecord[];
}

export function splitByOverlap(
  next: ReadonlyMap<string, ChangeRecord>,
  inFlight: readonly ReadonlyMap<string, unknown>[],
): OverlapSplit {
  const busy = inFlight.filter((flush) => flush.size > 0);
  if (busy.length === 0) return { now: [...next.values()], after: [] };
  const now: ChangeRecord[] = [];
  const after: ChangeRecord[] = [];
  for (const [key, change] of next) (busy.some((flush) => flush.has(key)) ? after : now).push(change);
  return { now, after };
}
