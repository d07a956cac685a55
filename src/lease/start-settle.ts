// Pure: whether a starting worker waits before its first take of free leases, so that workers started together
// split the shards at once instead of by hand-overs. Each writes its presence item before its first look (the
// others count it in their share from then on), then looks again one settle later (failover / 25) and takes
// only when that look shows nobody new: a worker started in the meantime is then counted by everybody, and one
// arriving while others settle extends their wait by one settle each time, so a staggered start (each worker
// within a settle of the one before) still splits evenly. Bounded, so a fleet of workers that keep starting
// does not keep every one from working. There is nothing to wait for when the first look offers nothing free to
// take (a worker joining a busy fleet asks for hand-overs at once, a restarted one takes its own leases at once),
// and a lone worker pays one settle. No jitter: the split follows from what every worker sees (the presence
// items), not from who looks first, and workers that look together take disjoint runs of leases (lease-decision.ts).

/** A starting worker's settle so far. */
export interface Settling {
  /** Looks that ended in waiting. */
  readonly looks: number;
  /** The live workers its last look saw; undefined before the first. */
  readonly seen: ReadonlySet<string> | undefined;
}

export const SETTLE_START: Settling = { looks: 0, seen: undefined };

/** At most this many settles before the first take, however many workers keep arriving. */
export const MAX_SETTLES = 4;

/**
 * After a look of a starting worker: the settle to go on with (wait one settle, then look again), or undefined to
 * act on this look now and never settle again.
 */
export function settleAfterLook(
  settling: Settling,
  look: {
    /** Live workers this look saw (presence items and owners; this worker among them). */
    readonly live: ReadonlySet<string>;
    /** Free leases (unowned or expired, ready) this look would take now. */
    readonly freeToTake: number;
  },
): Settling | undefined {
  // Nothing free to take: nothing to split, whoever else is starting.
  if (look.freeToTake === 0) return undefined;
  if (settling.looks >= MAX_SETTLES) return undefined;
  const next = { looks: settling.looks + 1, seen: look.live };
  // The first look: workers started with this one may not have written their presence yet.
  if (settling.seen === undefined) return next;
  // Somebody arrived since the last look: more may be on the way.
  for (const worker of look.live) if (!settling.seen.has(worker)) return next;
  return undefined;
}
