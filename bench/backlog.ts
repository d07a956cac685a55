// The setup the catch-up and the bare stream copier share, so both start from the same state: a fresh source
// instance and a fresh destination instance (started together, warmed up), a source table with a
// NEW_AND_OLD_IMAGES stream holding N records, and an empty destination table of the same key.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../src/local/local-tables.js';
import { loadItems, type LoadResult } from './batch-loader.js';
import { startInstance, warmUp, type BenchInstance } from './instances.js';
import { benchClient, DEST_REGION, putRequests, SOURCE_REGION, TABLE_KEY } from './items.js';
import type { Lifetime } from './lifetime.js';

export const SOURCE_TABLE = 'bench-source';
export const DEST_TABLE = 'bench-dest';

export interface Backlog {
  readonly source: BenchInstance;
  readonly dest: BenchInstance;
  readonly sourceClient: DynamoDBClient;
  readonly destClient: DynamoDBClient;
  readonly load: LoadResult;
  /** Destroys the clients and stops both instances. */
  close(): Promise<void>;
}

async function startPair(name: string, lifetime: Lifetime): Promise<[BenchInstance, BenchInstance]> {
  const started = await Promise.allSettled([
    startInstance(`${name} source`, lifetime),
    startInstance(`${name} destination`, lifetime, 'destination'),
  ]);
  const [source, dest] = started;
  if (source.status === 'fulfilled' && dest.status === 'fulfilled') return [source.value, dest.value];
  for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
  throw started.find((s) => s.status === 'rejected')?.reason;
}

export async function prepareBacklog(
  name: string,
  options: { records: number; warmupItems: number },
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<Backlog> {
  const signal = lifetime.signal;
  const [source, dest] = await startPair(name, lifetime);
  const sourceClient = benchClient(source.endpoint, SOURCE_REGION);
  const destClient = benchClient(dest.endpoint, DEST_REGION);
  const close = async (): Promise<void> => {
    sourceClient.destroy();
    destClient.destroy();
    await Promise.all([source.stop(), dest.stop()]);
  };
  try {
    await Promise.all([
      warmUp(source, SOURCE_REGION, { items: Math.min(2_000, options.warmupItems), stream: true, signal }),
      warmUp(dest, DEST_REGION, { items: options.warmupItems, stream: false, signal }),
    ]);
    await Promise.all([
      createTable(sourceClient, SOURCE_TABLE, TABLE_KEY, 'NEW_AND_OLD_IMAGES'),
      createTable(destClient, DEST_TABLE, TABLE_KEY),
    ]);
    const load = await loadItems(sourceClient, SOURCE_TABLE, putRequests(options.records), {
      concurrency: 8,
      signal,
      chunkItems: 10_000,
    });
    log(`${name}: backlog of ${load.items} stream records written at ${load.itemsPerSec} items/s`);
    return { source, dest, sourceClient, destClient, load, close };
  } catch (err) {
    await close();
    throw err;
  }
}
