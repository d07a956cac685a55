// Reads one segment of a parallel Scan as a stream of pages, from a saved position (ExclusiveStartKey) on, so a
// copy or a verify can resume where it stopped. Throttling, 5xx and network errors are retried with backoff for
// as long as the caller does not abort; reads are paced by an optional rate limiter (items per second).
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { classifyError } from '../errors/classify-error.js';
import { StoppedError } from '../errors/replicator-error.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import type { RateLimiter } from '../util/rate-limiter.js';
import { sleep } from '../util/sleep.js';

export type Key = Record<string, AttributeValue>;

export interface ScanPage {
  readonly items: readonly Record<string, AttributeValue>[];
  /** Where the next page starts; undefined once the segment is done. */
  readonly lastEvaluatedKey: Key | undefined;
  /** Retries this page needed. */
  readonly retries: number;
}

export interface ScanSegmentOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly segment: number;
  readonly totalSegments: number;
  /** Resume after this key (a saved LastEvaluatedKey). */
  readonly startKey?: Key | undefined;
  readonly pageSize?: number;
  readonly consistentRead?: boolean;
  readonly readLimiter?: RateLimiter | undefined;
  readonly signal: AbortSignal;
  /** Told about each retry, for logs and metrics. */
  readonly onRetry?: (reason: string, attempt: number) => void;
}

export async function* scanSegment(options: ScanSegmentOptions): AsyncGenerator<ScanPage, void, undefined> {
  const { client, tableName, segment, totalSegments, signal } = options;
  let startKey = options.startKey;
  do {
    // A page never asks for more than a second's worth of the read rate, so pacing stays smooth.
    const rate = options.readLimiter?.ratePerSec ?? Infinity;
    const limit = Math.max(
      1,
      Math.min(options.pageSize ?? 1000, Number.isFinite(rate) ? Math.ceil(rate) : 1000),
    );
    let retries = 0;
    let out;
    for (;;) {
      if (signal.aborted) throw new StoppedError();
      try {
        out = await client.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: totalSegments,
            ExclusiveStartKey: startKey,
            Limit: limit,
            ConsistentRead: options.consistentRead ?? false,
          }),
          { abortSignal: signal },
        );
        break;
      } catch (err) {
        if (signal.aborted) throw new StoppedError();
        const verdict = classifyError(err);
        if (verdict.kind !== 'retriable') throw err;
        retries += 1;
        options.onRetry?.(verdict.reason, retries);
        await sleep(backoffDelay(retries - 1, DEFAULT_BACKOFF), signal);
      }
    }
    const items = out.Items ?? [];
    await options.readLimiter?.take(items.length, signal);
    startKey = out.LastEvaluatedKey;
    yield { items, lastEvaluatedKey: startKey, retries };
  } while (startKey !== undefined);
}

/**
 * Pure: a default number of segments from the table's size. One segment per 256 MiB keeps each segment's scan
 * short enough to resume cheaply; at least 4 so that small tables still use several connections, at most 1000.
 */
export function defaultSegments(tableSizeBytes: number | undefined): number {
  const size = tableSizeBytes ?? 0;
  return Math.min(1000, Math.max(4, Math.ceil(size / (256 * 1024 * 1024))));
}
