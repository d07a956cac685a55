// Who owns which lease over time, from scanning the lease table every ~500 ms: per sample, the leases to read now
// (not finished, every parent finished or gone), how many of them no live worker owns (no owner, or an owner the
// benchmark stopped or killed), and how many each live worker owns. The fleet is balanced when every lease to
// read is owned by a live worker and no worker owns more than one above its fair share (leases / live workers).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { scanAll, type Item } from '../src/local/local-tables.js';
import { sleep } from '../src/util/sleep.js';
import { WORKER_KEY_PREFIX } from '../src/lease/worker-presence.js';

export interface OwnershipSample {
  /** Epoch ms at which the scan began. */
  readonly at: number;
  /** Lease items of shards (presence items apart). */
  readonly leases: number;
  /** Leases to read now: not finished, parents finished or gone. */
  readonly toRead: number;
  /** Of those, the ones no live worker owns. */
  readonly unowned: number;
  /** Leases to read each live worker owns (0 for one that owns none). */
  readonly perWorker: Record<string, number>;
}

export function fairShare(sample: OwnershipSample): number {
  const workers = Object.keys(sample.perWorker).length;
  return workers === 0 ? Number.POSITIVE_INFINITY : sample.toRead / workers;
}

export function maxPerWorker(sample: OwnershipSample): number {
  return Math.max(0, ...Object.values(sample.perWorker));
}

export function isAllOwned(sample: OwnershipSample, minLeases: number): boolean {
  return sample.leases >= minLeases && sample.unowned === 0;
}

export function isBalanced(sample: OwnershipSample, minLeases: number): boolean {
  return isAllOwned(sample, minLeases) && maxPerWorker(sample) <= fairShare(sample) + 1;
}

export function ownershipOf(items: readonly Item[], live: ReadonlySet<string>, at: number): OwnershipSample {
  const leases = items.filter((i) => i.leaseKey?.S?.startsWith(WORKER_KEY_PREFIX) === false);
  const finished = new Set(
    leases.filter((i) => i.checkpoint?.S === 'SHARD_END').map((i) => i.leaseKey?.S ?? ''),
  );
  const present = new Set(leases.map((i) => i.leaseKey?.S ?? ''));
  const perWorker: Record<string, number> = {};
  for (const worker of live) perWorker[worker] = 0;
  let toRead = 0;
  let unowned = 0;
  for (const lease of leases) {
    if (finished.has(lease.leaseKey?.S ?? '')) continue;
    const parents = lease.parentShardId?.SS ?? [];
    if (parents.some((p) => present.has(p) && !finished.has(p))) continue;
    toRead += 1;
    const owner = lease.leaseOwner?.S;
    if (owner !== undefined && live.has(owner)) perWorker[owner] = (perWorker[owner] ?? 0) + 1;
    else unowned += 1;
  }
  return { at, leases: leases.length, toRead, unowned, perWorker };
}

/** Scans the lease table every `intervalMs` until stopped; a table not there yet gives an empty sample. */
export class OwnershipSampler {
  readonly samples: OwnershipSample[] = [];
  readonly #done: Promise<void>;
  readonly #stop = new AbortController();

  constructor(
    client: DynamoDBClient,
    table: string,
    live: () => ReadonlySet<string>,
    intervalMs: number,
    signal: AbortSignal,
  ) {
    const stop = AbortSignal.any([signal, this.#stop.signal]);
    this.#done = (async () => {
      while (!stop.aborted) {
        const at = Date.now();
        const liveNow = new Set(live());
        let items: Item[] = [];
        try {
          items = await scanAll(client, table);
        } catch (err) {
          if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
        }
        this.samples.push(ownershipOf(items, liveNow, at));
        await sleep(intervalMs - (Date.now() - at), stop);
      }
    })();
  }

  get last(): OwnershipSample | undefined {
    return this.samples.at(-1);
  }

  /** Samples taken at or after `from` (and before `to`). */
  between(from: number, to = Number.POSITIVE_INFINITY): OwnershipSample[] {
    return this.samples.filter((s) => s.at >= from && s.at < to);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }
}
