// A bare BatchWriteItem loader: 25 puts a request, `concurrency` requests in flight, UnprocessedItems retried.
// It is the raw sink ceiling of measurement 1 and also loads the catch-up backlog into the source table.
// Timed from the first request sent to the last response; nothing else runs in between.
import { setMaxListeners } from 'node:events';
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { sleep } from '../src/util/sleep.js';

export interface LoadResult {
  readonly items: number;
  readonly requests: number;
  readonly retries: number;
  readonly ms: number;
  readonly itemsPerSec: number;
  /** Items/s of each consecutive `chunkItems` slice, to see a rate that falls as a table grows. */
  readonly chunkRates: readonly number[];
}

const BATCH = 25;
const MAX_ATTEMPTS = 30;

export async function loadItems(
  client: DynamoDBClient,
  tableName: string,
  requests: readonly WriteRequest[],
  options: { concurrency: number; signal: AbortSignal; chunkItems?: number },
): Promise<LoadResult> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH) batches.push(requests.slice(i, i + BATCH));
  const chunkItems = options.chunkItems ?? 5_000;
  // One failed batch stops the other workers too.
  const failed = new AbortController();
  const signal = AbortSignal.any([options.signal, failed.signal]);
  // Every request in flight listens to it: more than Node's default of 10 listeners is expected here.
  setMaxListeners(Math.max(10, options.concurrency * 2), signal);
  const chunkEnds: number[] = [];
  let next = 0;
  let done = 0;
  let sent = 0;
  let retries = 0;

  const writeBatch = async (batch: WriteRequest[]): Promise<void> => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (signal.aborted) throw new Error('interrupted');
      if (attempt > MAX_ATTEMPTS) throw new Error(`batch not written after ${MAX_ATTEMPTS} attempts`);
      sent += 1;
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }), {
        abortSignal: signal,
      });
      const written = pending.length - (out.UnprocessedItems?.[tableName]?.length ?? 0);
      const before = done;
      done += written;
      if (Math.floor(done / chunkItems) > Math.floor(before / chunkItems)) chunkEnds.push(performance.now());
      pending = out.UnprocessedItems?.[tableName] ?? [];
      if (pending.length > 0) {
        retries += 1;
        await sleep(Math.min(1_000, 10 * 2 ** attempt), signal);
      }
    }
  };

  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (!signal.aborted) {
      const batch = batches[next++];
      if (batch === undefined) return;
      try {
        await writeBatch(batch);
      } catch (err) {
        failed.abort();
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (options.signal.aborted) throw new Error('interrupted');
  const ms = performance.now() - started;
  const chunkRates = chunkEnds.map((end, i) =>
    Math.round((chunkItems * 1000) / (end - (i === 0 ? started : chunkEnds[i - 1]!))),
  );
  return {
    items: done,
    requests: sent,
    retries,
    ms,
    itemsPerSec: Math.round((done * 1000) / ms),
    chunkRates,
  };
}
