// One drain of the `rules` stage: the real CLI replicates a source table's whole stream (already holding N
// records) into a fresh destination table under its own task name, so that every drain of the stage re-reads the
// same stream from the trim horizon with its own lease table. With a filter the destination ends with fewer items
// than records, so the end is when the flush logs account for every record read (their `records` add up to N),
// confirmed by a COUNT of the destination equal to the items expected to pass. A fan-out drain runs the same table
// pair as a one-entry plan whose `destinations:` adds further tables (each confirmed by its own COUNT): the flush
// logs then account for a record once every destination has written it.
import { GetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTable, deleteTableIfExists } from '../src/local/local-tables.js';
import { sleep } from '../src/util/sleep.js';
import { SOURCE_TABLE } from './backlog.js';
import { countItems } from './catch-up.js';
import type { BenchInstance } from './instances.js';
import { DEST_REGION, SOURCE_REGION, TABLE_KEY } from './items.js';
import type { Lifetime } from './lifetime.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { CpuMeter, cpuMsPer1k } from './proc-stats.js';
import { childEnv, ReplicatorChild, type LogEntry } from './replicator-child.js';

export interface RulesDrainOptions {
  /** A, B, ... as the stage names its variants. */
  readonly variant: string;
  /** Flags added to `replicate` (the rules; none for the baseline). */
  readonly ruleArgs: readonly string[];
  /** Stream records in the source table. */
  readonly records: number;
  /** Items the destination must hold at the end. */
  readonly expectedItems: number;
  /** A key whose destination item is read back at the end (to see the transform's attribute). */
  readonly probeKey: Record<string, AttributeValue>;
  readonly taskName: string;
  readonly destTable: string;
  /** Run under `node --cpu-prof` into this directory. */
  readonly profileDir?: string;
  /** Further destination tables (a fan-out through a one-entry plan), each to hold every expected item. */
  readonly fanOutTables?: readonly string[];
  /** Round trip added to every destination request by a proxy (a destination in another region); 0: none. */
  readonly destLatencyMs?: number;
}

export interface RulesDrainResult {
  readonly variant: string;
  readonly taskName: string;
  readonly records: number;
  /** ms from process start. */
  readonly shardReadingMs: number;
  readonly lastFlushMs: number;
  /** Shard reading -> the flush log that accounts for the last record. */
  readonly drainMs: number;
  readonly drainRecordsPerSec: number;
  /** Process start -> that flush log. */
  readonly totalRecordsPerSec: number;
  readonly flushes: number;
  readonly puts: number;
  readonly deletes: number;
  readonly confirmedCount: number;
  /** Attribute names of the probe item at the destination (undefined: not there). */
  readonly probeAttributes: readonly string[] | undefined;
  /** CPU ms per 1,000 records during the drain, per process, and of the replicator over its whole life. */
  readonly drainCpuMsPer1k: Record<string, number>;
  readonly drainCores: Record<string, number>;
  readonly drainOtherCores: number;
  readonly replicatorWholeCpuMsPer1k: number;
  readonly profileFile: string | undefined;
}

async function waitFor<T>(
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

/** The flush log whose `records` bring the sum of the flushes to `records`, if there is one yet. */
function lastFlushOf(logs: readonly LogEntry[], records: number): LogEntry | undefined {
  let sum = 0;
  for (const entry of logs) {
    if (entry.msg !== 'flushed') continue;
    sum += Number(entry.fields.records ?? 0);
    if (sum >= records) return entry;
  }
  return undefined;
}

export async function measureRulesDrain(
  options: RulesDrainOptions,
  instances: { source: BenchInstance; dest: BenchInstance; destClient: DynamoDBClient },
  lifetime: Lifetime,
): Promise<RulesDrainResult> {
  const { source, dest, destClient } = instances;
  const signal = lifetime.signal;
  const fanOutTables = options.fanOutTables ?? [];
  const destTables = [options.destTable, ...fanOutTables];
  await Promise.all(destTables.map((table) => createTable(destClient, table, TABLE_KEY)));
  const planDir = fanOutTables.length === 0 ? undefined : mkdtempSync(join(tmpdir(), 'bench-fan-out-'));
  let child: ReplicatorChild | undefined;
  let proxy: LatencyProxy | undefined;
  try {
    if ((options.destLatencyMs ?? 0) > 0) {
      proxy = await startLatencyProxy(instances.dest.endpoint, options.destLatencyMs ?? 0, lifetime);
    }
    const destEndpoint = proxy?.url ?? dest.endpoint;
    const nodeArgs: string[] = [];
    if (options.profileDir !== undefined) {
      mkdirSync(options.profileDir, { recursive: true });
      nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    }
    const pair =
      planDir === undefined
        ? [
            ...[
              '--source-table',
              SOURCE_TABLE,
              '--source-region',
              SOURCE_REGION,
              '--source-endpoint',
              source.endpoint,
            ],
            ...[
              '--dest-table',
              options.destTable,
              '--dest-region',
              DEST_REGION,
              '--dest-endpoint',
              destEndpoint,
            ],
            ...['--task-name', options.taskName],
          ]
        : [
            '--plan',
            fanOutPlan(planDir, options, destTables, { source: source.endpoint, dest: destEndpoint }),
          ];
    const args = [
      'replicate',
      ...pair,
      ...['--log-level', 'debug', '--log-format', 'json'],
      ...['--progress-interval-ms', '1000'],
      ...options.ruleArgs,
    ];
    // The target of the child's own count (puts + deletes) is not the end here: the flush logs' records are.
    child = new ReplicatorChild(args, { nodeArgs, env: childEnv(), target: options.records, lifetime });
    const replicator = child;
    const t0 = replicator.startedAt;
    const pids = new Map([
      ['replicator', replicator.pid],
      ['sourceJvm', source.pid],
      ['destJvm', dest.pid],
    ]);
    const wholeMeter = new CpuMeter(new Map([['replicator', replicator.pid]]));
    const timeoutMs = 120_000 + options.records * 5;
    const reading = await waitFor('the shard reading', () => replicator.first('shard reading'), {
      timeoutMs,
      intervalMs: 5,
      signal,
      child: replicator,
    });
    const drainMeter = new CpuMeter(pids);
    const last = await waitFor(
      'flush logs to account for every record',
      () => lastFlushOf(replicator.logs, options.records),
      { timeoutMs, intervalMs: 5, signal, child: replicator },
    );
    const drainCpu = drainMeter.read();
    const wholeCpu = wholeMeter.read();
    let confirmedCount = 0;
    for (const table of destTables) {
      confirmedCount = await waitFor(
        `${options.expectedItems} items in ${table}`,
        async () => {
          const count = await countItems(destClient, table, signal);
          return count >= options.expectedItems ? count : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500, signal, child: replicator },
      );
      if (confirmedCount !== options.expectedItems) {
        throw new Error(`${table} holds ${confirmedCount} items, ${options.expectedItems} expected`);
      }
    }
    const probe = await destClient.send(
      new GetItemCommand({ TableName: options.destTable, Key: options.probeKey, ConsistentRead: true }),
      { abortSignal: signal },
    );
    const flushLogs = replicator.logs.filter((e) => e.msg === 'flushed' && e.at <= last.at);
    const sum = (field: string): number => flushLogs.reduce((s, e) => s + Number(e.fields[field] ?? 0), 0);
    await replicator.stop();
    const drainMs = last.at - reading.at;
    const profileFile =
      options.profileDir === undefined
        ? undefined
        : readdirSync(options.profileDir)
            .filter((f) => f.endsWith('.cpuprofile'))
            .map((f) => join(options.profileDir ?? '', f))[0];
    return {
      variant: options.variant,
      taskName: options.taskName,
      records: options.records,
      shardReadingMs: Math.round(reading.at - t0),
      lastFlushMs: Math.round(last.at - t0),
      drainMs: Math.round(drainMs),
      drainRecordsPerSec: Math.round((options.records * 1000) / drainMs),
      totalRecordsPerSec: Math.round((options.records * 1000) / (last.at - t0)),
      flushes: flushLogs.length,
      puts: sum('puts'),
      deletes: sum('deletes'),
      confirmedCount,
      probeAttributes: probe.Item === undefined ? undefined : Object.keys(probe.Item).sort(),
      drainCpuMsPer1k: cpuMsPer1k(drainCpu.cpuSec, options.records),
      drainCores: drainCpu.cores,
      drainOtherCores: drainCpu.otherCores,
      replicatorWholeCpuMsPer1k: cpuMsPer1k(wholeCpu.cpuSec, options.records).replicator ?? 0,
      profileFile,
    };
  } finally {
    await child?.stop();
    await proxy?.close();
    // Each drain leaves the destination instance as it found it: no table of a previous drain grows its state.
    await Promise.all(
      destTables.map((table) => deleteTableIfExists(destClient, table).catch(() => undefined)),
    );
    if (planDir !== undefined) rmSync(planDir, { recursive: true, force: true });
  }
}

/** The one-entry plan of a fan-out drain: the same pair as a plain drain, every destination without rules. */
function fanOutPlan(
  dir: string,
  options: RulesDrainOptions,
  destTables: readonly string[],
  endpoints: { source: string; dest: string },
): string {
  const file = join(dir, 'plan.json');
  writeFileSync(
    file,
    JSON.stringify({
      replications: [
        {
          source: { table: SOURCE_TABLE, region: SOURCE_REGION, endpoint: endpoints.source },
          taskName: options.taskName,
          destinations: destTables.map((table) => ({
            table,
            region: DEST_REGION,
            endpoint: endpoints.dest,
          })),
        },
      ],
    }),
  );
  return file;
}
