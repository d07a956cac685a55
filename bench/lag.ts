// Stage `lag`: replication lag under a steady load. The source takes items at a fixed rate (open loop, batched per
// 20 ms tick, paced-writer.ts) while a replicator CLI that has already caught up replicates; for every item, the time from the source's
// acknowledgement until a BatchGetItem first finds it at the destination. The same load written straight into
// the destination gives the checker's own floor. Fresh instances for each rate. At the target's rate, the load is
// followed by a minute of silence (the reader backs off to --max-poll-interval-ms): GetRecords a second while
// quiet, from the replicator's SDK trace, and the lag of the first write after the silence.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTable } from '../src/local/local-tables.js';
import { sleep } from '../src/util/sleep.js';
import { makeItem, TABLE_KEY } from './items.js';
import { LIVE_DEST_TABLE, LIVE_SOURCE_TABLE, startLiveTables, type LiveTables } from './live-tables.js';
import { runPacedWriter, type PacedWriterResult } from './paced-writer.js';
import { spread, type Spread } from './percentiles.js';
import type { ReplicatorChild } from './replicator-child.js';
import { CpuMeter } from './proc-stats.js';
import { table } from './report.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';
import type { TraceFile } from './trace-hook.js';
import { MIN_ROUND_MS, VisibilityChecker } from './visibility-checker.js';

/** Issue 17's targets: lag at 200 writes/s, and an idle shard's GetRecords a second. */
const TARGET = { rate: 200, p50Ms: 50, p99Ms: 300, idleReadsPerSec: 1.5 };
const FLOOR_TABLE = 'lag-floor';
const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

interface LoadRun {
  readonly kind: 'replicated' | 'floor';
  readonly writer: PacedWriterResult;
  readonly seen: number;
  readonly neverSeen: number;
  readonly lagMs: Spread;
  /** p99 of the items written in each 10 s of the load: shows whether a high p99 is one bad stretch. */
  readonly p99By10sMs: readonly (number | null)[];
  readonly checker: { readonly rounds: number; readonly requests: number; readonly errors: number };
  readonly loadavg: readonly number[];
  /** Cores each process used while the load ran (bench = this process: writer and checker). */
  readonly cores: Record<string, number>;
}

interface RateResult {
  readonly rate: number;
  readonly replicated: LoadRun;
  readonly floor: LoadRun;
  /** Where the replicator's time went during the measured load (its flush logs and SDK call trace). */
  readonly replicator: Record<string, unknown>;
  /** After the load, at the target's rate only: the quiet spell and the first write after it. */
  readonly silence?: Silence | undefined;
}

interface Silence {
  readonly quietMs: number;
  /** GetRecords calls a second once the back-off had reached its cap (from the second 10 s of the silence on). */
  readonly idleReadsPerSec: number;
  readonly idleReads: number;
  /** The first write after the silence: source acknowledgement -> first seen at the destination. */
  readonly firstWriteLagMs: number | undefined;
}

/** A quiet spell with the replicator idle, then one write: what an idle shard costs, and how late it wakes. */
async function measureSilence(
  tables: LiveTables,
  quietMs: number,
  ctx: StageContext,
): Promise<{ quietFrom: number; quietTo: number; firstWriteLagMs: number | undefined }> {
  const quietFrom = performance.timeOrigin + performance.now();
  await sleep(quietMs, ctx.lifetime.signal);
  const quietTo = performance.timeOrigin + performance.now();
  const stopChecker = new AbortController();
  const checker = new VisibilityChecker(tables.destClient, LIVE_DEST_TABLE);
  const checking = checker.run(AbortSignal.any([ctx.lifetime.signal, stopChecker.signal]));
  try {
    const item = makeItem(0, `silence${Date.now()}`);
    const sentAt = performance.timeOrigin + performance.now();
    await tables.sourceClient.send(new PutItemCommand({ TableName: LIVE_SOURCE_TABLE, Item: item }));
    const key = item.pk?.S ?? '';
    checker.watch(key, sentAt, performance.timeOrigin + performance.now());
    await checker.drained(30_000, ctx.lifetime.signal);
    const watched = checker.watched.get(key);
    const firstWriteLagMs =
      watched?.seenAt === undefined ? undefined : Math.round(watched.seenAt - watched.ackAt);
    return { quietFrom, quietTo, firstWriteLagMs };
  } finally {
    stopChecker.abort();
    await checking;
  }
}

/** GetRecords calls in the window, from the replicator's SDK trace. */
function getRecordsIn(traceFile: string, from: number, to: number): number | undefined {
  try {
    const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as TraceFile;
    return trace.calls.filter(([op, , start]) => op === 'GetRecords' && start >= from && start < to).length;
  } catch {
    return undefined;
  }
}

/** Writes at `rate` for `durationMs` into `table` on `writeClient` and times each item's first sighting. */
async function measureLoad(
  kind: LoadRun['kind'],
  tables: LiveTables,
  options: { rate: number; durationMs: number; prefix: string; writeToDest: boolean; replicatorPid?: number },
  ctx: StageContext,
): Promise<LoadRun> {
  const meter = new CpuMeter(
    new Map([
      ['sourceJvm', tables.source.pid],
      ['destJvm', tables.dest.pid],
      ['bench', process.pid],
      ...(options.replicatorPid === undefined ? [] : [['replicator', options.replicatorPid] as const]),
    ]),
  );
  const stopChecker = new AbortController();
  const signal = AbortSignal.any([ctx.lifetime.signal, stopChecker.signal]);
  const checkTable = options.writeToDest ? FLOOR_TABLE : LIVE_DEST_TABLE;
  const checker = new VisibilityChecker(tables.destClient, checkTable);
  const checking = checker.run(signal);
  try {
    const writer = await runPacedWriter({
      client: options.writeToDest ? tables.destClient : tables.sourceClient,
      table: options.writeToDest ? FLOOR_TABLE : LIVE_SOURCE_TABLE,
      rate: options.rate,
      durationMs: options.durationMs,
      prefix: options.prefix,
      signal: ctx.lifetime.signal,
      onAck: (w) => checker.watch(w.key, w.sentAt, w.ackAt),
    });
    const usage = meter.read();
    await checker.drained(30_000, ctx.lifetime.signal);
    ctx.lifetime.check();
    const lags: number[] = [];
    const windows: number[][] = [];
    for (const w of checker.watched.values()) {
      if (w.seenAt === undefined) continue;
      lags.push(w.seenAt - w.ackAt);
      (windows[Math.floor((w.ackAt - writer.startedAt) / 10_000)] ??= []).push(w.seenAt - w.ackAt);
    }
    return {
      kind,
      writer,
      seen: lags.length,
      neverSeen: checker.pending,
      lagMs: spread(lags),
      p99By10sMs: Array.from(windows, (w) => (w === undefined ? null : spread(w).p99)),
      checker: { rounds: checker.rounds, requests: checker.requests, errors: checker.errors },
      loadavg: loadavg().map((l) => Math.round(l * 100) / 100),
      cores: { ...usage.cores, machine: usage.machineBusyCores },
    };
  } finally {
    stopChecker.abort();
    await checking;
  }
}

/**
 * Runs the load to be measured for `durationMs` first, not counted, and waits until all of it is at the
 * destination. A fresh source JVM takes its first seconds of PutItems and short GetRecords pages several times
 * slower (even after the instance's warm-up), and so does a fresh replicator process: counted, those seconds made
 * a run's p99 (GetRecords p50 50 ms in the first 10 s, 15-18 ms after). Steady load is what this stage measures.
 */
async function settle(
  tables: LiveTables,
  child: ReplicatorChild,
  load: { rate: number; durationMs: number },
  ctx: StageContext,
): Promise<void> {
  const run = await measureLoad(
    'replicated',
    tables,
    { rate: load.rate, durationMs: load.durationMs, prefix: 'settle', writeToDest: false },
    ctx,
  );
  if (run.neverSeen > 0) {
    throw new Error(
      `the replicator did not catch up with the settling load (${run.neverSeen} items never seen): ${child.running ? 'running' : 'exited'} ${child.problems().join('\n')}`,
    );
  }
}

function opStats(trace: TraceFile, from: number, to: number): Record<string, unknown> {
  const byOp = new Map<string, number[]>();
  let emptyGetRecords = 0;
  for (const [op, , start, end, , count] of trace.calls) {
    if (start < from || start > to) continue;
    const name = op === 'GetRecords' && count === 0 ? 'GetRecords (empty)' : op;
    if (name === 'GetRecords (empty)') emptyGetRecords += 1;
    const list = byOp.get(name) ?? [];
    list.push(end - start);
    byOp.set(name, list);
  }
  // How often the shard is polled once it is idle (start of an empty GetRecords to the start of the next one):
  // the poll interval plus whatever the reader adds, the largest share of the lag at a low write rate.
  const reads = trace.calls
    .filter(([op, , start]) => op === 'GetRecords' && start >= from && start <= to)
    .sort((a, b) => a[2] - b[2]);
  const idleCycles: number[] = [];
  for (let i = 1; i < reads.length; i++) {
    const before = reads[i - 1]!;
    if (before[5] === 0) idleCycles.push(reads[i]![2] - before[2]);
  }
  return {
    ...Object.fromEntries([...byOp].map(([op, ms]) => [op, spread(ms)])),
    emptyGetRecords,
    idlePollCycleMs: spread(idleCycles),
  };
}

/** Flush sizes and durations (write + checkpoint) from the flush logs, and SDK call latencies from the trace. */
function replicatorFigures(
  child: ReplicatorChild,
  traceFile: string,
  window: { from: number; to: number },
): Record<string, unknown> {
  const flushes = child.logs.filter((e) => e.msg === 'flushed' && e.at >= window.from && e.at <= window.to);
  const figures: Record<string, unknown> = {
    flushes: flushes.length,
    recordsPerFlush: spread(flushes.map((f) => Number(f.fields.records ?? 0))),
    flushMs: spread(flushes.map((f) => Number(f.fields.durationMs ?? 0))),
  };
  try {
    const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as TraceFile;
    figures.sdkCallsMs = opStats(trace, window.from, window.to);
  } catch {
    figures.sdkCallsMs = 'no trace (the replicator did not exit cleanly)';
  }
  return figures;
}

async function measureRate(rate: number, ctx: StageContext): Promise<RateResult> {
  const durationMs = ctx.quick ? 5_000 : 60_000;
  const tables = await startLiveTables(
    `lag ${rate}/s`,
    { warmupItems: ctx.quick ? 500 : 4_000 },
    ctx.lifetime,
  );
  try {
    const stamp = Date.now();
    const traceFile = join(ctx.outDir, `lag-trace-${rate}-${stamp}.json`);
    const child = tables.startWorker(`lag${rate}x${stamp}`, {
      args: ['--log-level', 'debug', '--progress-interval-ms', '0'],
      nodeArgs: ['--import', join(BENCH_DIR, 'trace-hook.js')],
      env: { BENCH_TRACE_FILE: traceFile },
    });
    const settleMs = ctx.quick ? 2_000 : 10_000;
    ctx.log(`lag: ${rate} writes/s for ${settleMs / 1000} s to settle, not counted`);
    await settle(tables, child, { rate, durationMs: settleMs }, ctx);
    ctx.log(`lag: ${rate} writes/s for ${durationMs / 1000} s through the replicator (load ${loadavg()[0]})`);
    const from = performance.timeOrigin + performance.now();
    const replicated = await measureLoad(
      'replicated',
      tables,
      { rate, durationMs, prefix: `r${rate}`, writeToDest: false, replicatorPid: child.pid },
      ctx,
    );
    const to = replicated.writer.endedAt;
    const quietMs = rate === TARGET.rate ? (ctx.quick ? 6_000 : 60_000) : 0;
    let quiet: Awaited<ReturnType<typeof measureSilence>> | undefined;
    if (quietMs > 0) {
      ctx.log(`lag: ${quietMs / 1000} s of silence, then one write`);
      quiet = await measureSilence(tables, quietMs, ctx);
    }
    await child.stop();
    const replicator = replicatorFigures(child, traceFile, { from, to });
    let silence: Silence | undefined;
    if (quiet !== undefined) {
      // The back-off takes 1.5 s to reach 1 s from 100 ms; the first part of the silence also drains the load.
      const idleFrom = quiet.quietFrom + Math.min(10_000, quietMs / 3);
      const idleReads = getRecordsIn(traceFile, idleFrom, quiet.quietTo) ?? Number.NaN;
      silence = {
        quietMs,
        idleReads,
        idleReadsPerSec: Math.round((idleReads * 1000 * 100) / (quiet.quietTo - idleFrom)) / 100,
        firstWriteLagMs: quiet.firstWriteLagMs,
      };
    }
    ctx.log(`lag: ${rate} writes/s straight into the destination (the checker's floor)`);
    await createTable(tables.destClient, FLOOR_TABLE, TABLE_KEY);
    const floor = await measureLoad(
      'floor',
      tables,
      { rate, durationMs, prefix: `f${rate}`, writeToDest: true },
      ctx,
    );
    return { rate, replicated, floor, replicator, silence };
  } finally {
    await tables.close();
  }
}

async function run(ctx: StageContext): Promise<StageResult> {
  const loadBefore = loadavg();
  const results: RateResult[] = [];
  for (const rate of ctx.lagRates) results.push(await measureRate(rate, ctx));
  const rows = results.flatMap((r) =>
    [r.replicated, r.floor].map((run) => [
      run.kind === 'replicated' ? 'replicator' : 'floor (straight into dest)',
      r.rate,
      run.writer.achievedRate,
      run.seen,
      run.neverSeen,
      run.lagMs.p50,
      run.lagMs.p95,
      run.lagMs.p99,
      run.lagMs.max,
      run.writer.putMs.p50,
      run.loadavg[0] ?? '-',
    ]),
  );
  const lines = [
    table(
      [
        'path',
        'rate/s',
        'achieved/s',
        'items',
        'never seen',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'write p50',
        'load 1m',
      ],
      rows,
    ),
  ];
  for (const r of results) {
    lines.push(`  replicator at ${r.rate}/s: ${JSON.stringify(r.replicator)}`);
    lines.push(
      `  p99 ms of each 10 s of the replicated load at ${r.rate}/s: ${r.replicated.p99By10sMs.join(', ')}`,
    );
    for (const run of [r.replicated, r.floor]) {
      const cores = Object.entries(run.cores)
        .map(([name, c]) => `${name} ${c.toFixed(2)}`)
        .join(', ');
      lines.push(`  cores during the ${run.kind} load at ${r.rate}/s: ${cores}`);
    }
  }
  for (const r of results) {
    for (const run of [r.replicated, r.floor]) {
      if (run.writer.achievedRate < 0.9 * r.rate) {
        lines.push(
          `  ${run.kind} at ${r.rate}/s: only ${run.writer.achievedRate} writes/s acknowledged, ${run.writer.skipped} skipped at the in-flight cap (write p50 ${run.writer.putMs.p50} ms): the machine could not carry the load, so this row measures an overloaded machine`,
        );
      }
    }
  }
  const atTarget = results.find((r) => r.rate === TARGET.rate)?.replicated;
  if (atTarget !== undefined) {
    const met = atTarget.lagMs.p50 <= TARGET.p50Ms && atTarget.lagMs.p99 <= TARGET.p99Ms;
    lines.push(
      `target at ${TARGET.rate} writes/s (p50 <= ${TARGET.p50Ms} ms, p99 <= ${TARGET.p99Ms} ms): ${met ? 'MET' : 'MISSED'} (p50 ${atTarget.lagMs.p50} ms, p99 ${atTarget.lagMs.p99} ms; checker floor p50 ${results.find((r) => r.rate === TARGET.rate)?.floor.lagMs.p50} ms)${ctx.quick ? ' [--quick: figures not meaningful]' : ''}`,
    );
  }
  const silence = results.find((r) => r.rate === TARGET.rate)?.silence;
  if (silence !== undefined) {
    const idleMet = silence.idleReadsPerSec <= TARGET.idleReadsPerSec;
    lines.push(
      `idle: ${silence.idleReads} GetRecords in the quiet part of ${silence.quietMs / 1000} s of silence = ${silence.idleReadsPerSec} a second on the one shard (target <= ${TARGET.idleReadsPerSec}: ${idleMet ? 'MET' : 'MISSED'}); the first write after the silence was seen ${silence.firstWriteLagMs ?? 'never'} ms after its acknowledgement (--max-poll-interval-ms 1000 bounds the wait for the next read)`,
    );
  }
  lines.push(
    `  lag = first BatchGetItem response finding the item - write acknowledgement (checker rounds at most every ${MIN_ROUND_MS} ms), after the same load ran 10 s uncounted to settle; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  return { lines, figures: { rates: results, target: TARGET, loadBefore, loadAfter: loadavg() } };
}

export const LAG_STAGE: BenchStage = {
  name: 'lag',
  title: 'lag under steady load: source write acknowledged -> visible at the destination',
  run,
};
