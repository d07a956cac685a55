// Stage table-copy (issue 5): how fast `ddb-replicator bootstrap` copies a table, against the raw BatchWriteItem
// ceiling of the same kind of DynamoDB Local. Each measurement gets fresh instances: a source table with a stream
// (bootstrap needs one) holding N items, an empty destination. Measured back to back: the raw ceiling (bare
// loader at its best concurrency), the CLI with default flags, the CLI tuned, a bare in-process copier (parallel
// Scan -> BatchWriteItem, nothing else: what DynamoDB Local allows for a copy), then the raw ceiling again.
// The CLI's rate runs from its first BatchWriteItem sent to its last answered (no process startup, no recording
// of stream positions); the total from process start to exit is reported too.
import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { loadavg } from 'node:os';
import { setMaxListeners } from 'node:events';
import { Semaphore } from '../src/util/semaphore.js';
import { sleep } from '../src/util/sleep.js';
import { DEST_TABLE, prepareBacklog, SOURCE_TABLE, type Backlog } from './backlog.js';
import { callSpan, opTimes } from './call-span.js';
import { countItems } from './catch-up.js';
import { DEST_REGION, SOURCE_REGION } from './items.js';
import type { Lifetime } from './lifetime.js';
import { parallelScan } from './parallel-scan.js';
import { measureRawSink, type RawLevel } from './raw-sink.js';
import { ratio, table } from './report.js';
import { coresDuring, runCli } from './run-cli.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

interface CopyRow {
  readonly label: string;
  readonly items: number;
  /** First item written to last. */
  readonly copyMs: number;
  readonly itemsPerSec: number;
  /** Process start (or, in process, the first Scan) to the end. */
  readonly totalMs: number;
  readonly totalItemsPerSec: number;
  readonly cores: Record<string, number>;
  readonly details: Record<string, unknown>;
}

/** The tuned CLI run: more segments and more of them at once, more writes in flight. */
const TUNED = ['--segments', '16', '--copy-concurrency', '16', '--write-concurrency', '32'];

async function measureBootstrap(
  ctx: StageContext,
  label: string,
  extraArgs: readonly string[],
  sizes: { records: number; warmupItems: number },
): Promise<CopyRow> {
  const backlog = await prepareBacklog(`table-copy ${label}`, sizes, ctx.lifetime, ctx.log);
  try {
    const { source, dest } = backlog;
    const args = [
      'bootstrap',
      ...['--source-table', SOURCE_TABLE, '--source-region', SOURCE_REGION],
      ...['--source-endpoint', source.endpoint],
      ...['--dest-table', DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', dest.endpoint],
      ...['--task-name', `benchcopy${Date.now()}`, '--log-format', 'json'],
      ...extraArgs,
    ];
    const run = await runCli(args, {
      name: 'bootstrap',
      lifetime: ctx.lifetime,
      outDir: ctx.outDir,
      timeoutMs: 120_000 + sizes.records * 10,
      pids: new Map([
        ['sourceJvm', source.pid],
        ['destJvm', dest.pid],
      ]),
      profile: process.env.BENCH_STAGE_PROFILE === '1',
    });
    if (run.exit !== '0') {
      throw new Error(`bootstrap exited with ${run.exit}: ${run.child.problems().join('\n')}`);
    }
    const copied = await countItems(backlog.destClient, DEST_TABLE, ctx.lifetime.signal);
    if (copied !== sizes.records) throw new Error(`bootstrap copied ${copied} of ${sizes.records} items`);
    const trace = run.trace;
    const span =
      trace === undefined
        ? undefined
        : callSpan(trace, (c) => c[0] === 'BatchWriteItem' && c[1] === DEST_TABLE);
    if (trace === undefined || span === undefined) throw new Error('bootstrap left no trace of its writes');
    const totalMs = run.endedAt - run.startedAt;
    const done = run.child.first('copy done');
    return {
      label,
      items: copied,
      copyMs: Math.round(span.ms),
      itemsPerSec: Math.round((copied * 1000) / span.ms),
      totalMs: Math.round(totalMs),
      totalItemsPerSec: Math.round((copied * 1000) / totalMs),
      cores: coresDuring(run, span.from, span.to),
      details: {
        args: extraArgs,
        firstWriteMs: Math.round(span.from - run.startedAt),
        lastWriteToExitMs: Math.round(run.endedAt - span.to),
        cliSummary: done?.fields,
        sdkCallsDuringCopy: opTimes(trace, (c) => c[2] >= span.from && c[3] <= span.to),
        ...(run.profileFile === undefined ? {} : { profile: run.profileFile }),
      },
    };
  } finally {
    await backlog.close();
  }
}

/** Scan pages straight into BatchWriteItem (25 a request, `writes` in flight over all segments). */
async function measureBareCopier(
  ctx: StageContext,
  options: { segments: number; writes: number; records: number; warmupItems: number },
): Promise<CopyRow> {
  const backlog: Backlog = await prepareBacklog('table-copy bare copier', options, ctx.lifetime, ctx.log);
  const failed = new AbortController();
  const signal = AbortSignal.any([ctx.lifetime.signal, failed.signal]);
  setMaxListeners(0, signal);
  try {
    const { sourceClient, destClient } = backlog;
    const slots = new Semaphore(options.writes);
    let written = 0;
    let firstWriteAt: number | undefined;
    let lastWriteAt = 0;
    const writeBatch = async (batch: WriteRequest[]): Promise<void> => {
      const release = await slots.acquire(1, signal);
      try {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
          if (attempt > 30) throw new Error('bare copier: a batch was not written after 30 attempts');
          firstWriteAt ??= performance.now();
          const out = await destClient.send(
            new BatchWriteItemCommand({ RequestItems: { [DEST_TABLE]: pending } }),
            { abortSignal: signal },
          );
          const left = out.UnprocessedItems?.[DEST_TABLE] ?? [];
          written += pending.length - left.length;
          pending = left;
          if (left.length > 0) await sleep(Math.min(1_000, 10 * 2 ** attempt), signal);
        }
        lastWriteAt = performance.now();
      } finally {
        release();
      }
    };
    const started = performance.now();
    await parallelScan({
      client: sourceClient,
      table: SOURCE_TABLE,
      segments: options.segments,
      // As the CLI's copy: a change made before the positions were recorded must be in what it reads.
      consistentRead: true,
      signal,
      onPage: async (items) => {
        const batches: WriteRequest[][] = [];
        for (let i = 0; i < items.length; i += 25) {
          batches.push(items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: item } })));
        }
        try {
          await Promise.all(batches.map(writeBatch));
        } catch (err) {
          failed.abort();
          throw err;
        }
      },
    });
    const ended = performance.now();
    if (written !== options.records) throw new Error(`bare copier wrote ${written} of ${options.records}`);
    const copyMs = lastWriteAt - (firstWriteAt ?? started);
    return {
      label: `bare copier (${options.segments} segments, ${options.writes} writes in flight)`,
      items: written,
      copyMs: Math.round(copyMs),
      itemsPerSec: Math.round((written * 1000) / copyMs),
      totalMs: Math.round(ended - started),
      totalItemsPerSec: Math.round((written * 1000) / (ended - started)),
      cores: {},
      details: { segments: options.segments, writes: options.writes },
    };
  } finally {
    await backlog.close();
  }
}

async function run(ctx: StageContext): Promise<StageResult> {
  const lifetime: Lifetime = ctx.lifetime;
  const records = ctx.records;
  const warmupItems = ctx.quick ? 500 : 4_000;
  const loadBefore = loadavg();
  ctx.log(`table-copy: raw ceiling, ${records} items`);
  const raw = await measureRawSink(
    { records, concurrency: ctx.quick ? [16] : [8, 16, 32], warmupItems },
    lifetime,
    ctx.log,
  );
  const rows: CopyRow[] = [];
  for (const [label, args] of [
    ['bootstrap (defaults)', []],
    [`bootstrap ${TUNED.join(' ')}`, TUNED],
  ] as const) {
    ctx.log(`table-copy: ${label}`);
    const row = await measureBootstrap(ctx, label, args, { records, warmupItems });
    ctx.log(`table-copy: ${label}: ${row.itemsPerSec} items/s copying, ${row.totalItemsPerSec} overall`);
    rows.push(row);
  }
  ctx.log('table-copy: bare copier');
  rows.push(
    await measureBareCopier(ctx, { segments: 16, writes: raw.best.concurrency, records, warmupItems }),
  );
  ctx.log(`table-copy: raw re-check at ${raw.best.concurrency} in flight`);
  const recheck = await measureRawSink(
    { records, concurrency: [raw.best.concurrency], warmupItems },
    lifetime,
    ctx.log,
  );
  const ceilings: RawLevel[] = [raw.best, recheck.best];
  const ceiling = ceilings.reduce((a, l) => a + l.itemsPerSec, 0) / ceilings.length;
  const loadAfter = loadavg();
  const fmtCores = (c: Record<string, number>): string =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ') || '-';
  const lines = [
    table(
      ['copy', 'items', 'copy ms', 'items/s', 'vs raw', 'total ms', 'total items/s', 'cores while copying'],
      [
        ...ceilings.map((l, i) => [
          `raw BatchWriteItem loader, ${l.concurrency} in flight${i === 0 ? '' : ' (re-check)'}`,
          l.items,
          l.ms,
          l.itemsPerSec,
          '-',
          l.ms,
          l.itemsPerSec,
          fmtCores(l.cores),
        ]),
        ...rows.map((r) => [
          r.label,
          r.items,
          r.copyMs,
          r.itemsPerSec,
          ratio(r.itemsPerSec, ceiling).toFixed(2),
          r.totalMs,
          r.totalItemsPerSec,
          fmtCores(r.cores),
        ]),
      ],
    ),
    `  ceiling: mean of the raw loader before and after, ${Math.round(ceiling)} items/s; raw sweep ${raw.levels.map((l) => `${l.concurrency}: ${l.itemsPerSec}`).join(', ')}`,
    `  copy ms: first BatchWriteItem sent to last answered; total: process start to exit (CLI), first Scan to last write (bare)`,
  ];
  const best = rows.filter((r) => r.label.startsWith('bootstrap'));
  const defaults = best[0];
  if (defaults !== undefined) {
    const r = ratio(defaults.itemsPerSec, ceiling);
    lines.push(
      `  target: bootstrap with default flags at >= 0.8 of the raw ceiling: ${r.toFixed(2)} (${r >= 0.8 ? 'met' : 'missed'})`,
    );
  }
  lines.push(
    `  load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  );
  return {
    lines,
    figures: {
      records,
      raw: raw.levels,
      rawRecheck: recheck.best,
      ceilingItemsPerSec: Math.round(ceiling),
      copies: rows.map((r) => ({ ...r, ratioToRaw: ratio(r.itemsPerSec, ceiling) })),
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
    },
  };
}

export const TABLE_COPY_STAGE: BenchStage = {
  name: 'table-copy',
  title: 'bootstrap copy (CLI) against the raw BatchWriteItem ceiling and a bare scan-and-write copier',
  run,
};
