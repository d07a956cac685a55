// An open-loop writer: items at a fixed rate, each sent at its scheduled tick whatever the latency of the ones
// before (a closed loop would slow down exactly when the system is slow and hide the lag). The items due in a
// tick (TICK_MS) go out together in BatchWriteItem requests: DynamoDB Local takes only ~120 single PutItem
// requests a second into a table with a stream on this kind of machine (each holds its database lock), far below
// the rates measured, while batches of the same items keep up. Each item has its own key, so "visible at the
// destination" is exact for it. Reports what it achieved, since a busy two-core machine may not keep the schedule.
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sleep } from '../src/util/sleep.js';
import { makeItem } from './items.js';
import { spread, type Spread } from './percentiles.js';
import { now } from './replicator-child.js';

/** Writes due within one tick are sent together (a tick is short against the lags measured). */
export const TICK_MS = 20;

export interface PacedWrite {
  readonly key: string;
  readonly index: number;
  /** Epoch ms (sub-ms) the PutItem was sent, and its acknowledgement arrived. */
  readonly sentAt: number;
  readonly ackAt: number;
}

export interface PacedWriterOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** Writes per second. */
  readonly rate: number;
  /** Writes stop being scheduled after this long (or at `count`). */
  readonly durationMs: number;
  readonly count?: number;
  readonly prefix: string;
  /** Stops scheduling writes (the ones in flight finish). */
  readonly signal: AbortSignal;
  /** Called with each acknowledged write (the checker starts looking for it from here). */
  readonly onAck: (write: PacedWrite) => void;
  /**
   * Requests in flight beyond which sends are skipped and counted (default 64, far above the few a healthy
   * instance needs): an instance that falls behind is not buried under hundreds of queued puts, which in
   * DynamoDB Local turn into seconds-long waits on its database lock for every other call (lease table included).
   */
  readonly maxInFlight?: number;
}

export interface PacedWriterResult {
  readonly rate: number;
  readonly scheduled: number;
  readonly acked: number;
  readonly failed: number;
  readonly skipped: number;
  /** Acknowledged writes per second, from the first send to the last acknowledgement. */
  readonly achievedRate: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** How late sends went out against their schedule (ms): the writer's own timing error. */
  readonly sendDelayMs: Spread;
  /** Write latency on the source (ms), per item. */
  readonly putMs: Spread;
}

export async function runPacedWriter(options: PacedWriterOptions): Promise<PacedWriterResult> {
  const { client, table, rate, signal } = options;
  const interval = 1000 / rate;
  const total = Math.min(options.count ?? Infinity, Math.floor((options.durationMs / 1000) * rate));
  const maxInFlight = options.maxInFlight ?? 64;
  const inFlight = new Set<Promise<void>>();
  const sendDelays: number[] = [];
  const putLatencies: number[] = [];
  let acked = 0;
  let failed = 0;
  let skipped = 0;
  let lastAck = 0;
  const startedAt = now();

  const send = (indexes: readonly number[]): void => {
    const sentAt = now();
    for (const index of indexes) sendDelays.push(sentAt - (startedAt + index * interval));
    if (inFlight.size >= maxInFlight) {
      skipped += indexes.length;
      return;
    }
    const items = indexes.map((index) => ({ index, item: makeItem(index, options.prefix) }));
    const request = client
      // No abortSignal: a write takes milliseconds, and hundreds in flight would each add a listener to it.
      .send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: items.map(({ item }) => ({ PutRequest: { Item: item } })) },
        }),
      )
      .then(
        (out) => {
          const ackAt = now();
          // Items DynamoDB did not process were not written: counted as failed, never reported as acknowledged.
          const unprocessed = new Set(
            (out.UnprocessedItems?.[table] ?? []).map((r) => r.PutRequest?.Item?.pk?.S ?? ''),
          );
          lastAck = ackAt;
          for (const { index, item } of items) {
            const key = item.pk?.S ?? '';
            if (unprocessed.has(key)) {
              failed += 1;
              continue;
            }
            acked += 1;
            putLatencies.push(ackAt - sentAt);
            options.onAck({ key, index, sentAt, ackAt });
          }
        },
        () => {
          failed += items.length;
        },
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  let next = 0;
  while (next < total && !signal.aborted) {
    const due = Math.min(total, Math.floor((now() - startedAt) / interval) + 1);
    const indexes: number[] = [];
    while (next < due) indexes.push(next++);
    for (let i = 0; i < indexes.length; i += 25) send(indexes.slice(i, i + 25));
    if (next >= total) break;
    // Wake at the next tick, or at the next write's time when writes are sparser than ticks.
    await sleep(Math.max(TICK_MS, startedAt + next * interval - now()), signal);
  }
  await Promise.allSettled([...inFlight]);
  const endedAt = lastAck === 0 ? now() : lastAck;
  return {
    rate,
    scheduled: next,
    acked,
    failed,
    skipped,
    achievedRate: Math.round((acked / Math.max(1, endedAt - startedAt)) * 1000 * 10) / 10,
    startedAt,
    endedAt,
    sendDelayMs: spread(sendDelays),
    putMs: spread(putLatencies),
  };
}
