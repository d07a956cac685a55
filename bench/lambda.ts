// Stage `lambda` (issue 18, "Run where users run things"): the Lambda handler as Lambda drives it (the stand-in
// event source mapping, batches of 100, one in flight per shard; lambda-drain.ts) against the CLI (`replicate`,
// rules-drain.ts with no rules) on the same backlog of N stream records in one source table, each drain from the
// trim horizon into a fresh destination table on the same destination instance, in alternating order over the
// rounds (CLI then Lambda, Lambda then CLI). Both are compared with the raw BatchWriteItem ceiling, measured on a
// fresh instance before and after the drains (the mean of the two; the ceiling of an earlier stage of the same
// run when there is one); and the handler's duration per batch is reported. One more round has the destination
// FAR_MS away (a proxy holds each request), where a batch's round trip, not the machine, bounds one batch in
// flight. Rates are records per second from the start of reading (the CLI's "shard reading", the mapping's
// start) to the last record written.
import { prepareBacklog, SOURCE_TABLE } from './backlog.js';
import { makeItem } from './items.js';
import { measureLambdaDrain, type LambdaDrainResult } from './lambda-drain.js';
import { measureRawSink } from './raw-sink.js';
import { ratio, table } from './report.js';
import { measureRulesDrain, type RulesDrainResult } from './rules-drain.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

const BATCH_SIZE = 100;
const ROUNDS = 2;
/** The last round's destination, held this long per request by a proxy: another region, where a round trip bounds each batch. */
const FAR_MS = 50;

type Drain = { readonly round: number; readonly farMs: number } & (
  | { readonly kind: 'CLI'; readonly result: RulesDrainResult }
  | { readonly kind: 'Lambda'; readonly result: LambdaDrainResult }
);

async function run(ctx: StageContext): Promise<StageResult> {
  const { lifetime, log } = ctx;
  const records = ctx.records;
  const rounds = ctx.quick ? 1 : ROUNDS;
  const warmupItems = ctx.quick ? 1_000 : 4_000;
  const stamp = `${Date.now()}`;
  const rawLevels = ctx.quick ? [16] : [16, 32];
  const before =
    ctx.rawItemsPerSec === undefined
      ? (await measureRawSink({ records, concurrency: rawLevels, warmupItems }, lifetime, log)).best
      : undefined;
  const prepared = await prepareBacklog(
    'lambda',
    { records, warmupItems, tables: [{ source: SOURCE_TABLE, dest: undefined }] },
    lifetime,
    log,
  );
  const drains: Drain[] = [];
  try {
    for (let round = 1; round <= rounds + 1; round++) {
      const farMs = round > rounds ? FAR_MS : 0;
      const order: Drain['kind'][] = round % 2 === 1 ? ['CLI', 'Lambda'] : ['Lambda', 'CLI'];
      for (const kind of order) {
        lifetime.check();
        const n = drains.length + 1;
        if (kind === 'CLI') {
          const result = await measureRulesDrain(
            {
              variant: 'CLI',
              ruleArgs: [],
              records,
              expectedItems: records,
              probeKey: { pk: makeItem(0).pk! },
              taskName: `lambda${stamp}-${n}`,
              destTable: `bench-dest-${n}-cli`,
              destLatencyMs: farMs,
            },
            prepared,
            lifetime,
          );
          log(`lambda: round ${round}${far(farMs)}, CLI: ${result.drainRecordsPerSec} records/s`);
          drains.push({ kind, round, farMs, result });
        } else {
          const result = await measureLambdaDrain(
            {
              records,
              destTable: `bench-dest-${n}-lambda`,
              batchSize: BATCH_SIZE,
              outDir: ctx.outDir,
              destLatencyMs: farMs,
            },
            prepared,
            lifetime,
          );
          log(
            `lambda: round ${round}${far(farMs)}, Lambda: ${result.drainRecordsPerSec} records/s, ${result.invocations} batches, p50 ${result.batchMs.p50} ms / p99 ${result.batchMs.p99} ms per batch`,
          );
          drains.push({ kind, round, farMs, result });
        }
      }
    }
  } finally {
    await prepared.close();
  }
  const after =
    before === undefined
      ? undefined
      : (await measureRawSink({ records, concurrency: [before.concurrency], warmupItems }, lifetime, log))
          .best;
  const ceilings =
    before === undefined || after === undefined
      ? [ctx.rawItemsPerSec ?? Number.NaN]
      : [before.itemsPerSec, after.itemsPerSec];
  return describe({ records, rounds, drains, ceilings, backlogItemsPerSec: prepared.load.itemsPerSec });
}

const far = (ms: number): string => (ms > 0 ? ` (destination ${ms} ms away)` : '');

const mean = (values: readonly number[]): number =>
  values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;

function describe(figures: {
  records: number;
  rounds: number;
  drains: readonly Drain[];
  ceilings: readonly number[];
  backlogItemsPerSec: number;
}): StageResult {
  const { records, ceilings } = figures;
  const ceiling = mean(ceilings);
  const rate = (d: Drain): number => d.result.drainRecordsPerSec;
  const local = figures.drains.filter((d) => d.farMs === 0);
  const farAway = figures.drains.filter((d) => d.farMs > 0);
  const of = (drains: readonly Drain[], kind: Drain['kind']): Drain[] =>
    drains.filter((d) => d.kind === kind);
  const batches = (drains: readonly Drain[]): LambdaDrainResult[] =>
    of(drains, 'Lambda').map((d) => d.result as LambdaDrainResult);
  const cliToRaw = of(local, 'CLI').map((d) => ratio(rate(d), ceiling));
  const lambdaToRaw = of(local, 'Lambda').map((d) => ratio(rate(d), ceiling));
  const lambdaToCli = (drains: readonly Drain[]): number =>
    ratio(mean(of(drains, 'Lambda').map(rate)), mean(of(drains, 'CLI').map(rate)));
  const perBatch = (drains: readonly Drain[]): string => {
    const l = batches(drains);
    return `p50 ${mean(l.map((b) => b.batchMs.p50)).toFixed(1)} ms, p99 ${mean(l.map((b) => b.batchMs.p99)).toFixed(1)} ms`;
  };
  const cpu = (d: Drain, name: string): number | string => d.result.drainCpuMsPer1k[name] ?? '-';
  const lines: string[] = [
    `${records} stream records (INSERTs of ~200-byte items, backlog written at ${figures.backlogItemsPerSec} items/s) in one source table (one shard),`,
    `drained ${figures.drains.length} times, each from the trim horizon into a fresh destination table on the same destination instance:`,
    `  CLI: replicate (default flags, 16 writes in flight), from "shard reading" to the flush log that accounts for the last record;`,
    `  Lambda: the handler under the stand-in event source mapping (batch ${BATCH_SIZE}, one batch in flight per shard, ReportBatchItemFailures),`,
    `  in a process of its own, from the mapping's start to the last batch acknowledged. Each destination COUNT then checked.`,
    `  The last round's destination is ${FAR_MS} ms away (a proxy holds each request): no ratio to the local ceiling for it.`,
    `raw BatchWriteItem ceiling: ${ceilings.map((c) => Math.round(c)).join(' before, ')}${ceilings.length > 1 ? ' after' : ''} items/s (mean ${Math.round(ceiling)})`,
    '',
    ...table(
      [
        'run',
        'round',
        'drain s',
        'records/s',
        'of raw',
        'process ms/1k',
        'source JVM ms/1k',
        'dest JVM ms/1k',
        'other cores',
        'batches',
        'batch ms p50',
        'batch ms p99',
      ],
      figures.drains.map((d) => [
        `${d.kind}${d.farMs > 0 ? ` ${d.farMs} ms away` : ''}`,
        d.round,
        (d.result.drainMs / 1000).toFixed(1),
        rate(d),
        d.farMs > 0 ? '-' : ratio(rate(d), ceiling).toFixed(2),
        d.kind === 'CLI' ? cpu(d, 'replicator') : cpu(d, 'lambda'),
        cpu(d, 'sourceJvm'),
        cpu(d, 'destJvm'),
        d.result.drainOtherCores,
        d.kind === 'Lambda' ? d.result.invocations : '-',
        d.kind === 'Lambda' ? d.result.batchMs.p50 : '-',
        d.kind === 'Lambda' ? d.result.batchMs.p99 : '-',
      ]),
    ).split('\n'),
    '',
    `CLI / raw: ${cliToRaw.map((r) => r.toFixed(2)).join(', ')} (mean ${mean(cliToRaw).toFixed(2)}); Lambda / raw: ${lambdaToRaw.map((r) => r.toFixed(2)).join(', ')} (mean ${mean(lambdaToRaw).toFixed(2)}); Lambda / CLI: ${lambdaToCli(local).toFixed(2)}`,
    `the handler's duration per batch, local destination: ${perBatch(local)} (mean of the drains' percentiles); batches not acknowledged the first time: ${batches(figures.drains).reduce((s, l) => s + l.notSuccessful, 0)}`,
    ...(farAway.length === 0
      ? []
      : [
          `destination ${FAR_MS} ms away: Lambda / CLI ${lambdaToCli(farAway).toFixed(2)}; per batch ${perBatch(farAway)}; one batch in flight moves at most ${BATCH_SIZE} records per round trip (${Math.round((BATCH_SIZE * 1000) / FAR_MS)} records/s at ${FAR_MS} ms)`,
        ]),
  ];
  return {
    lines,
    figures: {
      records,
      rounds: figures.rounds,
      batchSize: BATCH_SIZE,
      ceilings,
      ceiling,
      drains: figures.drains,
      farMs: FAR_MS,
      cliToRaw,
      lambdaToRaw,
      meanCliToRaw: ratio(mean(cliToRaw), 1),
      meanLambdaToRaw: ratio(mean(lambdaToRaw), 1),
    },
  };
}

export const LAMBDA_STAGE: BenchStage = {
  name: 'lambda',
  title: 'Lambda mode: the handler under the stand-in event source mapping against the CLI (issue 18)',
  run,
};
