// The fair share over a whole plan: each task's coordinator reads only its own lease table, so the coordinators of
// one process tell each other what they saw (leases to read, who holds how many, who is alive) and what this
// worker holds now, takes in flight included. A coordinator counts the others' figures in its share
// (lease-decision.ts, `elsewhere`), so 200 one-shard tables on 8 workers end up about 25 shards each. What this
// worker holds is counted live (a take in flight in another task is already its), the rest as last seen.
import type { ElsewhereInPlan } from './lease-decision.js';
import { isFinished, type Lease } from './lease.js';

/** What one task's coordinator saw at its last look, besides this worker's own leases. */
export interface TaskLook {
  /** Leases still to read in that table. */
  readonly active: number;
  /** Unexpired leases held by other workers, by owner. */
  readonly loads: ReadonlyMap<string, number>;
  /** Workers alive there. */
  readonly live: ReadonlySet<string>;
}

export interface TaskShareView {
  /** The last look; undefined before the first. */
  lastLook(): TaskLook | undefined;
  /** Leases this worker holds in that task now, takes in flight included. */
  heldNow(): number;
}

export class PlanShare {
  readonly #tasks = new Map<string, TaskShareView>();

  /** Adds a task's coordinator to the plan; the returned function takes it out (its task ended). */
  join(task: string, view: TaskShareView): () => void {
    this.#tasks.set(task, view);
    return () => {
      if (this.#tasks.get(task) === view) this.#tasks.delete(task);
    };
  }

  /** Every task but `task`, as seen from `workerId`. */
  elsewhere(task: string, workerId: string): ElsewhereInPlan {
    let active = 0;
    let mine = 0;
    const loads = new Map<string, number>();
    const live = new Set<string>();
    for (const [name, view] of this.#tasks) {
      if (name === task) continue;
      mine += view.heldNow();
      const look = view.lastLook();
      if (look === undefined) continue;
      active += look.active;
      for (const [owner, count] of look.loads) {
        if (owner !== workerId) loads.set(owner, (loads.get(owner) ?? 0) + count);
      }
      for (const worker of look.live) live.add(worker);
    }
    loads.set(workerId, mine);
    return { active, loads, live };
  }
}

/** What a look at the lease table tells the plan's other tasks: leases to read, others' loads, live workers. */
export function taskLook(
  leases: readonly Lease[],
  expired: ReadonlySet<string>,
  presence: ReadonlySet<string>,
  workerId: string,
): TaskLook {
  const loads = new Map<string, number>();
  const live = new Set(presence);
  let active = 0;
  for (const lease of leases) {
    if (isFinished(lease)) continue;
    active += 1;
    const owner = lease.leaseOwner;
    if (owner === undefined || expired.has(lease.leaseKey)) continue;
    live.add(owner);
    if (lease.pendingOwner !== undefined) live.add(lease.pendingOwner);
    if (owner !== workerId) loads.set(owner, (loads.get(owner) ?? 0) + 1);
  }
  return { active, loads, live };
}

/** Leases another live worker is handing over to `workerId` (it asked for them): on their way to it. */
export function onTheirWay(leases: readonly Lease[], expired: ReadonlySet<string>, workerId: string): number {
  return leases.filter(
    (lease) =>
      lease.pendingOwner === workerId &&
      lease.leaseOwner !== workerId &&
      lease.leaseOwner !== undefined &&
      !isFinished(lease) &&
      !expired.has(lease.leaseKey),
  ).length;
}
