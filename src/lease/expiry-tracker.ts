// Decides when another worker's lease has expired, without trusting anybody's wall clock: a lease is expired
// once this worker has seen the same (owner, leaseCounter) for longer than the failover time on its own
// monotonic clock. A live owner bumps the counter on every renewal, so it never looks expired.

interface Observation {
  readonly owner: string | undefined;
  readonly counter: number;
  readonly since: number;
}

export class ExpiryTracker {
  readonly #failoverMs: number;
  readonly #seen = new Map<string, Observation>();
  #lastNow: number | undefined;

  constructor(failoverMs: number) {
    this.#failoverMs = failoverMs;
  }

  /** Records what the lease table shows at `now` and returns the keys of leases that have expired. */
  observe(
    leases: readonly { leaseKey: string; leaseOwner: string | undefined; leaseCounter: number }[],
    now: number,
  ): Set<string> {
    const expired = new Set<string>();
    const present = new Set<string>();
    for (const lease of leases) {
      present.add(lease.leaseKey);
      const before = this.#seen.get(lease.leaseKey);
      if (
        before === undefined ||
        before.owner !== lease.leaseOwner ||
        before.counter !== lease.leaseCounter
      ) {
        this.#seen.set(lease.leaseKey, { owner: lease.leaseOwner, counter: lease.leaseCounter, since: now });
        continue;
      }
      if (lease.leaseOwner !== undefined && now - before.since >= this.#failoverMs)
        expired.add(lease.leaseKey);
    }
    for (const key of this.#seen.keys()) if (!present.has(key)) this.#seen.delete(key);
    this.#lastNow = now;
    return expired;
  }

  /**
   * When the first owned lease that has not moved would expire, if it still has not moved then: the earliest such
   * moment after the last observation (on its clock), or undefined when there is none. A look then finds a dead
   * worker's leases expired at once, instead of up to a look interval later.
   */
  nextExpiryAt(): number | undefined {
    const now = this.#lastNow;
    if (now === undefined) return undefined;
    let next: number | undefined;
    for (const seen of this.#seen.values()) {
      const at = seen.since + this.#failoverMs;
      if (seen.owner !== undefined && at > now && (next === undefined || at < next)) next = at;
    }
    return next;
  }
}
