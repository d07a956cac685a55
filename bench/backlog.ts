// The setup the catch-up, the bare stream copier and the plan stage share, so all start from the same state: a
// fresh source instance and a fresh destination instance (started together, warmed up), a source table with a
// NEW_AND_OLD_IMAGES stream holding N records, and an empty destination table of the same key. The plan stage
// asks for many such pairs: the N records are then split evenly over their source tables.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../src/local/local-tables.js';
import { loadItems, type LoadResult } from './batch-loader.js';
import { startInstance, warmUp, type BenchInstance } from './instances.js';
import { benchClient, DEST_REGION, putRequests, SOURCE_REGION, TABLE_KEY } from './items.js';
import type { Lifetime } from './lifetime.js';

export const SOURCE_TABLE = 'bench-source';
export const DEST_TABLE = 'bench-dest';

/** A source table to fill and its destination (undefined: not created here, e.g. left to the replicator). */
export interface BacklogTable {
  readonly source: string;
  readonly dest: string | undefined;
}

export interface Backlog {
  readonly source: BenchInstance;
  readonly dest: BenchInstance;
  readonly sourceClient: DynamoDBClient;
  readonly destClient: DynamoDBClient;
  /** Every table's load added up (ms: their sum, as they are loaded one after another). */
  readonly load: LoadResult;
  /** The records each source table holds, in the order of `tables`. */
  readonly perTable: readonly number[];
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
  options: { records: number; warmupItems: number; tables?: readonly BacklogTable[] },
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<Backlog> {
  const tables = options.tables ?? [{ source: SOURCE_TABLE, dest: DEST_TABLE }];
  const perTable = tables.map(
    (_, i) => Math.floor(options.records / tables.length) + (i < options.records % tables.length ? 1 : 0),
  );
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
    for (const t of tables) {
      await Promise.all([
        createTable(sourceClient, t.source, TABLE_KEY, 'NEW_AND_OLD_IMAGES'),
        t.dest === undefined ? undefined : createTable(destClient, t.dest, TABLE_KEY),
      ]);
    }
    const loads: LoadResult[] = [];
    for (const [i, t] of tables.entries()) {
      loads.push(
        await loadItems(sourceClient, t.source, putRequests(perTable[i] ?? 0), {
          concurrency: 8,
          signal,
          chunkItems: 10_000,
        }),
      );
    }
    const load = addUp(loads);
    log(
      `${name}: backlog of ${load.items} stream records${tables.length === 1 ? '' : ` over ${tables.length} tables`} written at ${load.itemsPerSec} items/s`,
    );
    return { source, dest, sourceClient, destClient, load, perTable, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function addUp(loads: readonly LoadResult[]): LoadResult {
  if (loads.length === 1 && loads[0] !== undefined) return loads[0];
  const sum = (pick: (l: LoadResult) => number): number => loads.reduce((total, l) => total + pick(l), 0);
  const items = sum((l) => l.items);
  const ms = sum((l) => l.ms);
  return {
    items,
    requests: sum((l) => l.requests),
    retries: sum((l) => l.retries),
    ms,
    itemsPerSec: ms > 0 ? Math.round((items * 1000) / ms) : 0,
    chunkRates: loads.flatMap((l) => l.chunkRates),
  };
}
