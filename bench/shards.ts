// Stage `shards`: does adding workers add throughput until the destination is the limit? A backlog over 1, 4
// and 16 shards on the controlled stream endpoint, drained by 1, 2 and 4 worker processes sharing a lease table,
// each into a fresh destination, against the raw BatchWriteItem ceiling of the same kind of destination measured
// before and after the grid. Run three times: with the stream server answering at once; with a per-call latency
// like a remote DynamoDB Streams endpoint (where one reader per shard waits on the network, and more workers
// could hide that wait); and with the destination a continent away (a round trip on every write, so one worker's
// requests in flight bound its rate, as against real DynamoDB, and the destination's own limit is further off).
// CPU per process says what the two shared cores were spent on.
import { createTable } from '../src/local/local-tables.js';
import { SOURCE_TABLE } from './backlog.js';
import { startInstance, warmUp } from './instances.js';
import { benchClient, SOURCE_REGION, TABLE_KEY } from './items.js';
import { measureRawSink } from './raw-sink.js';
import { ratio, table } from './report.js';
import { measureShardRun, runLabel, type ShardRunResult } from './shard-run.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

const SHARDS = [1, 4, 16] as const;
const WORKERS = [1, 2, 4] as const;
/** Tens of ms, as a GetRecords call to DynamoDB Streams in another region (or a busy one) takes. */
const REMOTE_LATENCY_MS = 50;
/** A round trip between continents (us-east-1 to ap-southeast-2 is about 200 ms). */
const FAR_DESTINATION_MS = 200;

interface Variant {
  /** Delay of every stream call. */
  readonly streamMs: number;
  /** Round trip added to every destination request. */
  readonly destMs: number;
  /** Backlog size against the stage's base: a far destination drains slowly, and a short run would be mostly
   *  its first seconds (process start, the workers sharing out the leases). */
  readonly backlogFactor: number;
  readonly title: string;
}

const VARIANTS: readonly Variant[] = [
  {
    streamMs: 0,
    destMs: 0,
    backlogFactor: 1,
    title: 'A. stream server and destination answer at once (local)',
  },
  {
    streamMs: REMOTE_LATENCY_MS,
    destMs: 0,
    backlogFactor: 1,
    title: `B. every stream call delayed ${REMOTE_LATENCY_MS} ms (like a remote DynamoDB Streams endpoint)`,
  },
  {
    streamMs: 0,
    destMs: FAR_DESTINATION_MS,
    backlogFactor: 3,
    title: `C. every destination request delayed ${FAR_DESTINATION_MS} ms (a destination on another continent)`,
  },
];
/** The replicator's default --write-concurrency, so the raw loader has as many requests in flight as one worker. */
const RAW_CONCURRENCY = [8, 16];

async function run(ctx: StageContext): Promise<StageResult> {
  const { lifetime, log } = ctx;
  const records = ctx.quick ? 1_000 : 20_000;
  const warmupItems = ctx.quick ? 1_000 : 4_000;

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
    for (const variant of VARIANTS) {
      for (const shards of SHARDS) {
        for (const workers of WORKERS) {
          lifetime.check();
          const latencyMs = variant.streamMs;
          const destLatencyMs = variant.destMs;
          const backlog = records * variant.backlogFactor;
          log(`shards: ${runLabel({ latencyMs, destLatencyMs, shards, workers })}, ${backlog} records`);
          runs.push(
            await measureShardRun(
              {
                shards,
                workers,
                records: backlog,
                latencyMs,
                destLatencyMs,
                warmupItems,
                logDir: ctx.outDir,
              },
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
    lines: describe(runs, {
      records,
      rawBefore: rawBefore.best.itemsPerSec,
      rawAfter: rawAfter.best.itemsPerSec,
      rawItemsPerSec,
      earlierRaw: ctx.rawItemsPerSec,
    }),
    figures: {
      records,
      variants: VARIANTS,
      raw: { before: rawBefore, after: rawAfter, meanItemsPerSec: rawItemsPerSec },
      runs,
    },
  };
}

function describe(
  runs: readonly ShardRunResult[],
  raw: {
    records: number;
    rawBefore: number;
    rawAfter: number;
    rawItemsPerSec: number;
    earlierRaw: number | undefined;
  },
): string[] {
  const lines: string[] = [
    `backlog ${raw.records} records (INSERTs of ~200-byte items; x${VARIANTS.map((v) => v.backlogFactor).join('/x')} in variants ${VARIANTS.map((v) => v.title.slice(0, 1)).join('/')}) scripted into the stream server's shards; fresh destination per run;`,
    `time from spawning the workers to the destination holding every item. Raw ceiling (bare BatchWriteItem loader, fresh`,
    `destination): ${raw.rawBefore} items/s before the grid, ${raw.rawAfter} after, mean ${raw.rawItemsPerSec}${raw.earlierRaw === undefined ? '' : ` (raw stage of this run: ${raw.earlierRaw})`}.`,
  ];
  const find = (variant: Variant, shards: number, workers: number): ShardRunResult | undefined =>
    runs.find(
      (r) =>
        r.latencyMs === variant.streamMs &&
        r.destLatencyMs === variant.destMs &&
        r.shards === shards &&
        r.workers === workers,
    );
  for (const variant of VARIANTS) {
    lines.push(
      '',
      `${variant.title}, ${raw.records * variant.backlogFactor} records: items/s from start, (ratio to the raw ceiling)`,
    );
    const rows = SHARDS.map((shards) => [
      `${shards} shard${shards === 1 ? '' : 's'}`,
      ...WORKERS.map((workers) => {
        const r = find(variant, shards, workers);
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
    runLabel(r),
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
      lines.push(`warnings ${runLabel(r)}, ${w.workerId}: ${JSON.stringify(w.warnings)}`);
    }
  }
  return lines;
}

export const SHARDS_STAGE: BenchStage = {
  name: 'shards',
  title: 'Several shards: throughput with 1, 4, 16 shards and 1, 2, 4 workers',
  run,
};
