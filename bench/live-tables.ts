// The setup of the live-load stages (lag, failover): a fresh, warmed source instance with an empty table that
// has a NEW_AND_OLD_IMAGES stream, a fresh, warmed destination instance with an empty table, and the replicator
// CLI started against them as a child process (as many workers as a stage wants, one task).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../src/local/local-tables.js';
import { startInstance, warmUp, type BenchInstance } from './instances.js';
import { benchClient, DEST_REGION, SOURCE_REGION, TABLE_KEY } from './items.js';
import type { Lifetime } from './lifetime.js';
import { childEnv, ReplicatorChild } from './replicator-child.js';

/** Records in the source's warm-up stream: enough to compile its stream path, few enough not to slow it. */
const WARMUP_STREAM_RECORDS = 500;

export const LIVE_SOURCE_TABLE = 'live-source';
export const LIVE_DEST_TABLE = 'live-dest';

export interface LiveTables {
  readonly source: BenchInstance;
  readonly dest: BenchInstance;
  readonly sourceClient: DynamoDBClient;
  readonly destClient: DynamoDBClient;
  /** Starts one replicator worker of `task`: flags beyond the tables, node flags, extra environment. */
  startWorker(task: string, options?: WorkerOptions): ReplicatorChild;
  /** Destroys the clients and stops both instances (workers stop with the lifetime or their owner). */
  close(): Promise<void>;
}

export interface WorkerOptions {
  readonly args?: readonly string[];
  readonly nodeArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export async function startLiveTables(
  name: string,
  options: { warmupItems: number },
  lifetime: Lifetime,
): Promise<LiveTables> {
  const signal = lifetime.signal;
  const started = await Promise.allSettled([
    startInstance(`${name} source`, lifetime),
    startInstance(`${name} destination`, lifetime, 'destination'),
  ]);
  const [first, second] = started;
  if (first.status !== 'fulfilled' || second.status !== 'fulfilled') {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
    throw started.find((s) => s.status === 'rejected')?.reason;
  }
  const source = first.value;
  const dest = second.value;
  const sourceClient = benchClient(source.endpoint, SOURCE_REGION);
  const destClient = benchClient(dest.endpoint, DEST_REGION);
  const close = async (): Promise<void> => {
    sourceClient.destroy();
    destClient.destroy();
    await Promise.all([source.stop(), dest.stop()]);
  };
  try {
    await Promise.all([
      // The live load is single PutItems read back in short pages: warm those paths too (see warmUp). Only a
      // few hundred records go into the warm-up stream: a second stream table holding 4,000 made the same live
      // load (200 puts/s, a GetRecords every 100 ms) cost the source JVM 0.82-0.95 cores instead of 0.22-0.26,
      // deleting that table did not help, and with 500 the cost stayed at 0.22-0.26 (scratch runs, 2026-11-27).
      warmUp(source, SOURCE_REGION, {
        items: Math.min(options.warmupItems, WARMUP_STREAM_RECORDS),
        stream: true,
        signal,
        singlePuts: options.warmupItems * 2,
        pageLimit: 50,
      }),
      warmUp(dest, DEST_REGION, { items: options.warmupItems, stream: false, signal }),
    ]);
    await Promise.all([
      createTable(sourceClient, LIVE_SOURCE_TABLE, TABLE_KEY, 'NEW_AND_OLD_IMAGES'),
      createTable(destClient, LIVE_DEST_TABLE, TABLE_KEY),
    ]);
  } catch (err) {
    await close();
    throw err;
  }
  const startWorker = (task: string, worker: WorkerOptions = {}): ReplicatorChild =>
    new ReplicatorChild(
      [
        'replicate',
        ...['--source-table', LIVE_SOURCE_TABLE, '--source-region', SOURCE_REGION],
        ...['--source-endpoint', source.endpoint],
        ...['--dest-table', LIVE_DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', dest.endpoint],
        ...['--task-name', task, '--log-format', 'json'],
        ...(worker.args ?? []),
      ],
      {
        nodeArgs: worker.nodeArgs ?? [],
        env: childEnv(worker.env),
        target: Number.MAX_SAFE_INTEGER,
        lifetime,
      },
    );
  return { source, dest, sourceClient, destClient, startWorker, close };
}
