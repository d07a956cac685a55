// A fresh DynamoDB Local for each measurement (startDynamoDbLocal, database on /dev/shm), owned by the
// benchmark's lifetime so it is always stopped, and warmed up (src/local/warm-up.ts, shared with the demo): the
// JVM is several times slower for its first few thousand requests (shared/DYNAMODB-LOCAL.md), so scratch tables
// take that cost before any timing.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from '../src/local/dynamodb-local.js';
import { warmUp as warmUpLocal, type WarmUpOptions } from '../src/local/warm-up.js';
import { makeItem } from './items.js';
import { placeInstance, type InstanceRole } from './cpu-isolation.js';
import type { Lifetime } from './lifetime.js';

export interface BenchInstance {
  readonly name: string;
  readonly endpoint: string;
  readonly pid: number;
  readonly stop: () => Promise<void>;
}

export async function startInstance(
  name: string,
  lifetime: Lifetime,
  role: InstanceRole = 'other',
): Promise<BenchInstance> {
  lifetime.check();
  const dbPath = mkdtempSync(join('/dev/shm', 'ddb-bench-'));
  let local: DynamoDbLocal;
  try {
    local = await startDynamoDbLocal({ dbPath });
  } catch (err) {
    rmSync(dbPath, { recursive: true, force: true });
    throw err;
  }
  const pid = local.pid ?? 0;
  const stop = lifetime.own(
    `DynamoDB Local ${name}`,
    async () => {
      try {
        await local.stop();
      } finally {
        rmSync(dbPath, { recursive: true, force: true });
      }
    },
    () => {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dbPath, { recursive: true, force: true });
    },
  );
  // After lifetime.own: a failure to pin still stops the instance.
  if (pid > 0) placeInstance(pid, role);
  return { name, endpoint: local.endpoint, pid, stop };
}

/**
 * The shared warm-up (src/local/warm-up.ts) with the benchmark's item, so that the JVM compiles the paths of the
 * bytes it will measure. Returns the duration in ms.
 */
export async function warmUp(
  instance: BenchInstance,
  region: string,
  options: Omit<WarmUpOptions, 'item' | 'afterPut'>,
): Promise<number> {
  return warmUpLocal(instance.endpoint, region, { ...options, item: makeItem });
}
