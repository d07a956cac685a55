// Reads items by key with BatchGetItem: at most 100 keys a request (fewer under a read rate, so that no request
// asks for more than the rate limiter's burst), requests of one call in parallel, duplicate keys asked once.
// UnprocessedKeys, throttling, 5xx and network errors are retried with jittered backoff until the caller aborts;
// any other error is thrown as the SDK gave it, for the caller to describe.
import { BatchGetItemCommand, type DynamoDBClient, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import { classifyError } from '../errors/classify-error.js';
import { StoppedError } from '../errors/replicator-error.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../util/backoff.js';
import type { RateLimiter } from '../util/rate-limiter.js';
import { sleep } from '../util/sleep.js';
import type { Item } from './item-compare.js';

export const MAX_BATCH_GET = 100;

export interface BatchGetOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly keyAttributes: readonly string[];
  readonly consistentRead: boolean;
  /** Read the key attributes only (to learn whether items exist). */
  readonly keysOnly?: boolean;
  /** Charged one unit per key asked for, before each request. */
  readonly readLimiter?: RateLimiter | undefined;
  /** At most MAX_BATCH_GET. */
  readonly maxKeysPerRequest?: number;
  readonly backoff?: BackoffPolicy;
  readonly signal: AbortSignal;
  /** Told about each retry, for the summary. */
  readonly onRetry?: (reason: string) => void;
}

/** The items found, by itemKey; keys not in the map do not exist. */
export async function batchGet(keys: readonly Item[], options: BatchGetOptions): Promise<Map<string, Item>> {
  const unique = new Map<string, Item>();
  for (const key of keys) unique.set(itemKey(key, options.keyAttributes), key);
  const size = Math.max(1, Math.min(MAX_BATCH_GET, options.maxKeysPerRequest ?? MAX_BATCH_GET));
  const all = [...unique.values()];
  const chunks: Item[][] = [];
  for (let start = 0; start < all.length; start += size) chunks.push(all.slice(start, start + size));
  const found = new Map<string, Item>();
  await Promise.all(
    chunks.map(async (chunk) => {
      for (const item of await getChunk(chunk, options)) {
        found.set(itemKey(item, options.keyAttributes), item);
      }
    }),
  );
  return found;
}

function request(keys: Item[], options: BatchGetOptions): KeysAndAttributes {
  if (options.keysOnly !== true) return { Keys: keys, ConsistentRead: options.consistentRead };
  const names = Object.fromEntries(options.keyAttributes.map((name, i) => [`#k${i}`, name]));
  return {
    Keys: keys,
    ConsistentRead: options.consistentRead,
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
  };
}

async function getChunk(keys: Item[], options: BatchGetOptions): Promise<Item[]> {
  const { client, tableName, signal } = options;
  const items: Item[] = [];
  let pending = keys;
  for (let attempt = 0; pending.length > 0;) {
    if (signal.aborted) throw new StoppedError();
    await options.readLimiter?.take(pending.length, signal);
    let reason: string;
    try {
      const out = await client.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: request(pending, options) } }),
        { abortSignal: signal },
      );
      // One table per request: its answers are taken whatever key they come under (a table asked for by ARN
      // may be answered under its name).
      items.push(...Object.values(out.Responses ?? {}).flat());
      const unprocessed = Object.values(out.UnprocessedKeys ?? {}).flatMap((k) => k.Keys ?? []);
      if (unprocessed.length === 0) return items;
      // Progress was made: start the backoff over.
      if (unprocessed.length < pending.length) attempt = 0;
      pending = unprocessed;
      reason = 'unprocessed';
    } catch (err) {
      if (signal.aborted) throw new StoppedError();
      const verdict = classifyError(err);
      if (verdict.kind !== 'retriable') throw err;
      reason = verdict.reason;
    }
    options.onRetry?.(reason);
    await sleep(backoffDelay(attempt++, options.backoff ?? DEFAULT_BACKOFF), signal);
  }
  return items;
}
