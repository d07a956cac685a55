// How long each free lease has been free, as this worker saw it, on its own monotonic clock. A free lease dealt to
// another worker (free-lease-deal.ts) is left to it until this worker has seen it free for `waitMs`: long enough
// for a live worker to have looked (a look interval, or the longest start settle), so that one that is gone, or
// sees the table otherwise, cannot keep a shard unread.
export class FreeLeaseAges {
  readonly #waitMs: number;
  readonly #since = new Map<string, number>();

  constructor(waitMs: number) {
    this.#waitMs = waitMs;
  }

  /** The leases seen free, at every look, since `waitMs` or longer before `now`. */
  longFree(now: number): Set<string> {
    const long = new Set<string>();
    for (const [key, since] of this.#since) if (now - since >= this.#waitMs) long.add(key);
    return long;
  }

  /** Records the leases free at the look at `now`; a lease taken meanwhile starts again when freed. */
  observe(free: readonly string[], now: number): void {
    const present = new Set(free);
    for (const key of this.#since.keys()) if (!present.has(key)) this.#since.delete(key);
    for (const key of free) if (!this.#since.has(key)) this.#since.set(key, now);
  }
}
