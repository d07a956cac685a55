// Stage `plan`: a replication plan of 50 one-shard tables, each with a backlog (N records between them), drained
// by 1, 2 and 4 worker processes of `replicate --plan` started together, each worker count on fresh source and
// destination instances: items/s from the start against the raw BatchWriteItem ceiling, and the spread of leases
// over the workers 30 s after the start. In the same run, a single-table catch-up of the same N records against
// the same ceiling: running 50 tasks in one process should cost little against one task of the same backlog.
// Targets (from the issue): the one-worker plan within 0.85 of the single-table ratio, and no worker more than one
// lease above its fair share, ceil(50 / workers).
import { measureCatchUp, type CatchUpResult } from './catch-up.js';
import { measurePlanDrain, type PlanDrainResult } from './plan-drain.js';
import { measureRawSink, type RawResult } from './raw-sink.js';
import { ratio, table } from './report.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

const TABLES = 50;
const WORKERS = [1, 2, 4] as const;
const SPREAD_AFTER_MS = 30_000;
/** The one-worker plan's ratio to raw over the single-table catch-up's, at least. */
const TARGET_TO_SINGLE = 0.85;
/** Leases a worker may hold above its fair share, at most. */
const TARGET_ABOVE_FAIR = 1;
/** The replicator's default --write-concurrency and half of it, as the shards stage tries. */
const RAW_CONCURRENCY = [8, 16];

interface Raw {
  readonly itemsPerSec: number;
  /** Where the ceiling comes from: the raw stage of this run, or measured here. */
  readonly from: 'raw stage' | 'this stage';
  readonly measured: RawResult | undefined;
}

async function run(ctx: StageContext): Promise<StageResult> {
  const { lifetime, log } = ctx;
  const records = ctx.records;
  const warmupItems = ctx.quick ? 1_000 : 4_000;
  // --quick: the spread is read sooner, as the whole stage is a smoke run (its figures are not meaningful).
  const spreadAfterMs = ctx.quick ? 10_000 : SPREAD_AFTER_MS;

  let raw: Raw;
  if (ctx.rawItemsPerSec !== undefined) {
    raw = { itemsPerSec: ctx.rawItemsPerSec, from: 'raw stage', measured: undefined };
  } else {
    const concurrency = ctx.quick ? [16] : RAW_CONCURRENCY;
    log(`plan: raw ceiling, ${records} items at ${concurrency.join(', ')} in flight`);
    const measured = await measureRawSink({ records, concurrency, warmupItems }, lifetime, log);
    raw = { itemsPerSec: measured.best.itemsPerSec, from: 'this stage', measured };
  }

  // Just before the one-worker plan, so that the two runs the target compares see the same machine.
  log(`plan: single-table catch-up of ${records} records`);
  const single = await measureCatchUp(
    {
      records,
      warmupItems,
      replicatorArgs: [],
      writeConcurrency: 16,
      profile: false,
      // The plan's workers run without the trace hook: neither does this one.
      trace: false,
      outDir: ctx.outDir,
    },
    lifetime,
    log,
  );

  const runs: PlanDrainResult[] = [];
  for (const workers of WORKERS) {
    lifetime.check();
    log(`plan: ${TABLES} tables, ${records} records, ${workers} worker${workers === 1 ? '' : 's'}`);
    runs.push(
      await measurePlanDrain({ tables: TABLES, workers, records, warmupItems, spreadAfterMs }, lifetime, log),
    );
  }
  return describe({ records, raw, single, runs, spreadAfterMs, quick: ctx.quick });
}

function describe(figures: {
  records: number;
  raw: Raw;
  single: CatchUpResult;
  runs: readonly PlanDrainResult[];
  spreadAfterMs: number;
  quick: boolean;
}): StageResult {
  const { records, raw, single, runs, spreadAfterMs } = figures;
  const toRaw = (itemsPerSec: number): number => ratio(itemsPerSec, raw.itemsPerSec);
  const singleRatio = toRaw(single.itemsPerSec);
  const lines: string[] = [
    `${records} stream records (INSERTs of ~200-byte items), ${records / TABLES} in each of ${TABLES} one-shard source tables; one glob`,
    `entry, trim-horizon, destinations made beforehand; fresh source and destination instances per row. Time from spawning`,
    `the workers to every destination table holding its backlog (flush logs, then a COUNT of each table). Raw ceiling`,
    `(bare BatchWriteItem loader, fresh destination): ${raw.itemsPerSec} items/s (${raw.from}). Leases read from every task's`,
    `lease table ${spreadAfterMs / 1000} s after the start (the workers kept running past the drain until then).`,
    '',
  ];
  const rows: (string | number)[][] = [
    [
      'single table (catch-up)',
      records,
      (single.totalMs / 1000).toFixed(1),
      single.itemsPerSec,
      singleRatio.toFixed(2),
      single.drainItemsPerSec,
      '1',
      '-',
      '-',
    ],
    ...runs.map((r) => [
      `plan, ${r.workers} worker${r.workers === 1 ? '' : 's'}`,
      r.confirmedCount,
      (r.totalMs / 1000).toFixed(1),
      r.itemsPerSec,
      toRaw(r.itemsPerSec).toFixed(2),
      r.drainItemsPerSec,
      `${Object.values(r.spread.perWorker).join('/')}${r.spread.unowned + r.spread.missingLeaseTables > 0 ? ` (+${r.spread.unowned + r.spread.missingLeaseTables} not held)` : ''}`,
      r.spread.fairShare,
      r.spread.maxAboveFair,
    ]),
  ];
  lines.push(
    ...table(
      [
        '',
        'items',
        'seconds',
        'items/s',
        'to raw',
        'drain/s',
        'leases per worker',
        'fair share',
        'max above fair',
      ],
      rows,
    ).split('\n'),
  );

  const one = runs.find((r) => r.workers === 1);
  const toSingle = one === undefined ? undefined : ratio(toRaw(one.itemsPerSec), singleRatio);
  const spreads = runs.filter((r) => r.workers > 1);
  const worstAbove = Math.max(0, ...spreads.map((r) => r.spread.maxAboveFair));
  const spreadMet = spreads.every(
    (r) => r.spread.maxAboveFair <= TARGET_ABOVE_FAIR && r.spread.unowned + r.spread.missingLeaseTables === 0,
  );
  const quick = figures.quick ? ' [--quick: figures not meaningful]' : '';
  lines.push(
    '',
    toSingle === undefined
      ? 'target (1-worker plan within 0.85 of the single-table ratio): not measured'
      : `target 1-worker plan >= ${TARGET_TO_SINGLE} of the single-table ratio: ${toSingle >= TARGET_TO_SINGLE ? 'met' : 'MISSED'} (${toRaw(one?.itemsPerSec ?? 0).toFixed(2)} / ${singleRatio.toFixed(2)} = ${toSingle.toFixed(2)})${quick}`,
    `target no worker more than ${TARGET_ABOVE_FAIR} lease above its fair share (${spreads.map((r) => r.workers).join(' and ')} workers, every lease owned, at ${spreadAfterMs / 1000} s): ${spreadMet ? 'met' : 'MISSED'} (worst +${worstAbove}; ${spreads.map((r) => `${r.workers} workers: ${Object.values(r.spread.perWorker).join('/')} over a fair ${r.spread.fairShare}`).join(', ')})${quick}`,
    '',
    'Per row: written by each worker (flush logs), leases taken / handed over by each, ms from start of the last lease',
    'taken before the read, every lease by state at the read (as `status` tells them; "not held" above adds the tasks',
    'without a lease table yet); cores from start to drained: destination JVM, source JVM (streams, lease tables), all',
    'workers, other; CPU ms per 1,000 items (all workers, all of ours). Single table: startup to first item, then drain.',
  );
  lines.push(
    ...table(
      [
        '',
        'written',
        'taken',
        'handed',
        'last taken',
        'leases at read',
        'dest',
        'src',
        'workers',
        'other',
        'cpu workers',
        'cpu all',
      ],
      runs.map((r) => [
        `plan, ${r.workers} worker${r.workers === 1 ? '' : 's'}`,
        r.workerFigures.map((w) => w.written).join('/'),
        r.workerFigures.map((w) => w.leasesTaken).join('/'),
        r.workerFigures.map((w) => w.handedOver).join('/'),
        r.spread.lastLeaseTakenMs ?? '-',
        Object.entries(r.spread.states)
          .filter(([, n]) => n > 0)
          .map(([state, n]) => `${n} ${state}`)
          .join(', '),
        r.cores.destJvm?.toFixed(2) ?? '-',
        r.cores.sourceJvm?.toFixed(2) ?? '-',
        r.cores.workers?.toFixed(2) ?? '-',
        r.otherCores.toFixed(2),
        r.workerFigures.reduce((sum, w) => sum + (r.cpuMsPer1k[w.workerId] ?? 0), 0),
        r.cpuMsPer1k.total ?? '-',
      ]),
    ).split('\n'),
    `single table: startup ${single.startupMs} ms, drain ${single.drainMs} ms; replicator ${single.drainCpuMsPer1k.replicator ?? '-'} ms CPU per 1,000 items in the drain`,
  );
  for (const r of runs) {
    for (const w of r.workerFigures) {
      if (Object.keys(w.warnings).length > 0)
        lines.push(`warnings plan ${r.workers} workers, ${w.workerId}: ${JSON.stringify(w.warnings)}`);
    }
  }
  return {
    lines,
    figures: {
      tables: TABLES,
      records,
      spreadAfterMs,
      raw,
      singleTable: { ...single, ratioToRaw: singleRatio },
      runs: runs.map((r) => ({ ...r, ratioToRaw: toRaw(r.itemsPerSec) })),
      targets: {
        oneWorkerToSingle: {
          target: TARGET_TO_SINGLE,
          value: toSingle,
          met: (toSingle ?? 0) >= TARGET_TO_SINGLE,
        },
        aboveFairShare: { target: TARGET_ABOVE_FAIR, worst: worstAbove, met: spreadMet },
      },
    },
  };
}

export const PLAN_STAGE: BenchStage = {
  name: 'plan',
  title: 'plan: 50 one-shard tables drained by 1, 2, 4 workers of replicate --plan; lease spread at 30 s',
  run,
};
