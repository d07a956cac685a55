// Typed events out of the core. Components only emit; logging, metrics and the progress line subscribe.
// A listener that throws is a bug in that listener and must not break replication, so errors are contained.

export interface ReplicatorEvents {
  'records.read': {
    shardId: string;
    count: number;
    bytes: number;
    atTip: boolean;
    newestCreatedAtMs?: number;
  };
  'batch.flushed': {
    shardId: string;
    records: number;
    puts: number;
    deletes: number;
    durationMs: number;
    lastSequenceNumber: string;
    newestCreatedAtMs?: number;
  };
  /** Changes of a flush that a destination's filter (or a transform returning null) kept out. */
  'records.filtered': { shardId: string; destination: string; count: number };
  /** A fan-out's destination has this many of the shard's records still to write (queued or in flight). */
  'destination.backlog': { shardId: string; destination: string; records: number };
  /** Changes of a flush stored in the task's dead-letter table (refused, or behind a refused change of their key). */
  'records.dead-lettered': { shardId: string; count: number };
  /** Deletes made by the source's TTL in a batch read, and what --ttl-deletes does with them. */
  'ttl.deletes': { shardId: string; count: number; action: 'replicated' | 'skipped' };
  /** `error`: the failed request's message, so that a warning says what fails (none for unprocessed items). */
  'write.retried': {
    table: string;
    reason: string;
    attempt: number;
    items: number;
    delayMs: number;
    error?: string;
  };
  'read.retried': { shardId: string; reason: string; attempt: number; delayMs: number; error: string };
  'iterator.renewed': { shardId: string; position: string };
  'checkpoint.moved': { shardId: string; checkpoint: string };
  'shard.started': { shardId: string; position: string };
  'shard.ended': { shardId: string };
  'shard.stopped': { shardId: string; kind: 'stopped' | 'abandoned' | 'lost' | 'failed'; reason: string };
  'shards.synced': { total: number; open: number; created: number };
  'lease.taken': { shardId: string; previousOwner: string | undefined; checkpoint: string };
  'lease.lost': { shardId: string; reason: string };
  'lease.released': { shardId: string; to?: string };
  /** A bootstrap copy starts (or resumes) on this worker: the estimate fixed at the copy's first start. */
  'copy.started': { estimatedItems: number; segments: number };
  /** A page this worker copied was saved; fleetItems: items the whole fleet copied, as this worker sees them. */
  'copy.page': { items: number; fleetItems: number };
  /** Spool mode: the copy's state as a worker running its phases read it. */
  'spool.phase': { state: string };
  /** Spool mode: changes of a flush written to the spool table. */
  'spool.written': { count: number };
  /** Spool mode: the fleet's spooled changes, as the task item counted them after this worker's last addition. */
  'spool.counted': { total: number };
  /** Spool mode: spool items a drain pass wrote to the destination (this worker's page). */
  'spool.drained': { pass: 1 | 2; items: number };
  /** Spool mode: a drain pass as the lease table shows it (items drained over the fleet, segments done). */
  'spool.drain.listed': { pass: 1 | 2; drained: number; segmentsDone: number; segments: number };
  /** Two-way replication: a write lost its condition and was recorded in the conflict log. */
  'twoway.conflict': { table: string; loser: 'put' | 'delete'; winner: 'put' | 'delete' };
}

export type EventName = keyof ReplicatorEvents;
type Listener<K extends EventName> = (payload: ReplicatorEvents[K]) => void;

export class EventBus {
  readonly #listeners = new Map<EventName, Set<(payload: never) => void>>();
  readonly #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void = () => undefined) {
    this.#onListenerError = onListenerError;
  }

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends EventName>(name: K, payload: ReplicatorEvents[K]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(payload);
      } catch (err) {
        this.#onListenerError(err);
      }
    }
  }
}
