// Pure: the status page's short history, per series (a task's shard), of lag and items written per second, for
// its charts. A bounded ring per series (the last ~10 minutes at one sample per poll); a series not seen for the
// whole window (a finished shard whose lease was deleted) is dropped, so the map does not grow with the stream.

export interface HistorySample {
  /** Epoch ms of the poll. */
  readonly at: number;
  /** The lag the lease table recorded for the shard; null when nobody reads it or its owner knows nothing yet. */
  readonly lagMs: number | null;
  /** Items this worker wrote for the shard per second since the previous poll; null when it does not hold it. */
  readonly itemsPerSec: number | null;
}

export class SampleRing {
  readonly #samples: (HistorySample | undefined)[];
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity ${capacity}`);
    this.#samples = new Array<HistorySample | undefined>(capacity);
  }

  push(sample: HistorySample): void {
    this.#samples[this.#next] = sample;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#size = Math.min(this.#size + 1, this.#samples.length);
  }

  /** Oldest first. */
  toArray(): HistorySample[] {
    const capacity = this.#samples.length;
    const out: HistorySample[] = [];
    for (let i = 0; i < this.#size; i++) {
      const sample = this.#samples[(this.#next - this.#size + i + capacity) % capacity];
      if (sample !== undefined) out.push(sample);
    }
    return out;
  }

  get newest(): HistorySample | undefined {
    return this.#size === 0
      ? undefined
      : this.#samples[(this.#next - 1 + this.#samples.length) % this.#samples.length];
  }
}

export interface SeriesPoint {
  readonly taskName: string;
  readonly shardId: string;
  readonly lagMs: number | undefined;
  /** Items this worker has written for the shard in total, when it holds it (a counter, not a rate). */
  readonly itemsWritten: number | undefined;
}

export type HistoryJson = Record<string, Record<string, HistorySample[]>>;

export class FleetHistory {
  readonly #rings = new Map<string, { taskName: string; shardId: string; ring: SampleRing }>();
  /** The counter at the previous poll, per series, to turn it into a rate. */
  readonly #lastCount = new Map<string, { at: number; count: number }>();
  readonly #capacity: number;
  readonly #windowMs: number;

  constructor({ windowMs, intervalMs }: { readonly windowMs: number; readonly intervalMs: number }) {
    this.#windowMs = windowMs;
    this.#capacity = Math.max(2, Math.ceil(windowMs / intervalMs));
  }

  record(at: number, points: readonly SeriesPoint[]): void {
    for (const point of points) {
      const key = JSON.stringify([point.taskName, point.shardId]);
      let entry = this.#rings.get(key);
      if (entry === undefined) {
        entry = { taskName: point.taskName, shardId: point.shardId, ring: new SampleRing(this.#capacity) };
        this.#rings.set(key, entry);
      }
      let itemsPerSec: number | null = null;
      if (point.itemsWritten !== undefined) {
        const last = this.#lastCount.get(key);
        // The first poll of a held shard has nothing to compare with; a counter that went back (the shard was
        // taken again, its count restarted) gives no rate either.
        if (last !== undefined && at > last.at && point.itemsWritten >= last.count) {
          itemsPerSec = ((point.itemsWritten - last.count) * 1000) / (at - last.at);
        }
        this.#lastCount.set(key, { at, count: point.itemsWritten });
      } else {
        this.#lastCount.delete(key);
      }
      entry.ring.push({ at, lagMs: point.lagMs ?? null, itemsPerSec });
    }
    for (const [key, entry] of this.#rings) {
      const newest = entry.ring.newest;
      if (newest === undefined || at - newest.at > this.#windowMs) {
        this.#rings.delete(key);
        this.#lastCount.delete(key);
      }
    }
  }

  /** Per task name, per shard id, the samples oldest first. */
  toJson(): HistoryJson {
    const out: HistoryJson = {};
    for (const { taskName, shardId, ring } of this.#rings.values()) {
      (out[taskName] ??= {})[shardId] = ring.toArray();
    }
    return out;
  }
}
