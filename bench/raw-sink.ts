// Measurement 1, the raw sink ceiling: a bare BatchWriteItem loader writes N items into an empty table without
// a stream, on a fresh warmed-up DynamoDB Local, once per concurrency level (each on its own instance, so no
// level inherits another's table or JIT state). The best level is what the replicator is compared with.
import { createTable } from '../src/local/local-tables.js';
import { loadItems } from './batch-loader.js';
import { startInstance, warmUp } from './instances.js';
import { benchClient, DEST_REGION, putRequests, TABLE_KEY } from './items.js';
import type { Lifetime } from './lifetime.js';
import { CpuMeter, cpuMsPer1k } from './proc-stats.js';

export interface RawLevel {
  readonly concurrency: number;
  readonly items: number;
  readonly ms: number;
  readonly itemsPerSec: number;
  readonly retries: number;
  readonly warmupMs: number;
  /** Cores used while loading: the destination JVM, the loader (this process), everything else. */
  readonly cores: Record<string, number>;
  readonly otherCores: number;
  /** CPU ms per 1,000 items written, per process. */
  readonly cpuMsPer1k: Record<string, number>;
}

export interface RawResult {
  readonly levels: readonly RawLevel[];
  readonly best: RawLevel;
}

export async function measureRawSink(
  options: { records: number; concurrency: readonly number[]; warmupItems: number },
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<RawResult> {
  const levels: RawLevel[] = [];
  for (const concurrency of options.concurrency) {
    lifetime.check();
    const instance = await startInstance(`raw-c${concurrency}`, lifetime, 'destination');
    const client = benchClient(instance.endpoint, DEST_REGION);
    try {
      const warmupMs = await warmUp(instance, DEST_REGION, {
        items: options.warmupItems,
        stream: false,
        signal: lifetime.signal,
      });
      await createTable(client, 'bench-raw', TABLE_KEY);
      const requests = putRequests(options.records);
      const meter = new CpuMeter(
        new Map([
          ['destJvm', instance.pid],
          ['loader', process.pid],
        ]),
      );
      const load = await loadItems(client, 'bench-raw', requests, { concurrency, signal: lifetime.signal });
      const cpu = meter.read();
      const level: RawLevel = {
        concurrency,
        items: load.items,
        ms: Math.round(load.ms),
        itemsPerSec: load.itemsPerSec,
        retries: load.retries,
        warmupMs: Math.round(warmupMs),
        cores: cpu.cores,
        otherCores: cpu.otherCores,
        cpuMsPer1k: cpuMsPer1k(cpu.cpuSec, load.items),
      };
      levels.push(level);
      log(
        `raw c=${concurrency}: ${level.items} items in ${level.ms} ms = ${level.itemsPerSec} items/s (cores ${JSON.stringify(cpu.cores)}, other ${cpu.otherCores})`,
      );
    } finally {
      client.destroy();
      await instance.stop();
    }
  }
  const best = levels.reduce((a, b) => (b.itemsPerSec > a.itemsPerSec ? b : a));
  return { levels, best };
}
