// Measurement 2 (and 3), catch-up: N stream records are written into a source table with a NEW_AND_OLD_IMAGES
// stream on one fresh instance, then the real CLI replicates them into an empty table on another fresh instance.
// Timed from process start to the destination holding all N items (flush logs, then confirmed by a COUNT scan):
// startup cost (start -> first item), drain rate (first item -> last), CPU per process, peak RSS, SDK trace.
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../src/util/sleep.js';
import { DEST_TABLE, prepareBacklog, SOURCE_TABLE } from './backlog.js';
import { DEST_REGION, itemSizeBytes, makeItem, SOURCE_REGION } from './items.js';
import type { Lifetime } from './lifetime.js';
import { MemorySampler, type MemoryResult } from './measure-memory.js';
import { CpuMeter, cpuMsPer1k, CpuTimeline } from './proc-stats.js';
import { summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { childEnv, now, ReplicatorChild } from './replicator-child.js';
import type { TraceFile } from './trace-hook.js';
import { summarizeTrace, type TraceSummary } from './trace-summary.js';

export interface CatchUpOptions {
  readonly records: number;
  readonly warmupItems: number;
  readonly replicatorArgs: readonly string[];
  readonly writeConcurrency: number;
  readonly profile: boolean;
  readonly trace: boolean;
  /** Where traces and profiles go (bench-results/...). */
  readonly outDir: string;
}

export interface CatchUpResult {
  readonly records: number;
  readonly itemBytes: number;
  readonly backlogLoad: { readonly itemsPerSec: number; readonly chunkRates: readonly number[] };
  /** ms from process start. */
  readonly milestones: Record<string, number>;
  readonly startupMs: number;
  readonly totalMs: number;
  readonly drainMs: number;
  readonly itemsPerSec: number;
  readonly drainItemsPerSec: number;
  readonly confirmedCount: number;
  readonly flushes: {
    readonly count: number;
    readonly records: readonly number[];
    readonly durationMs: readonly number[];
  };
  /** Cores used per process from process start to first item, and from first item to the last. */
  readonly startupCores: Record<string, number>;
  readonly drainCores: Record<string, number>;
  readonly drainOtherCores: number;
  /** CPU ms per 1,000 items during the drain, per process. */
  readonly drainCpuMsPer1k: Record<string, number>;
  readonly memory: MemoryResult;
  readonly trace: TraceSummary | undefined;
  /** Cores per process while the reader was still fetching the backlog, and after (from the trace's times). */
  readonly phaseCores:
    | { readonly whileReading: Record<string, number>; readonly afterReading: Record<string, number> }
    | undefined;
  readonly profile: ProfileSummary | undefined;
  readonly exit: string;
}

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

export async function countItems(
  client: DynamoDBClient,
  table: string,
  signal: AbortSignal,
): Promise<number> {
  let count = 0;
  let startKey: Record<string, never> | undefined;
  for (let pages = 0; pages < 100_000; pages++) {
    const out = await client.send(
      new ScanCommand({
        TableName: table,
        Select: 'COUNT',
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
      { abortSignal: signal },
    );
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey as Record<string, never> | undefined;
    if (startKey === undefined) break;
  }
  return count;
}

async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs: number; signal: AbortSignal; child: ReplicatorChild },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  while (!options.signal.aborted) {
    const value = await check();
    if (value !== undefined) return value;
    if (!options.child.running) {
      throw new Error(`replicator exited while waiting for ${what}: ${options.child.problems().join('\n')}`);
    }
    if (performance.now() > deadline)
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await sleep(options.intervalMs, options.signal);
  }
  throw new Error('interrupted');
}

export async function measureCatchUp(
  options: CatchUpOptions,
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<CatchUpResult> {
  const signal = lifetime.signal;
  const prepared = await prepareBacklog('catch-up', options, lifetime, log);
  const { source, dest, destClient, load: backlog } = prepared;
  let child: ReplicatorChild | undefined;
  let samplers: { stop(): unknown }[] = [];
  try {
    const stamp = `${Date.now()}`;
    mkdirSync(options.outDir, { recursive: true });
    const traceFile = join(options.outDir, `trace-${options.records}-${stamp}.json`);
    const profileDir = join(options.outDir, `profile-${options.records}-${stamp}`);
    const nodeArgs: string[] = [];
    if (options.trace) nodeArgs.push('--import', join(BENCH_DIR, 'trace-hook.js'));
    if (options.profile) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
    const args = [
      'replicate',
      ...[
        '--source-table',
        SOURCE_TABLE,
        '--source-region',
        SOURCE_REGION,
        '--source-endpoint',
        source.endpoint,
      ],
      ...['--dest-table', DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', dest.endpoint],
      ...['--task-name', `bench${stamp}`, '--log-level', 'debug', '--log-format', 'json'],
      ...['--progress-interval-ms', '1000'],
      ...options.replicatorArgs,
    ];
    const env = childEnv(options.trace ? { BENCH_TRACE_FILE: traceFile } : {});
    child = new ReplicatorChild(args, { nodeArgs, env, target: options.records, lifetime });
    const replicator = child;
    const t0 = replicator.startedAt;
    const startupMeter = new CpuMeter(
      new Map([
        ['replicator', replicator.pid],
        ['sourceJvm', source.pid],
        ['destJvm', dest.pid],
      ]),
    );
    const memory = new MemorySampler(replicator.pid);
    const timeline = new CpuTimeline(
      new Map([
        ['replicator', replicator.pid],
        ['sourceJvm', source.pid],
        ['destJvm', dest.pid],
      ]),
    );
    samplers = [memory, timeline];
    const timeoutMs = 120_000 + options.records * 5;

    // Scan Limit 1 is cheap (one item): it tells when the first item landed without loading the destination.
    const firstItemAt = await waitUntil(
      'the first item in the destination',
      async () => {
        const out = await destClient.send(
          new ScanCommand({ TableName: DEST_TABLE, Limit: 1, Select: 'COUNT' }),
        );
        return (out.Count ?? 0) > 0 ? now() : undefined;
      },
      { timeoutMs, intervalMs: 10, signal, child: replicator },
    );
    const startupCpu = startupMeter.read();
    memory.mark('atFirstItem');
    const drainMeter = new CpuMeter(
      new Map([
        ['replicator', replicator.pid],
        ['sourceJvm', source.pid],
        ['destJvm', dest.pid],
      ]),
    );
    const loggedAt = await waitUntil('flush logs to account for every record', () => replicator.reachedAt, {
      timeoutMs,
      intervalMs: 5,
      signal,
      child: replicator,
    });
    const drainCpu = drainMeter.read();
    memory.mark('atLastFlush');
    // Confirm with a full COUNT. If it is short, keep counting: the end is then the start of the first full count.
    let confirmedAt = loggedAt;
    let short = false;
    const confirmedCount = await waitUntil(
      `${options.records} items in the destination`,
      async () => {
        const countStarted = now();
        const count = await countItems(destClient, DEST_TABLE, signal);
        if (count >= options.records) {
          if (short) confirmedAt = countStarted;
          return count;
        }
        short = true;
        return undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, signal, child: replicator },
    );
    const memoryResult = memory.stop();
    timeline.stop();
    const exit = await replicator.stop();

    const flushLogs = replicator.logs.filter((e) => e.msg === 'flushed');
    const milestone = (msg: string): number | undefined => {
      const entry = replicator.first(msg);
      return entry === undefined ? undefined : Math.round(entry.at - t0);
    };
    const milestones: Record<string, number> = {};
    for (const [name, msg] of [
      ['replicating', 'replicating'],
      ['leaseTaken', 'lease taken'],
      ['shardReading', 'shard reading'],
      ['firstFlushLogged', 'flushed'],
    ] as const) {
      const ms = milestone(msg);
      if (ms !== undefined) milestones[name] = ms;
    }
    milestones.firstItem = Math.round(firstItemAt - t0);

    const endAt = confirmedAt;
    const totalMs = endAt - t0;
    const drainMs = endAt - firstItemAt;
    const trace =
      options.trace && existsSync(traceFile)
        ? summarizeTrace(
            JSON.parse(readFileSync(traceFile, 'utf8')) as TraceFile,
            options.writeConcurrency,
            t0,
          )
        : undefined;
    const profileFile =
      options.profile && existsSync(profileDir)
        ? readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))
        : undefined;
    return {
      records: options.records,
      itemBytes: itemSizeBytes(makeItem(0)),
      backlogLoad: { itemsPerSec: backlog.itemsPerSec, chunkRates: backlog.chunkRates },
      milestones,
      startupMs: Math.round(firstItemAt - t0),
      totalMs: Math.round(totalMs),
      drainMs: Math.round(drainMs),
      itemsPerSec: Math.round((options.records * 1000) / totalMs),
      drainItemsPerSec: Math.round((options.records * 1000) / drainMs),
      confirmedCount,
      flushes: {
        count: flushLogs.length,
        records: flushLogs.map((e) => Number(e.fields.records ?? 0)),
        durationMs: flushLogs.map((e) => Math.round(Number(e.fields.durationMs ?? 0))),
      },
      startupCores: startupCpu.cores,
      drainCores: drainCpu.cores,
      drainOtherCores: drainCpu.otherCores,
      drainCpuMsPer1k: cpuMsPer1k(drainCpu.cpuSec, options.records),
      memory: memoryResult,
      trace,
      phaseCores:
        trace === undefined
          ? undefined
          : {
              whileReading: timeline.coresBetween(trace.at.writeStart, trace.at.lastRead),
              afterReading: timeline.coresBetween(trace.at.lastRead, trace.at.writeEnd),
            },
      profile: profileFile === undefined ? undefined : summarizeProfile(join(profileDir, profileFile)),
      exit: exit.signal ?? String(exit.code),
    };
  } finally {
    for (const sampler of samplers) sampler.stop();
    await child?.stop();
    await prepared.close();
  }
}
