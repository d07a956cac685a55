// Pure: which scan segments this worker takes now, and how many workers are copying (to split the fleet's
// rate). Rules, in order, one per guard below:
// - a done segment has nothing left to copy and is never taken;
// - a segment this worker copies now is not taken again;
// - a segment is free when it has no owner, when its owner has not renewed it within the failover time (as this
//   worker observed), or when it carries this worker's own name (left over from a restart with the same id);
// - a worker copies at most `slots` segments at once, so workers that join later still find free segments;
// - unowned segments go before expired ones (a live but slow owner may still save its page), lowest first.
import type { CopySegment } from './bootstrap-items.js';

export interface SegmentChoiceInput {
  readonly segments: readonly CopySegment[];
  readonly workerId: string;
  /** Segments this worker is copying now. */
  readonly held: ReadonlySet<number>;
  /** Segments whose owner did not renew within the failover time (by this worker's clock). */
  readonly expired: ReadonlySet<number>;
  /** Segments this worker may copy at once. */
  readonly slots: number;
}

export function chooseSegmentsToTake(input: SegmentChoiceInput): CopySegment[] {
  const { segments, workerId, held, expired, slots } = input;
  const room = Math.max(0, slots - held.size);
  if (room === 0) return [];
  const free: { segment: CopySegment; rank: number }[] = [];
  for (const segment of segments) {
    // Copied to its end: nothing to take.
    if (segment.done) continue;
    // Already copying it here.
    if (held.has(segment.segment)) continue;
    // Nobody owns it, or this worker's previous life did.
    if (segment.leaseOwner === undefined || segment.leaseOwner === workerId) {
      free.push({ segment, rank: 0 });
      continue;
    }
    // Its owner stopped renewing it.
    if (expired.has(segment.segment)) free.push({ segment, rank: 1 });
  }
  free.sort((a, b) => a.rank - b.rank || a.segment.segment - b.segment.segment);
  return free.slice(0, room).map((f) => f.segment);
}

/** Workers copying now: live owners of unfinished segments, and this worker when it holds any. */
export function workersCopying(
  segments: readonly CopySegment[],
  workerId: string,
  holding: boolean,
  expired: ReadonlySet<number>,
): number {
  const owners = new Set<string>();
  if (holding) owners.add(workerId);
  for (const segment of segments) {
    if (segment.done || segment.leaseOwner === undefined || expired.has(segment.segment)) continue;
    owners.add(segment.leaseOwner);
  }
  return Math.max(1, owners.size);
}
