// Pure: which free leases are whose, so that workers looking at the same table take different leases instead of
// racing for the same ones (each lost race is a wasted conditional write, and a worker that lost races can end
// under its share with nothing free, which then costs hand-overs). Every worker deals the same way from what it
// sees: each free lease, by shard id, goes to a least loaded worker under the share (so the fleet ends as even as
// it can: 4/3/3 of 10, never 4/4/2, which would cost a hand-over); among those, to the worker its place prefers:
// lease number j of the table's leases still to read goes to live worker (j + o) mod n by id (o follows from the
// table's first shard id, so that the one-shard tables of a plan do not all prefer the same worker), else to the
// next one after it. At a cold start this deals round the workers in turn, and as each worker takes what was dealt
// to it in shard-id order, a later look deals what is left just as the first did: workers that see each other
// take disjoint sets, whenever each of them looks.
// The deal only orders and limits what a worker takes first; the conditional take stays the only arbiter.
import type { Lease } from './lease.js';

export interface DealInput {
  /** The table's leases still to read, sorted by shard id. */
  readonly active: readonly Lease[];
  /** The free leases to deal (unowned or expired, ready), sorted by shard id. */
  readonly free: readonly Lease[];
  /** Live workers (this one among them). */
  readonly workers: ReadonlySet<string>;
  /** What each worker holds or has on its way, as this worker sees it (absent: nothing). */
  readonly loads: ReadonlyMap<string, number>;
  /** The fair share: nobody is dealt beyond it. */
  readonly target: number;
}

/** The worker each free lease is dealt to, by lease key; a lease nobody has room for is not dealt. */
export function dealFreeLeases(input: DealInput): Map<string, string> {
  const { active, free, target } = input;
  const workers = [...input.workers].sort();
  const dealt = new Map<string, string>();
  if (workers.length === 0) return dealt;
  const loads = new Map(workers.map((w) => [w, input.loads.get(w) ?? 0]));
  const place = new Map(active.map((lease, j) => [lease.leaseKey, j]));
  const offset = active[0] === undefined ? 0 : hash(active[0].leaseKey) % workers.length;
  for (const lease of free) {
    const to = leastLoaded(
      workers,
      loads,
      target,
      ((place.get(lease.leaseKey) ?? 0) + offset) % workers.length,
    );
    if (to === undefined) continue;
    dealt.set(lease.leaseKey, to);
    loads.set(to, (loads.get(to) ?? 0) + 1);
  }
  return dealt;
}

/** The worker with the fewest leases under `target`; among equals the first from `preferred` on, wrapping. */
function leastLoaded(
  workers: readonly string[],
  loads: ReadonlyMap<string, number>,
  target: number,
  preferred: number,
): string | undefined {
  let best: string | undefined;
  let bestLoad = target;
  for (let i = 0; i < workers.length; i++) {
    const worker = workers[(preferred + i) % workers.length];
    if (worker === undefined) continue;
    const load = loads.get(worker) ?? 0;
    if (load < bestLoad) {
      best = worker;
      bestLoad = load;
    }
  }
  return best;
}

/** FNV-1a: the same on every worker, whatever its platform. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
