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
    return expired;
  }
}
