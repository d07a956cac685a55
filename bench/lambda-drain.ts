// One drain of the `lambda` stage by the Lambda handler: lambda-child.ts in its own process (the handler under the
// stand-in event source mapping) replicates the source table's whole stream into a fresh destination table on
// the destination instance; timed from the mapping's start to the last batch acknowledged, confirmed by a COUNT
// of the destination; CPU of the child (its own count, over that span) and of both JVMs (from the mapping's start
// to the child's last message). The destination table is deleted afterwards, as the CLI's drains leave it.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, deleteTableIfExists } from '../src/local/local-tables.js';
import { SOURCE_TABLE } from './backlog.js';
import { countItems } from './catch-up.js';
import type { BenchInstance } from './instances.js';
import { TABLE_KEY } from './items.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import type { LambdaChildArgs, LambdaChildMessage } from './lambda-child.js';
import type { Lifetime } from './lifetime.js';
import { spread, type Spread } from './percentiles.js';
import { CpuMeter, cpuMsPer1k } from './proc-stats.js';
import { childEnv } from './replicator-child.js';

const CHILD = join(fileURLToPath(new URL('.', import.meta.url)), 'lambda-child.js');

export interface LambdaDrainResult {
  readonly records: number;
  readonly drainMs: number;
  readonly drainRecordsPerSec: number;
  readonly invocations: number;
  readonly batchSizes: Spread;
  /** The handler's duration per batch (the stand-in's call to its answer), ms, over every invocation. */
  readonly batchMs: Spread;
  readonly notSuccessful: number;
  readonly discarded: number;
  readonly confirmedCount: number;
  readonly drainCpuMsPer1k: Record<string, number>;
  readonly drainOtherCores: number;
  readonly stderrFile: string;
}

export async function measureLambdaDrain(
  options: {
    records: number;
    destTable: string;
    batchSize: number;
    outDir: string;
    /** Round trip added to every destination request by a proxy (a destination in another region); 0: none. */
    destLatencyMs?: number;
  },
  instances: { source: BenchInstance; dest: BenchInstance; destClient: DynamoDBClient },
  lifetime: Lifetime,
): Promise<LambdaDrainResult> {
  const { source, dest, destClient } = instances;
  await createTable(destClient, options.destTable, TABLE_KEY);
  const stderrFile = join(options.outDir, `lambda-${options.destTable}-${Date.now()}.log`);
  const proxy: LatencyProxy | undefined =
    (options.destLatencyMs ?? 0) > 0
      ? await startLatencyProxy(dest.endpoint, options.destLatencyMs ?? 0, lifetime)
      : undefined;
  const stderr = openSync(stderrFile, 'w');
  const args: LambdaChildArgs = {
    sourceEndpoint: source.endpoint,
    destEndpoint: proxy?.url ?? dest.endpoint,
    sourceTable: SOURCE_TABLE,
    destTable: options.destTable,
    records: options.records,
    batchSize: options.batchSize,
    // A generous function timeout: the drain measures throughput, not timeouts.
    functionTimeoutMs: 60_000,
  };
  // stdout (the handler's embedded-metric lines) goes nowhere; stderr (its JSON log lines) to a file.
  const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], {
    // The SDK's Node-20 notice, silenced as the CLI's bin does for itself.
    env: childEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }),
    stdio: ['ignore', 'ignore', stderr, 'ipc'],
  });
  const release = lifetime.own(
    `lambda child ${child.pid}`,
    () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      return Promise.resolve();
    },
    () => child.kill('SIGKILL'),
  );
  try {
    let meter: CpuMeter | undefined;
    const done = await new Promise<Extract<LambdaChildMessage, { phase: 'done' }>>((resolve, reject) => {
      const onAbort = (): void => reject(new Error('interrupted'));
      lifetime.signal.addEventListener('abort', onAbort, { once: true });
      child.on('message', (message: LambdaChildMessage) => {
        if (message.phase === 'draining') {
          meter = new CpuMeter(
            new Map([
              ['lambda', child.pid ?? 0],
              ['sourceJvm', source.pid],
              ['destJvm', dest.pid],
            ]),
          );
        } else if (message.phase === 'done') resolve(message);
        else reject(new Error(`lambda child failed: ${message.error} (its log: ${stderrFile})`));
      });
      child.on('exit', (code) => reject(new Error(`lambda child exited ${code} (its log: ${stderrFile})`)));
    });
    const jvms = meter?.read();
    const confirmedCount = await countItems(destClient, options.destTable, lifetime.signal);
    if (confirmedCount !== options.records) {
      throw new Error(`${options.destTable} holds ${confirmedCount} items, ${options.records} expected`);
    }
    const drainMs = done.endedAt - done.startedAt;
    return {
      records: options.records,
      drainMs: Math.round(drainMs),
      drainRecordsPerSec: Math.round((options.records * 1000) / drainMs),
      invocations: done.invocations.length,
      batchSizes: spread(done.invocations.map((i) => i.size)),
      batchMs: spread(done.invocations.map((i) => i.ms)),
      notSuccessful: done.invocations.filter((i) => i.outcome !== 'success').length,
      discarded: done.discarded,
      confirmedCount,
      // The child's own count over its span (the meter's sample of it ends a little later, at the message).
      drainCpuMsPer1k: cpuMsPer1k({ ...(jvms?.cpuSec ?? {}), lambda: done.cpuSec }, options.records),
      drainOtherCores: jvms?.otherCores ?? Number.NaN,
      stderrFile,
    };
  } finally {
    await release();
    await proxy?.close();
    closeSync(stderr);
    await deleteTableIfExists(destClient, options.destTable).catch(() => undefined);
  }
}
