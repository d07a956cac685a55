// Measurement 2b, a bare stream copier: the least any stream consumer has to do here. GetRecords pages (1,000
// records) from the source stream go straight into 25-item BatchWriteItem requests, `concurrency` in flight,
// reading overlapped with writing; no leases, checkpoints, squashing, logging or separate process. Same setup as
// the catch-up. Against the raw sink it shows what reading the stream costs on this machine; against the catch-up,
// what the replicator adds on top.
import { BatchWriteItemCommand, DescribeTableCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { setMaxListeners } from 'node:events';
import { PerformanceObserver } from 'node:perf_hooks';
import { createStreamsClient, DATA_PATH } from '../src/app/aws-clients.js';
import { sleep } from '../src/util/sleep.js';
import { DEST_TABLE, prepareBacklog, SOURCE_TABLE } from './backlog.js';
import { SOURCE_REGION } from './items.js';
import type { Lifetime } from './lifetime.js';
import { CpuMeter, cpuMsPer1k } from './proc-stats.js';

/** Wakes every waiting writer at once (the project's Wakeup serves one waiter); waits are short and bounded. */
class Broadcast {
  #waiters: (() => void)[] = [];

  notify(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async wait(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(done);
    });
  }
}

export interface CopyResult {
  readonly records: number;
  readonly concurrency: number;
  readonly totalMs: number;
  readonly startupMs: number;
  readonly drainMs: number;
  readonly itemsPerSec: number;
  readonly drainItemsPerSec: number;
  readonly readMs: number;
  readonly cores: Record<string, number>;
  readonly otherCores: number;
  readonly cpuMsPer1k: Record<string, number>;
  /** GC pauses of this process while copying, to compare with the replicator's. */
  readonly gcMs: number;
}

export async function measureStreamCopy(
  options: { records: number; warmupItems: number; concurrency: number },
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<CopyResult> {
  const prepared = await prepareBacklog('stream copy', options, lifetime, log);
  const { source, dest, sourceClient, destClient } = prepared;
  const streams = createStreamsClient({ region: SOURCE_REGION, endpoint: source.endpoint }, DATA_PATH);
  const failed = new AbortController();
  const signal = AbortSignal.any([lifetime.signal, failed.signal]);
  setMaxListeners(Math.max(10, options.concurrency * 2), signal);
  try {
    const meter = new CpuMeter(
      new Map([
        ['copier', process.pid],
        ['sourceJvm', source.pid],
        ['destJvm', dest.pid],
      ]),
    );
    let gcMs = 0;
    const gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) gcMs += entry.duration;
    });
    gc.observe({ entryTypes: ['gc'] });
    const started = performance.now();
    const queue: WriteRequest[][] = [];
    const ready = new Broadcast();
    let readDone = false;
    let readAt = 0;
    let firstWriteAt: number | undefined;
    let written = 0;

    const read = async (): Promise<void> => {
      const table = await sourceClient.send(new DescribeTableCommand({ TableName: SOURCE_TABLE }));
      const streamArn = table.Table?.LatestStreamArn;
      const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      const shardId = stream.StreamDescription?.Shards?.[0]?.ShardId;
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
          { abortSignal: signal },
        )
      ).ShardIterator;
      let pending: WriteRequest[] = [];
      const deadline = performance.now() + 120_000 + options.records * 5;
      for (let read = 0; read < options.records && iterator !== undefined && !signal.aborted;) {
        if (performance.now() > deadline) throw new Error('stream copy: reading timed out');
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }), {
          abortSignal: signal,
        });
        for (const record of page.Records ?? []) {
          const image = record.dynamodb?.NewImage;
          if (image === undefined) continue;
          pending.push({ PutRequest: { Item: image } });
          if (pending.length === 25) {
            queue.push(pending);
            pending = [];
          }
        }
        read += page.Records?.length ?? 0;
        ready.notify();
        iterator = page.NextShardIterator;
        if ((page.Records?.length ?? 0) === 0) await sleep(50, signal);
      }
      if (pending.length > 0) queue.push(pending);
      readAt = performance.now();
    };

    const write = async (): Promise<void> => {
      while (!signal.aborted) {
        const batch = queue.shift();
        if (batch === undefined) {
          if (readDone) return;
          await ready.wait(50);
          continue;
        }
        let requests = batch;
        for (let attempt = 1; requests.length > 0; attempt++) {
          if (attempt > 30) throw new Error('stream copy: a batch was not written after 30 attempts');
          const out = await destClient.send(
            new BatchWriteItemCommand({ RequestItems: { [DEST_TABLE]: requests } }),
            { abortSignal: signal },
          );
          const left = out.UnprocessedItems?.[DEST_TABLE] ?? [];
          written += requests.length - left.length;
          firstWriteAt ??= performance.now();
          requests = left;
          if (left.length > 0) await sleep(Math.min(1_000, 10 * 2 ** attempt), signal);
        }
      }
    };

    const guarded = async (task: () => Promise<void>): Promise<void> => {
      try {
        await task();
      } catch (err) {
        failed.abort();
        throw err;
      }
    };
    const writers = Array.from({ length: options.concurrency }, () => guarded(write));
    await guarded(read).finally(() => {
      readDone = true;
      ready.notify();
    });
    await Promise.all(writers);
    if (lifetime.signal.aborted) throw new Error('interrupted');
    if (written < options.records)
      throw new Error(`stream copy wrote ${written} of ${options.records} items`);
    const ended = performance.now();
    const cpu = meter.read();
    gc.disconnect();
    const first = firstWriteAt ?? ended;
    const result: CopyResult = {
      records: options.records,
      concurrency: options.concurrency,
      totalMs: Math.round(ended - started),
      startupMs: Math.round(first - started),
      drainMs: Math.round(ended - first),
      itemsPerSec: Math.round((written * 1000) / (ended - started)),
      drainItemsPerSec: Math.round((written * 1000) / (ended - first)),
      readMs: Math.round(readAt - started),
      cores: cpu.cores,
      otherCores: cpu.otherCores,
      cpuMsPer1k: cpuMsPer1k(cpu.cpuSec, written),
      gcMs: Math.round(gcMs),
    };
    log(`stream copy: ${result.itemsPerSec} items/s overall, ${result.drainItemsPerSec} items/s drain`);
    return result;
  } finally {
    streams.destroy();
    await prepared.close();
  }
}
