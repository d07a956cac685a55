// Watches the destination for items by key: all pending keys are read together with BatchGetItem (100 keys a
// request, the requests of one round in parallel), one round every MIN_ROUND_MS while anything is pending, so
// the checker never queues behind its own work. Rounds are paced, not back to back: unpaced, the checker sent
// ~480 consistent BatchGetItem a second at 200 writes/s, more requests than the replication itself, and took
// CPU from the JVMs and the replicator on this 2-core machine, which showed up as lag. An item's first-seen time
// is the arrival of the response that found it: an upper bound, late by at most one round plus its round trip
// (the floor measurement, the same checker on writes straight into the destination, says how much that is).
import { BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setMaxListeners } from 'node:events';
import { sleep } from '../src/util/sleep.js';
import { Wakeup } from '../src/util/wakeup.js';
import { now } from './replicator-child.js';

const KEYS_PER_REQUEST = 100;
/** Requests of one round: beyond this many pending keys the oldest are asked first and the rest next round. */
const MAX_REQUESTS_PER_ROUND = 10;
/** Least time from the start of one round to the start of the next: the checker's resolution. */
export const MIN_ROUND_MS = 10;

export interface Watched {
  readonly sentAt: number;
  readonly ackAt: number;
  seenAt?: number;
}

export class VisibilityChecker {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #pending = new Map<string, Watched>();
  readonly #all = new Map<string, Watched>();
  readonly #added = new Wakeup();
  readonly #minRoundMs: number;
  rounds = 0;
  requests = 0;
  errors = 0;

  /**
   * `minRoundMs` above MIN_ROUND_MS for a load that falls far behind (thousands of keys pending): full rounds of
   * 10 requests every 10 ms would take the CPU the replication needs.
   */
  constructor(client: DynamoDBClient, table: string, minRoundMs = MIN_ROUND_MS) {
    this.#client = client;
    this.#table = table;
    this.#minRoundMs = minRoundMs;
  }

  watch(key: string, sentAt: number, ackAt: number): void {
    const watched: Watched = { sentAt, ackAt };
    this.#pending.set(key, watched);
    this.#all.set(key, watched);
    this.#added.notify();
  }

  get pending(): number {
    return this.#pending.size;
  }

  get watched(): ReadonlyMap<string, Watched> {
    return this.#all;
  }

  /** Polls until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    // Up to MAX_REQUESTS_PER_ROUND requests listen to it at once, plus the waits: more than Node's default 10.
    setMaxListeners(4 * MAX_REQUESTS_PER_ROUND, signal);
    while (!signal.aborted) {
      if (this.#pending.size === 0) {
        await this.#added.wait(signal, 100);
        continue;
      }
      // Map order is insertion order: the oldest pending keys first.
      const keys = [...this.#pending.keys()].slice(0, KEYS_PER_REQUEST * MAX_REQUESTS_PER_ROUND);
      const chunks: string[][] = [];
      for (let i = 0; i < keys.length; i += KEYS_PER_REQUEST)
        chunks.push(keys.slice(i, i + KEYS_PER_REQUEST));
      this.rounds += 1;
      const startedAt = performance.now();
      await Promise.all(chunks.map((chunk) => this.#ask(chunk, signal)));
      await sleep(startedAt + this.#minRoundMs - performance.now(), signal);
    }
  }

  /** Resolves when nothing is pending, or after `timeoutMs` (then the rest count as never seen). */
  async drained(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.#pending.size > 0 && !signal.aborted && performance.now() < deadline) {
      await sleep(20, signal);
    }
    return this.#pending.size === 0;
  }

  async #ask(chunk: readonly string[], signal: AbortSignal): Promise<void> {
    this.requests += 1;
    try {
      const out = await this.#client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.#table]: {
              Keys: chunk.map((pk) => ({ pk: { S: pk } })),
              ConsistentRead: true,
              ProjectionExpression: 'pk',
            },
          },
        }),
        { abortSignal: signal },
      );
      const at = now();
      for (const item of out.Responses?.[this.#table] ?? []) {
        const key = item.pk?.S;
        if (key === undefined) continue;
        const watched = this.#pending.get(key);
        if (watched === undefined) continue;
        watched.seenAt = at;
        this.#pending.delete(key);
      }
      // UnprocessedKeys simply stay pending for the next round.
    } catch {
      if (signal.aborted) return;
      this.errors += 1;
      await sleep(10, signal);
    }
  }
}
