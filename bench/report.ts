// Prints the benchmark's figures as plain tables on stdout and writes them all (with the options, the machine's
// load and the command) to bench-results/bench-<timestamp>.json. The ratios compare figures of the same run,
// which matter more than absolute numbers on a shared two-core machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatchUpResult } from './catch-up.js';
import type { RawResult } from './raw-sink.js';
import type { CopyResult } from './stream-copy.js';

export interface BenchReport {
  readonly startedAt: string;
  readonly command: string;
  readonly machine: Record<string, unknown>;
  readonly options: Record<string, unknown>;
  readonly raw?: RawResult;
  /** The best raw level measured again right after each catch-up. */
  readonly rawRechecks?: readonly RawResult[];
  readonly catchUps?: readonly CatchUpResult[];
  readonly copies?: readonly CopyResult[];
  readonly pairs?: readonly Pair[];
  readonly memory?: readonly CatchUpResult[];
  readonly stages?: readonly StageReport[];
  readonly ratios?: Record<string, number>;
}

/** What one of the extra stages (stage.ts) printed and measured. */
export interface StageReport {
  readonly name: string;
  readonly title: string;
  readonly lines: readonly string[];
  readonly figures: Record<string, unknown>;
}

/** One catch-up and/or stream copy, and the raw ceilings measured just before and after them. */
export interface Pair {
  readonly rawItemsPerSec: readonly number[];
  readonly itemsPerSec?: number;
  readonly drainItemsPerSec?: number;
  readonly totalRatio?: number;
  readonly drainRatio?: number;
  readonly drainOtherCores?: number;
  readonly copyItemsPerSec?: number;
  readonly copyDrainItemsPerSec?: number;
  readonly copyDrainRatio?: number;
  readonly copyOtherCores?: number;
  readonly drainToCopy?: number;
}

export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  // First column (a name) left-aligned, figures right-aligned.
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

function cores(record: Record<string, number>): string {
  return Object.entries(record)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}

export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

function catchUpSection(c: CatchUpResult, rawAround: readonly number[] | undefined): string[] {
  const rawBest =
    rawAround === undefined || rawAround.length === 0
      ? undefined
      : rawAround.reduce((a, b) => a + b, 0) / rawAround.length;
  const out: string[] = [];
  out.push(
    table(
      [
        'records',
        'total ms',
        'items/s',
        'vs raw',
        'startup ms',
        'drain ms',
        'drain items/s',
        'vs raw',
        'peak RSS MB',
      ],
      [
        [
          c.records,
          c.totalMs,
          c.itemsPerSec,
          rawBest === undefined ? '-' : ratio(c.itemsPerSec, rawBest),
          c.startupMs,
          c.drainMs,
          c.drainItemsPerSec,
          rawBest === undefined ? '-' : ratio(c.drainItemsPerSec, rawBest),
          c.memory.peakRssMb,
        ],
      ],
    ),
  );
  out.push(
    `  item ~${c.itemBytes} B; backlog written at ${c.backlogLoad.itemsPerSec} items/s (per 10k: ${c.backlogLoad.chunkRates.join(', ')}); confirmed count ${c.confirmedCount}; exit ${c.exit}`,
  );
  out.push(`  milestones (ms from process start): ${JSON.stringify(c.milestones)}`);
  out.push(
    `  flushes: ${c.flushes.count}, records ${JSON.stringify(c.flushes.records)}, write+checkpoint ms ${JSON.stringify(c.flushes.durationMs)}`,
  );
  out.push(`  cores during startup: ${cores(c.startupCores)}`);
  out.push(
    `  cores during drain:   ${cores(c.drainCores)}, everything else on the machine ${c.drainOtherCores.toFixed(2)}`,
  );
  out.push(`  CPU ms per 1k items during drain: ${JSON.stringify(c.drainCpuMsPer1k)}`);
  out.push(`  RSS MB: ${JSON.stringify(c.memory.marks)}, peak (VmHWM) ${c.memory.peakRssMb}`);
  const t = c.trace;
  if (t !== undefined) {
    out.push(
      `  write phase ${t.writePhaseMs} ms: avg ${t.avgWritesInFlight} of ${t.writeLimit} BatchWriteItem in flight; share of time by in-flight: ${JSON.stringify(t.inFlightShare)}`,
    );
    out.push(
      `  writes while the backlog was still being read: ${t.whileReading.itemsPerSec} items/s for ${t.whileReading.ms} ms; after the last non-empty GetRecords: ${t.afterReading.itemsPerSec} items/s for ${t.afterReading.ms} ms`,
    );
    if (c.phaseCores !== undefined) {
      out.push(
        `  cores while reading: ${cores(c.phaseCores.whileReading)}; after reading: ${cores(c.phaseCores.afterReading)}`,
      );
    }
    out.push(
      `  no write in flight: ${t.noWriteMs.total} ms in ${t.noWriteGaps} gaps (checkpoint ${t.noWriteMs.checkpoint}, GetRecords ${t.noWriteMs.getRecords}, neither ${t.noWriteMs.nothing})`,
    );
    out.push(
      `  replicator event loop busy ${Math.round(t.eventLoopUtilization * 100)}% of the write phase; GC ${t.gcMs} ms in ${t.gcCount} pauses; process CPU ${t.processCpuMs} ms total`,
    );
    out.push(
      `  startup: first SDK call at ${t.startup.firstCallMs} ms (Node boot and module loading before it); calls before the first write: ${t.startup.calls.map((c) => `${c.op} @${c.atMs}+${c.ms}`).join(', ')}`,
    );
    out.push(
      indent(
        table(
          ['SDK call in write phase', 'count', 'items', 'total ms', 'mean', 'p50', 'p95', 'max'],
          Object.entries(t.ops).map(([op, s]) => [
            op,
            s.count,
            s.items,
            s.totalMs,
            s.meanMs,
            s.p50Ms,
            s.p95Ms,
            s.maxMs,
          ]),
        ),
      ),
    );
  }
  const p = c.profile;
  if (p !== undefined) {
    out.push(`  CPU profile ${p.file}: ${p.totalMs} ms sampled, ${p.busyMs} ms busy`);
    out.push(`    by category (self ms): ${JSON.stringify(p.categories)}`);
    out.push(`    stages (inclusive ms): ${JSON.stringify(p.stages)}`);
    out.push(`    hottest functions (self ms):`);
    for (const f of p.topSelf.slice(0, 12)) out.push(`      ${String(f.ms).padStart(7)}  ${f.fn}`);
  }
  return out;
}

function rawSection(raw: RawResult, rechecks: readonly RawResult[]): string[] {
  const out = [
    `\n== 1. raw sink: bare BatchWriteItem loader, ${raw.best.items} items into an empty table (no stream), fresh instance per level ==`,
  ];
  const rows = [
    ...raw.levels.map((l) => ({ label: String(l.concurrency), l })),
    ...rechecks.map((r, i) => ({ label: `${r.best.concurrency} (re-check ${i + 1})`, l: r.best })),
  ];
  out.push(
    table(
      [
        'in flight',
        'items/s',
        'ms',
        'dest JVM cores',
        'loader cores',
        'other cores',
        'CPU ms/1k items: dest JVM',
        'loader',
      ],
      rows.map(({ label, l }) => [
        label,
        l.itemsPerSec,
        l.ms,
        (l.cores.destJvm ?? 0).toFixed(2),
        (l.cores.loader ?? 0).toFixed(2),
        l.otherCores.toFixed(2),
        l.cpuMsPer1k.destJvm ?? '-',
        l.cpuMsPer1k.loader ?? '-',
      ]),
    ),
  );
  out.push(`  best of the sweep: ${raw.best.itemsPerSec} items/s at ${raw.best.concurrency} in flight`);
  return out;
}

export function printReport(report: BenchReport): string {
  const placement = report.machine.cpuPlacement;
  const out: string[] = [
    `CPU placement: ${typeof placement === 'string' ? placement : 'all processes share every CPU'}`,
  ];
  if (report.raw !== undefined) out.push(...rawSection(report.raw, report.rawRechecks ?? []));
  const catchUps = report.catchUps ?? [];
  const pairs = report.pairs ?? [];
  const copies = report.copies ?? [];
  const show = (v: number | undefined, digits = 0): string => (v === undefined ? '-' : v.toFixed(digits));
  if (pairs.length > 0) {
    out.push(
      `\n== 2. catch-up (replicator CLI) and 2b. bare stream copier, ${(catchUps[0] ?? copies[0])?.records} stream records each, against the raw ceiling ==`,
    );
    out.push(
      table(
        [
          'pair',
          'raw before/after',
          'catch-up items/s',
          'ratio',
          'drain items/s',
          'drain ratio',
          'other cores',
          'copier drain items/s',
          'ratio',
          'other cores',
          'catch-up/copier',
        ],
        pairs.map((p, i) => [
          i + 1,
          p.rawItemsPerSec.join(' / '),
          show(p.itemsPerSec),
          show(p.totalRatio, 2),
          show(p.drainItemsPerSec),
          show(p.drainRatio, 2),
          show(p.drainOtherCores, 2),
          show(p.copyDrainItemsPerSec),
          show(p.copyDrainRatio, 2),
          show(p.copyOtherCores, 2),
          show(p.drainToCopy, 2),
        ]),
      ),
    );
    out.push(
      '  (ratio: against the mean of the raw ceilings measured just before and just after; drain excludes startup)',
    );
  }
  catchUps.forEach((c, i) => {
    out.push(
      `\n  -- catch-up ${i + 1}: ${c.records} stream records -> replicator CLI -> empty destination --`,
    );
    out.push(...catchUpSection(c, pairs[i]?.rawItemsPerSec));
  });
  if (copies.length > 0) {
    out.push(
      '\n  -- 2b. bare stream copier (GetRecords -> BatchWriteItem, no leases/checkpoints, in this process) --',
    );
    out.push(
      indent(
        table(
          [
            'copy',
            'in flight',
            'total ms',
            'items/s',
            'startup ms',
            'drain items/s',
            'read ms',
            'GC ms',
            'cores',
            'CPU ms/1k items',
          ],
          copies.map((c, i) => [
            i + 1,
            c.concurrency,
            c.totalMs,
            c.itemsPerSec,
            c.startupMs,
            c.drainItemsPerSec,
            c.readMs,
            c.gcMs,
            cores(c.cores),
            JSON.stringify(c.cpuMsPer1k),
          ]),
        ),
      ),
    );
  }
  if (report.memory !== undefined && report.memory.length > 0) {
    out.push('\n== 3. memory: peak RSS of the replicator while draining ==');
    out.push(
      table(
        ['records', 'peak RSS MB', 'RSS at first item', 'RSS at last flush', 'drain items/s', 'total ms'],
        report.memory.map((m) => [
          m.records,
          m.memory.peakRssMb,
          m.memory.marks.atFirstItem ?? '-',
          m.memory.marks.atLastFlush ?? '-',
          m.drainItemsPerSec,
          m.totalMs,
        ]),
      ),
    );
    for (const m of report.memory) {
      if (catchUps.includes(m)) continue;
      out.push(`\n  -- catch-up details of the ${m.records}-record memory run --`);
      out.push(...catchUpSection(m, report.raw === undefined ? undefined : [report.raw.best.itemsPerSec]));
    }
  }
  for (const stage of report.stages ?? []) {
    out.push(`\n== ${stage.name}: ${stage.title} ==`);
    out.push(...stage.lines);
  }
  if (report.ratios !== undefined) out.push(`\nratios (medians, same run): ${JSON.stringify(report.ratios)}`);
  return out.join('\n');
}

export function writeReport(report: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
