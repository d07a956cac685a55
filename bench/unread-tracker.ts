// How long each shard of the stream server went without a GetRecords call, from the server's own answers: a shard
// is to be read from the moment it can be (the start, for the shards there at the start; the moment its parent's
// end was served, for a child: parents first), until the call that served its end. Every gap between two reads
// (or from that moment to the first read) longer than a threshold is kept with its shard and times, so that a
// phase of the benchmark can ask for the longest gap that overlapped it. Wraps the access log's `add` (the server
// calls it for every answer), so no entry needs to be kept.
import type { StreamServer } from '../tests/support/stream-server/stream-server.js';
import type { StreamModel } from '../tests/support/stream-server/stream-model.js';

export interface UnreadGap {
  readonly shardId: string;
  /** Epoch ms: when the shard could have been read, or was last read. */
  readonly from: number;
  /** Epoch ms: the next read, or `undefined` while still unread. */
  readonly to: number | undefined;
}

interface ShardState {
  /** Epoch ms of the last read, or of the moment it became readable before its first read. */
  since: number | undefined;
  ended: boolean;
}

export class UnreadTracker {
  readonly #model: StreamModel;
  readonly #thresholdMs: number;
  readonly #shards = new Map<string, ShardState>();
  readonly #gaps: UnreadGap[] = [];
  #getRecords = 0;

  constructor(server: StreamServer, model: StreamModel, thresholdMs: number) {
    this.#model = model;
    this.#thresholdMs = thresholdMs;
    const log = server.log;
    const add = log.add.bind(log);
    log.add = (entry) => {
      const full = add(entry);
      if (entry.operation === 'GetRecords' && entry.outcome === 'ok' && entry.shardId !== undefined) {
        this.#read(entry.shardId, entry.shardEnded === true);
      }
      return full;
    };
  }

  /** GetRecords calls answered so far. */
  get getRecords(): number {
    return this.#getRecords;
  }

  /** Every shard listed now is to be read from `at` (the workers' start). */
  startAll(at: number): void {
    for (const shard of this.#model.listedShards()) {
      if (shard.parentShardId === undefined) this.#shards.set(shard.shardId, { since: at, ended: false });
    }
  }

  #read(shardId: string, ended: boolean): void {
    const at = Date.now();
    this.#getRecords += 1;
    let state = this.#shards.get(shardId);
    if (state === undefined) {
      state = { since: undefined, ended: false };
      this.#shards.set(shardId, state);
    }
    if (state.ended) return;
    if (state.since !== undefined && at - state.since > this.#thresholdMs) {
      this.#gaps.push({ shardId, from: state.since, to: at });
    }
    state.since = at;
    if (!ended) return;
    state.ended = true;
    for (const child of this.#model.children(shardId)) {
      const childState = this.#shards.get(child.shardId);
      if (childState === undefined) this.#shards.set(child.shardId, { since: at, ended: false });
    }
  }

  /** Gaps longer than the threshold that overlap [from, to], the open ones (still unread at `to`) included. */
  gapsDuring(from: number, to: number): UnreadGap[] {
    const closed = this.#gaps.filter((g) => g.from <= to && (g.to ?? to) >= from);
    const open: UnreadGap[] = [];
    for (const [shardId, state] of this.#shards) {
      if (state.ended || state.since === undefined) continue;
      if (to - state.since > this.#thresholdMs && state.since <= to) {
        open.push({ shardId, from: state.since, to: undefined });
      }
    }
    return [...closed, ...open];
  }

  /** The longest gap that overlaps [from, to], measured to `to` when still open. */
  longestDuring(from: number, to: number): { ms: number; gap: UnreadGap | undefined } {
    let best: { ms: number; gap: UnreadGap | undefined } = { ms: 0, gap: undefined };
    for (const gap of this.gapsDuring(from, to)) {
      const ms = (gap.to ?? to) - gap.from;
      if (ms > best.ms) best = { ms, gap };
    }
    return best;
  }
}
