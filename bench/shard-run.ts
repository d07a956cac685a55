// One measurement of the shards stage: a scripted backlog of N records over S shards on the stream server, a
// fresh warmed-up destination, and W worker CLI processes started together with the same task (lease table on
// the shared source instance). Timed from the first spawn to the destination holding all N items (the flush
// logs of all workers add up to N, then a COUNT confirms). Also: CPU per process, items each worker wrote,
// leases each one took, and who owns which lease at the end (from the lease table).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable, scanAll } from '../src/local/local-tables.js';
import { DEST_TABLE, SOURCE_TABLE } from './backlog.js';
import { countItems } from './catch-up.js';
import { awaitFleetDrain, firstWriteAt, keepWorkerLogs, warnings } from './fleet-drain.js';
import { startInstance, warmUp, type BenchInstance } from './instances.js';
import { benchClient, DEST_REGION, SOURCE_REGION, TABLE_KEY } from './items.js';
import type { Lifetime } from './lifetime.js';
import { CpuMeter, cpuMsPer1k } from './proc-stats.js';
import { childEnv, ReplicatorChild } from './replicator-child.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { serveScriptedBacklog } from './scripted-backlog.js';

export interface ShardRunOptions {
  readonly shards: number;
  readonly workers: number;
  readonly records: number;
  /** Delay of every stream call (0: answered at once). */
  readonly latencyMs: number;
  /** Round trip added to every destination request by a proxy (0: the workers write to it directly). */
  readonly destLatencyMs: number;
  readonly warmupItems: number;
  /** Where the JSON logs of the workers of a run with warnings are kept (to tell what moved the leases). */
  readonly logDir: string;
}

export interface WorkerFigures {
  readonly workerId: string;
  /** Puts its flush logs reported (more than its share if a lease moved and records were read again). */
  readonly written: number;
  readonly leasesTaken: number;
  readonly handedOver: number;
  /** Leases it owns in the lease table at the end. */
  readonly leasesAtEnd: number;
  readonly cores: number;
  /** Warn-level log lines by message (and reason), e.g. 'lease lost: not renewed within the failover time'. */
  readonly warnings: Record<string, number>;
}

export interface ShardRunResult extends ShardRunOptions {
  readonly perShard: readonly number[];
  readonly totalMs: number;
  /** From the start of the first flush of any worker to the end: the rate once the fleet is writing. */
  readonly drainMs: number;
  readonly itemsPerSec: number;
  readonly drainItemsPerSec: number;
  readonly confirmedCount: number;
  readonly workerFigures: readonly WorkerFigures[];
  /** Cores of the destination JVM, the source JVM (lease table), this process (stream server), all workers. */
  readonly cores: Record<string, number>;
  readonly otherCores: number;
  readonly machineBusyCores: number;
  /** CPU ms per 1,000 items over the whole run, per process (w1.. the workers) and in total. */
  readonly cpuMsPer1k: Record<string, number>;
  readonly streamCalls: Record<string, number>;
  /** Records the stream server served (more than N when some were read twice). */
  readonly recordsServed: number;
}

export async function measureShardRun(
  options: ShardRunOptions,
  sourceInstance: BenchInstance,
  sourceClient: DynamoDBClient,
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<ShardRunResult> {
  const signal = lifetime.signal;
  const dest = await startInstance(
    `shards s${options.shards} w${options.workers} destination`,
    lifetime,
    'destination',
  );
  const destClient = benchClient(dest.endpoint, DEST_REGION);
  const children: ReplicatorChild[] = [];
  let closeBacklog: (() => Promise<void>) | undefined;
  let proxy: LatencyProxy | undefined;
  try {
    await warmUp(dest, DEST_REGION, { items: options.warmupItems, stream: false, signal });
    await createTable(destClient, DEST_TABLE, TABLE_KEY);
    const backlog = await serveScriptedBacklog(sourceClient, SOURCE_TABLE, options, lifetime);
    closeBacklog = backlog.close;
    if (options.destLatencyMs > 0) {
      proxy = await startLatencyProxy(dest.endpoint, options.destLatencyMs, lifetime);
    }
    const destEndpoint = proxy?.url ?? dest.endpoint;
    const task = `benchshards${Date.now()}`;
    const env = childEnv();
    const argsFor = (workerId: string): string[] => [
      'replicate',
      ...['--source-table', SOURCE_TABLE, '--source-region', SOURCE_REGION],
      ...['--source-endpoint', sourceInstance.endpoint, '--source-streams-endpoint', backlog.url],
      ...['--dest-table', DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', destEndpoint],
      ...['--task-name', task, '--worker-id', workerId],
      // debug: the flush logs are what counts the items written (as in the catch-up measurement).
      ...['--log-level', 'debug', '--log-format', 'json', '--progress-interval-ms', '0'],
    ];
    for (let i = 1; i <= options.workers; i++) {
      children.push(
        new ReplicatorChild(argsFor(`w${i}`), { nodeArgs: [], env, target: options.records, lifetime }),
      );
    }
    const t0 = Math.min(...children.map((c) => c.startedAt));
    const pids = new Map<string, number>([
      ['destJvm', dest.pid],
      ['sourceJvm', sourceInstance.pid],
      ['streamServer', process.pid],
      ...children.map((c, i): [string, number] => [`w${i + 1}`, c.pid]),
    ]);
    const meter = new CpuMeter(pids);
    const deadline = performance.now() + 120_000 + options.records * 5;
    const { confirmedAt, confirmedCount } = await awaitFleetDrain(children, {
      records: options.records,
      deadline,
      count: (signal) => countItems(destClient, DEST_TABLE, signal),
      lifetime,
    });
    const cpu = meter.read();
    const leases = await scanAll(sourceClient, `DynamoDBCrossRegionReplication${task}`);
    const firstWrite = firstWriteAt(children);
    const totalMs = confirmedAt - t0;
    const drainMs = confirmedAt - firstWrite;
    const workerFigures = children.map((c, i): WorkerFigures => {
      const workerId = `w${i + 1}`;
      return {
        workerId,
        written: c.written,
        leasesTaken: c.logs.filter((e) => e.msg === 'lease taken').length,
        handedOver: c.logs.filter((e) => e.msg === 'handing lease over').length,
        leasesAtEnd: leases.filter((l) => l.leaseOwner?.S === workerId).length,
        cores: cpu.cores[workerId] ?? 0,
        warnings: warnings(c),
      };
    });
    const runName = `shards-${runLabel(options)}-${task}`.replace(/ /g, '-');
    if (workerFigures.some((w) => Object.keys(w.warnings).length > 0)) {
      log(`worker logs of this run written to ${keepWorkerLogs(children, options.logDir, runName)}`);
    }
    const workersCores = workerFigures.reduce((sum, w) => sum + w.cores, 0);
    const streamCalls: Record<string, number> = {};
    for (const op of ['DescribeStream', 'GetShardIterator', 'GetRecords'] as const) {
      streamCalls[op] = backlog.server.log.count(op, 'ok');
    }
    log(
      `shards: ${runLabel(options)}: ${Math.round((options.records * 1000) / totalMs)} items/s (written ${workerFigures.map((w) => w.written).join('/')}, leases at end ${workerFigures.map((w) => w.leasesAtEnd).join('/')})`,
    );
    return {
      ...options,
      perShard: backlog.perShard,
      totalMs: Math.round(totalMs),
      drainMs: Math.round(drainMs),
      itemsPerSec: Math.round((options.records * 1000) / totalMs),
      drainItemsPerSec: Math.round((options.records * 1000) / drainMs),
      confirmedCount,
      workerFigures,
      cores: {
        destJvm: cpu.cores.destJvm ?? 0,
        sourceJvm: cpu.cores.sourceJvm ?? 0,
        streamServer: cpu.cores.streamServer ?? 0,
        workers: Math.round(workersCores * 100) / 100,
      },
      otherCores: cpu.otherCores,
      machineBusyCores: cpu.machineBusyCores,
      cpuMsPer1k: cpuMsPer1k(cpu.cpuSec, options.records),
      streamCalls,
      recordsServed: backlog.server.log.recordsServed(),
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await proxy?.close();
    await closeBacklog?.();
    destClient.destroy();
    await dest.stop();
  }
}

/** e.g. "stream 50ms dest 0ms s4 w2". */
export function runLabel(
  run: Pick<ShardRunOptions, 'latencyMs' | 'destLatencyMs' | 'shards' | 'workers'>,
): string {
  return `stream ${run.latencyMs}ms dest ${run.destLatencyMs}ms s${run.shards} w${run.workers}`;
}
