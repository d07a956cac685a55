// An open-loop writer: PutItem at a fixed rate, each request sent at its scheduled time whatever the latency of
// the ones before (a closed loop would slow down exactly when the system is slow and hide the lag). Each item
// has its own key, so "visible at the destination" is exact for it. Reports what it achieved, since a busy
// two-core machine may not keep the schedule.
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sleep } from '../src/util/sleep.js';
import { makeItem } from './items.js';
import { spread, type Spread } from './percentiles.js';
import { now } from './replicator-child.js';

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
  /** PutItem latency on the source (ms). */
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

  const send = (index: number): void => {
    const sentAt = now();
    sendDelays.push(sentAt - (startedAt + index * interval));
    if (inFlight.size >= maxInFlight) {
      skipped += 1;
      return;
    }
    const item = makeItem(index, options.prefix);
    const key = item.pk?.S ?? '';
    const request = client
      // No abortSignal: a put takes milliseconds, and hundreds in flight would each add a listener to it.
      .send(new PutItemCommand({ TableName: table, Item: item }))
      .then(
        () => {
          const ackAt = now();
          acked += 1;
          lastAck = ackAt;
          putLatencies.push(ackAt - sentAt);
          options.onAck({ key, index, sentAt, ackAt });
        },
        () => {
          failed += 1;
        },
      )
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  let next = 0;
  while (next < total && !signal.aborted) {
    const due = Math.min(total, Math.floor((now() - startedAt) / interval) + 1);
    while (next < due) send(next++);
    if (next >= total) break;
    await sleep(Math.max(1, startedAt + next * interval - now()), signal);
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
