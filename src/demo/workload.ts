// The demo's writes to the source table: a backlog of orders written before the replicator starts, then a live
// mixed workload at a target rate until its signal aborts: puts of new orders, updates of existing ones (SET,
// ADD on numbers and sets, list_append, REMOVE) and deletes. It keeps its own counts, which the display and the
// catch-up check set against what the replicator wrote. Never two writes in flight on one key, so every write
// is one stream record and each key's last write is well defined.
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { StoppedError, errorMessage } from '../errors/replicator-error.js';
import type { Logger } from '../observability/logger.js';
import { Semaphore } from '../util/semaphore.js';
import { sleep } from '../util/sleep.js';

export type Item = Record<string, AttributeValue>;

export type UpdateParts = Pick<
  UpdateItemCommandInput,
  'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
>;

/** The key attribute of the demo's table (a string hash key). */
export const KEY_NAME = 'pk';

export interface WorkloadCounts {
  readonly backlog: number;
  readonly puts: number;
  readonly updates: number;
  readonly deletes: number;
  /** Writes that failed; their outcome is unknown, so the counts are exact only while this is 0. */
  readonly failed: number;
  /** Items the source should hold (backlog + puts - deletes). */
  readonly items: number;
}

export interface WorkloadDeps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly logger: Logger;
  /** Writes in flight at most; the rate drops below the target when the source cannot keep up. */
  readonly maxInFlight?: number;
}

const TICK_MS = 20;
const STATUSES = ['placed', 'paid', 'packed', 'shipped', 'delivered'] as const;
const TAGS = ['gift', 'express', 'fragile', 'bulk', 'returning', 'priority', 'eu', 'us'] as const;
const SKUS = ['book', 'lamp', 'mug', 'chair', 'desk', 'pen', 'cable', 'plant'] as const;

export class Workload {
  readonly #deps: WorkloadDeps;
  /** Keys of the items the source holds, for picking update and delete targets at random in O(1). */
  readonly #keys: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #inFlight = new Set<string>();
  #nextId = 1;
  #backlog = 0;
  #puts = 0;
  #updates = 0;
  #deletes = 0;
  #failed = 0;

  constructor(deps: WorkloadDeps) {
    this.#deps = deps;
  }

  counts(): WorkloadCounts {
    return {
      backlog: this.#backlog,
      puts: this.#puts,
      updates: this.#updates,
      deletes: this.#deletes,
      failed: this.#failed,
      items: this.#keys.length,
    };
  }

  /** Successful writes so far: each is one stream record on the source. */
  get writes(): number {
    return this.#backlog + this.#puts + this.#updates + this.#deletes;
  }

  /** Writes `count` new orders with BatchWriteItem, a few requests in flight; stops early when `signal` aborts. */
  async writeBacklog(count: number, signal: AbortSignal): Promise<void> {
    const slots = new Semaphore(4);
    const batches: Promise<void>[] = [];
    for (let start = 0; start < count && !signal.aborted; start += 25) {
      const items = Array.from({ length: Math.min(25, count - start) }, () => this.#newOrder());
      let release: () => void;
      try {
        release = await slots.acquire(1, signal);
      } catch (err) {
        if (err instanceof StoppedError) break;
        throw err;
      }
      batches.push(
        this.#writeBatch(items, signal).finally(() => {
          release();
        }),
      );
    }
    await Promise.all(batches);
  }

  async #writeBatch(items: Item[], signal: AbortSignal): Promise<void> {
    const { client, tableName } = this.#deps;
    let requests: WriteRequest[] = items.map((Item) => ({ PutRequest: { Item } }));
    // UnprocessedItems is DynamoDB's way of saying "slow down": send the rest again after a pause.
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(1_000, 50 * 2 ** attempt), signal);
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }));
      const left = out.UnprocessedItems?.[tableName] ?? [];
      const unprocessed = new Set(left.map((request) => request.PutRequest?.Item?.[KEY_NAME]?.S));
      for (const request of requests) {
        const item = request.PutRequest?.Item;
        if (unprocessed.has(item?.[KEY_NAME]?.S)) continue;
        this.#backlog += 1;
        this.#track(item);
      }
      requests = left;
      // A stopped backlog keeps what was written; the live phase never starts.
      if (signal.aborted) return;
    }
  }

  #track(item: Item | undefined): void {
    const key = item?.[KEY_NAME]?.S;
    if (key === undefined || this.#index.has(key)) return;
    this.#index.set(key, this.#keys.length);
    this.#keys.push(key);
  }

  #untrack(key: string): void {
    const at = this.#index.get(key);
    if (at === undefined) return;
    const last = this.#keys.pop();
    if (last !== undefined && last !== key) {
      this.#keys[at] = last;
      this.#index.set(last, at);
    }
    this.#index.delete(key);
  }

  /**
   * Writes at `ratePerSec` until `signal` aborts, then waits for the writes in flight (they are not cancelled:
   * a cancelled write has an unknown outcome, and the counts must stay exact).
   */
  async run(ratePerSec: number, signal: AbortSignal): Promise<void> {
    const slots = new Semaphore(this.#deps.maxInFlight ?? 32);
    const running = new Set<Promise<void>>();
    const started = performance.now();
    let issued = 0;
    while (!signal.aborted) {
      let due = Math.floor(((performance.now() - started) / 1000) * ratePerSec) - issued;
      // Behind by more than a quarter of a second (a slow source): forget the shortfall rather than burst
      // well over the rate to make it up.
      const burst = Math.max(1, Math.ceil(ratePerSec / 4));
      if (due > burst) {
        issued += due - burst;
        due = burst;
      }
      for (; due > 0 && !signal.aborted; due--) {
        let release: () => void;
        try {
          release = await slots.acquire(1, signal);
        } catch (err) {
          if (err instanceof StoppedError) break;
          throw err;
        }
        issued += 1;
        const write = this.#oneWrite().finally(() => {
          release();
          running.delete(write);
        });
        running.add(write);
      }
      await sleep(TICK_MS, signal);
    }
    await Promise.all(running);
  }

  async #oneWrite(): Promise<void> {
    const roll = Math.random();
    // Keep a few hundred items around so that updates and deletes have targets.
    const key = this.#keys.length < 100 || roll < 0.5 ? undefined : this.#pickIdleKey();
    try {
      if (key === undefined) await this.#put();
      else if (roll < 0.85) await this.#guarded(key, () => this.#update(key));
      else await this.#guarded(key, () => this.#delete(key));
    } catch (err) {
      this.#failed += 1;
      const log = this.#failed === 1 || this.#failed % 100 === 0 ? 'warn' : 'debug';
      this.#deps.logger[log]({ err: errorMessage(err), failed: this.#failed }, 'demo workload: write failed');
    }
  }

  async #guarded(key: string, write: () => Promise<void>): Promise<void> {
    this.#inFlight.add(key);
    try {
      await write();
    } finally {
      this.#inFlight.delete(key);
    }
  }

  #pickIdleKey(): string | undefined {
    for (let tries = 0; tries < 5; tries++) {
      const key = this.#keys[Math.floor(Math.random() * this.#keys.length)];
      if (key !== undefined && !this.#inFlight.has(key)) return key;
    }
    return undefined;
  }

  async #put(): Promise<void> {
    const item = this.#newOrder();
    await this.#deps.client.send(new PutItemCommand({ TableName: this.#deps.tableName, Item: item }));
    this.#puts += 1;
    this.#track(item);
  }

  async #update(key: string): Promise<void> {
    await this.#deps.client.send(
      new UpdateItemCommand({
        TableName: this.#deps.tableName,
        Key: { [KEY_NAME]: { S: key } },
        ...orderUpdate(),
      }),
    );
    this.#updates += 1;
  }

  async #delete(key: string): Promise<void> {
    await this.#deps.client.send(
      new DeleteItemCommand({ TableName: this.#deps.tableName, Key: { [KEY_NAME]: { S: key } } }),
    );
    this.#deletes += 1;
    this.#untrack(key);
  }

  #newOrder(): Item {
    return orderItem(`order-${String(this.#nextId++).padStart(6, '0')}`);
  }
}

/** A new order with a spread of attribute types: S, N, BOOL, NULL, B, SS, NS, L and M. */
export function orderItem(key: string): Item {
  return {
    [KEY_NAME]: { S: key },
    customer: { S: `customer-${Math.floor(Math.random() * 500)}` },
    status: { S: 'placed' },
    total: { N: money() },
    lines: { L: [orderLine(), orderLine()] },
    tags: { SS: [pick(TAGS), 'new'] },
    ratings: { NS: [String(1 + Math.floor(Math.random() * 5)), '0'] },
    shipping: {
      M: { country: { S: pick(['DE', 'FR', 'US', 'JP']) }, express: { BOOL: Math.random() < 0.2 } },
    },
    note: Math.random() < 0.5 ? { S: 'leave at the door' } : { NULL: true },
    receipt: { B: randomBytes(8) },
    version: { N: '1' },
    writtenAt: { N: String(Date.now()) },
  };
}

/** One of the workload's updates of an order, at random: SET, ADD on numbers and sets, list_append, REMOVE. */
export function orderUpdate(): UpdateParts {
  const now = { N: String(Date.now()) };
  const one = { N: '1' };
  const variants: UpdateParts[] = [
    {
      UpdateExpression: 'SET #status = :status, writtenAt = :now ADD version :one, tags :tag',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': { S: pick(STATUSES) },
        ':now': now,
        ':one': one,
        ':tag': { SS: [pick(TAGS)] },
      },
    },
    {
      UpdateExpression: 'SET #total = #total + :delta, writtenAt = :now ADD version :one REMOVE note',
      ExpressionAttributeNames: { '#total': 'total' },
      ExpressionAttributeValues: { ':delta': { N: money() }, ':now': now, ':one': one },
    },
    {
      UpdateExpression: 'SET #lines = list_append(#lines, :line), writtenAt = :now ADD version :one',
      ExpressionAttributeNames: { '#lines': 'lines' },
      ExpressionAttributeValues: { ':line': { L: [orderLine()] }, ':now': now, ':one': one },
    },
  ];
  return pick(variants);
}

function pick<T>(values: readonly T[]): T {
  const value = values[Math.floor(Math.random() * values.length)];
  if (value === undefined) throw new RangeError('pick from an empty list');
  return value;
}

function money(): string {
  return (Math.floor(Math.random() * 10_000) / 100).toFixed(2);
}

function orderLine(): AttributeValue {
  return { M: { sku: { S: pick(SKUS) }, qty: { N: String(1 + Math.floor(Math.random() * 3)) } } };
}
