// Stage `shards`: does adding workers add throughput until the destination is the limit? A backlog over 1, 4
// and 16 shards on the controlled stream endpoint, drained by 1, 2 and 4 worker processes sharing a lease table,
// each into a fresh destination, against the raw BatchWriteItem ceiling of the same kind of destination measured
// before and after the grid. Run twice: with the stream server answering at once, and with a per-call latency
// like a remote DynamoDB Streams endpoint (where one reader per shard waits on the network, and more workers
// could hide that wait). CPU per process says what the two shared cores were spent on.
import { createTable } from '../src/local/local-tables.js';
import { SOURCE_TABLE } from './backlog.js';
import { startInstance, warmUp } from './instances.js';
import { benchClient, SOURCE_REGION, TABLE_KEY } from './items.js';
import { measureRawSink } from './raw-sink.js';
import { ratio, table } from './report.js';
import { measureShardRun, type ShardRunResult } from './shard-run.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

const SHARDS = [1, 4, 16] as const;
const WORKERS = [1, 2, 4] as const;
/** Tens of ms, as a GetRecords call to DynamoDB Streams in another region (or a busy one) takes. */
const REMOTE_LATENCY_MS = 50;
/** The replicator's default --write-concurrency, so the raw loader has as many requests in flight as one worker. */
const RAW_CONCURRENCY = [8, 16];

async function run(ctx: StageContext): Promise<StageResult> {
  const { lifetime, log } = ctx;
  const records = ctx.quick ? 1_000 : 20_000;
  const warmupItems = ctx.quick ? 1_000 : 4_000;
  const latencies = [0, REMOTE_LATENCY_MS];

  log(`shards: raw ceiling before the grid, ${records} items at ${RAW_CONCURRENCY.join(', ')} in flight`);
  const rawBefore = await measureRawSink(
    { records, concurrency: ctx.quick ? [16] : RAW_CONCURRENCY, warmupItems },
    lifetime,
    log,
  );

  // One source instance for the whole stage: it only holds the source table's description (for the startup
  // checks) and the lease tables, a fresh one per measurement (task name), a few dozen small items each.
  const source = await startInstance('shards source', lifetime);
  const sourceClient = benchClient(source.endpoint, SOURCE_REGION);
  const runs: ShardRunResult[] = [];
  try {
    await warmUp(source, SOURCE_REGION, { items: 500, stream: false, signal: lifetime.signal });
    await createTable(sourceClient, SOURCE_TABLE, TABLE_KEY, 'NEW_AND_OLD_IMAGES');
    for (const latencyMs of latencies) {
      for (const shards of SHARDS) {
        for (const workers of WORKERS) {
          lifetime.check();
          log(
            `shards: ${shards} shards, ${workers} workers, stream latency ${latencyMs} ms, ${records} records`,
          );
          runs.push(
            await measureShardRun(
              { shards, workers, records, latencyMs, warmupItems, logDir: ctx.outDir },
              source,
              sourceClient,
              lifetime,
              log,
            ),
          );
        }
      }
    }
  } finally {
    sourceClient.destroy();
    await source.stop();
  }

  log(`shards: raw ceiling after the grid at ${rawBefore.best.concurrency} in flight`);
  const rawAfter = await measureRawSink(
    { records, concurrency: [rawBefore.best.concurrency], warmupItems },
    lifetime,
    log,
  );
  const rawItemsPerSec = Math.round((rawBefore.best.itemsPerSec + rawAfter.best.itemsPerSec) / 2);
  return {
    lines: describe(runs, latencies, {
      records,
      rawBefore: rawBefore.best.itemsPerSec,
      rawAfter: rawAfter.best.itemsPerSec,
      rawItemsPerSec,
      earlierRaw: ctx.rawItemsPerSec,
    }),
    figures: {
      records,
      latenciesMs: latencies,
      raw: { before: rawBefore, after: rawAfter, meanItemsPerSec: rawItemsPerSec },
      runs,
    },
  };
}

function describe(
  runs: readonly ShardRunResult[],
  latencies: readonly number[],
  raw: {
    records: number;
    rawBefore: number;
    rawAfter: number;
    rawItemsPerSec: number;
    earlierRaw: number | undefined;
  },
): string[] {
  const lines: string[] = [
    `backlog ${raw.records} records (INSERTs of ~200-byte items) scripted into the stream server's shards; fresh destination per run;`,
    `time from spawning the workers to the destination holding every item. Raw ceiling (bare BatchWriteItem loader, fresh`,
    `destination): ${raw.rawBefore} items/s before the grid, ${raw.rawAfter} after, mean ${raw.rawItemsPerSec}${raw.earlierRaw === undefined ? '' : ` (raw stage of this run: ${raw.earlierRaw})`}.`,
  ];
  const find = (latencyMs: number, shards: number, workers: number): ShardRunResult | undefined =>
    runs.find((r) => r.latencyMs === latencyMs && r.shards === shards && r.workers === workers);
  for (const latencyMs of latencies) {
    lines.push(
      '',
      latencyMs === 0
        ? 'A. stream server answers at once (local): items/s from start, (ratio to the raw ceiling)'
        : `B. every stream call delayed ${latencyMs} ms (like a remote DynamoDB Streams endpoint): items/s from start, (ratio to the raw ceiling)`,
    );
    const rows = SHARDS.map((shards) => [
      `${shards} shard${shards === 1 ? '' : 's'}`,
      ...WORKERS.map((workers) => {
        const r = find(latencyMs, shards, workers);
        return r === undefined
          ? '-'
          : `${r.itemsPerSec} (${ratio(r.itemsPerSec, raw.rawItemsPerSec).toFixed(2)})`;
      }),
    ]);
    lines.push(...table(['', ...WORKERS.map((w) => `${w} worker${w === 1 ? '' : 's'}`)], rows).split('\n'));
  }
  lines.push(
    '',
    'Per run: drain = start of the first flush -> last item; written / leases taken / leases owned at the end per worker;',
  );
  lines.push(
    'cores over the run (2 cores in all): destination JVM, source JVM (lease table), stream server (bench process), workers, other;',
    'CPU ms per 1,000 items: destination JVM, all workers, all of ours (on a saturated machine, throughput ~ cores / CPU per item).',
  );
  const detail = runs.map((r) => [
    `${r.latencyMs}ms s${r.shards} w${r.workers}`,
    r.itemsPerSec,
    r.drainItemsPerSec,
    r.workerFigures.map((w) => w.written).join('/'),
    r.workerFigures.map((w) => w.leasesTaken).join('/'),
    r.workerFigures.map((w) => w.leasesAtEnd).join('/'),
    r.recordsServed,
    r.cores.destJvm?.toFixed(2) ?? '-',
    r.cores.sourceJvm?.toFixed(2) ?? '-',
    r.cores.streamServer?.toFixed(2) ?? '-',
    r.cores.workers?.toFixed(2) ?? '-',
    r.otherCores.toFixed(2),
    r.cpuMsPer1k.destJvm ?? '-',
    r.workerFigures.reduce((sum, w) => sum + (r.cpuMsPer1k[w.workerId] ?? 0), 0),
    r.cpuMsPer1k.total ?? '-',
  ]);
  lines.push(
    ...table(
      [
        'run',
        'items/s',
        'drain/s',
        'written',
        'taken',
        'owned',
        'served',
        'dest',
        'src',
        'server',
        'workers',
        'other',
        'cpu dest',
        'cpu workers',
        'cpu all',
      ],
      detail,
    ).split('\n'),
  );
  // Lost leases and retries explain re-read records ('served' above N) and a worker that wrote nothing.
  for (const r of runs) {
    for (const w of r.workerFigures) {
      if (Object.keys(w.warnings).length === 0) continue;
      lines.push(
        `warnings ${r.latencyMs}ms s${r.shards} w${r.workers}, ${w.workerId}: ${JSON.stringify(w.warnings)}`,
      );
    }
  }
  return lines;
}

export const SHARDS_STAGE: BenchStage = {
  name: 'shards',
  title: 'Several shards: throughput with 1, 4, 16 shards and 1, 2, 4 workers',
  run,
};
