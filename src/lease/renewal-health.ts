// How the lease table answers this worker's renewal rounds (heartbeat and lease renewals), for the health check:
// whether a heartbeat ever reached it (the worker takes part in the fleet) and since when calls have failed
// without one answer in between. Any answer counts, a refused renewal too ("another worker took the lease"): the
// table was reached. A failing run is timed from its first failure, so a table that stays unreachable for longer
// than the failover time shows, while one failed call between answers does not.

export class RenewalHealth {
  readonly #clock: () => number;
  #joined = false;
  #failingSince: number | undefined;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** A heartbeat reached the lease table: the others count this worker from now on. */
  joined(): void {
    this.#joined = true;
    this.answered();
  }

  /** The lease table answered a renewal. */
  answered(): void {
    this.#failingSince = undefined;
  }

  /** A heartbeat or renewal failed (no answer, or an error to retry). */
  failed(): void {
    this.#failingSince ??= this.#clock();
  }

  /** Whether a heartbeat of this worker has ever reached the lease table. */
  get hasJoined(): boolean {
    return this.#joined;
  }

  /** How long calls have failed without an answer in between; undefined while they are answered. */
  failingForMs(): number | undefined {
    return this.#failingSince === undefined ? undefined : Math.max(0, this.#clock() - this.#failingSince);
  }
}
