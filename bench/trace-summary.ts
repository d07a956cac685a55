// Turns the replicator's traced SDK calls into the figures that explain a catch-up: per operation how many calls
// and how long; over the write phase how many BatchWriteItem requests were really in flight (a time-weighted
// histogram against the configured limit); and while none was in flight, what the worker waited on instead
// (a checkpoint, a GetRecords, or its own CPU). Also event-loop utilization and GC pauses in that phase.
import type { TraceFile, TracedCall } from './trace-hook.js';

export interface OpStats {
  readonly count: number;
  readonly items: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export interface TraceSummary {
  /** ms from process start: the first SDK call, and every call before the first write (op, start, duration). */
  readonly startup: {
    readonly firstCallMs: number;
    readonly calls: readonly { readonly op: string; readonly atMs: number; readonly ms: number }[];
  };
  /** From the first BatchWriteItem sent to the last one answered. */
  readonly writePhaseMs: number;
  /** Write rate while the reader was still fetching the backlog (GetRecords with records) and after it. */
  readonly whileReading: { readonly ms: number; readonly itemsPerSec: number };
  readonly afterReading: { readonly ms: number; readonly itemsPerSec: number };
  /** Epoch ms: first write sent, last non-empty GetRecords answered, last write answered. */
  readonly at: { readonly writeStart: number; readonly lastRead: number; readonly writeEnd: number };
  readonly ops: Record<string, OpStats>;
  readonly writeLimit: number;
  readonly avgWritesInFlight: number;
  /** Share of the write phase spent with 0, 1-25%, ..., 100% of the limit in flight. */
  readonly inFlightShare: Record<string, number>;
  /** Time in the write phase with no BatchWriteItem in flight, and what was in flight then. */
  readonly noWriteMs: {
    readonly total: number;
    readonly checkpoint: number;
    readonly getRecords: number;
    readonly nothing: number;
  };
  readonly noWriteGaps: number;
  readonly eventLoopUtilization: number;
  readonly gcMs: number;
  readonly gcCount: number;
  readonly processCpuMs: number;
  readonly maxRssMb: number;
}

function stats(calls: readonly TracedCall[]): OpStats {
  const durations = calls.map((c) => c[3] - c[2]).sort((a, b) => a - b);
  const total = durations.reduce((a, b) => a + b, 0);
  const at = (q: number): number =>
    round1(durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] ?? 0);
  return {
    count: calls.length,
    items: calls.reduce((a, c) => a + c[5], 0),
    totalMs: Math.round(total),
    meanMs: round1(total / Math.max(1, calls.length)),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: round1(durations.at(-1) ?? 0),
  };
}

/** Marks the 0.1 ms steps of [start, end) that each call covers. */
function coverage(calls: readonly TracedCall[], start: number, steps: number): Uint16Array {
  const counts = new Uint16Array(steps);
  for (const call of calls) {
    const from = Math.max(0, Math.floor((call[2] - start) * 10));
    const to = Math.min(steps, Math.ceil((call[3] - start) * 10));
    for (let i = from; i < to; i++) counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts;
}

export function summarizeTrace(
  trace: TraceFile,
  writeLimit: number,
  processStartedAt: number,
): TraceSummary | undefined {
  const writes = trace.calls.filter((c) => c[0] === 'BatchWriteItem');
  if (writes.length === 0) return undefined;
  const start = Math.min(...writes.map((c) => c[2]));
  const before = trace.calls.filter((c) => c[2] < start).sort((a, b) => a[2] - b[2]);
  const startup = {
    firstCallMs: Math.round((before[0]?.[2] ?? start) - processStartedAt),
    calls: before.map((c) => ({
      op: c[1].startsWith('DynamoDBCrossRegionReplication') ? `${c[0]}(lease)` : c[0],
      atMs: Math.round(c[2] - processStartedAt),
      ms: Math.round(c[3] - c[2]),
    })),
  };
  const end = Math.max(...writes.map((c) => c[3]));
  const inWindow = trace.calls.filter((c) => c[3] > start && c[2] < end);
  const ops: Record<string, OpStats> = {};
  for (const op of new Set(inWindow.map((c) => c[0]))) ops[op] = stats(inWindow.filter((c) => c[0] === op));

  const steps = Math.max(1, Math.ceil((end - start) * 10));
  const inFlight = coverage(writes, start, steps);
  const checkpoints = coverage(
    inWindow.filter((c) => c[0] === 'Checkpoint'),
    start,
    steps,
  );
  const reads = coverage(
    inWindow.filter((c) => c[0] === 'GetRecords'),
    start,
    steps,
  );
  const buckets = { '0': 0, '1-25%': 0, '26-50%': 0, '51-75%': 0, '76-99%': 0, '100%': 0 };
  const idle = { total: 0, checkpoint: 0, getRecords: 0, nothing: 0 };
  let gaps = 0;
  let sum = 0;
  for (let i = 0; i < steps; i++) {
    const n = inFlight[i] ?? 0;
    sum += n;
    const share = n / writeLimit;
    if (n === 0) {
      buckets['0'] += 1;
      idle.total += 1;
      if (i === 0 || (inFlight[i - 1] ?? 0) > 0) gaps += 1;
      if ((checkpoints[i] ?? 0) > 0) idle.checkpoint += 1;
      else if ((reads[i] ?? 0) > 0) idle.getRecords += 1;
      else idle.nothing += 1;
    } else if (share <= 0.25) buckets['1-25%'] += 1;
    else if (share <= 0.5) buckets['26-50%'] += 1;
    else if (share <= 0.75) buckets['51-75%'] += 1;
    else if (share < 1) buckets['76-99%'] += 1;
    else buckets['100%'] += 1;
  }
  const inFlightShare: Record<string, number> = {};
  for (const [name, count] of Object.entries(buckets)) inFlightShare[name] = round3(count / steps);

  const lastRead = Math.max(
    start,
    ...trace.calls.filter((c) => c[0] === 'GetRecords' && c[5] > 0).map((c) => c[3]),
  );
  const writtenBy = (t: number): number =>
    writes.filter((c) => c[3] <= t && c[4] === 1).reduce((a, c) => a + c[5], 0);
  const rate = (items: number, ms: number): number => (ms > 0 ? Math.round((items * 1000) / ms) : 0);
  const readItems = writtenBy(lastRead);
  const allItems = writtenBy(end);
  const whileReading = { ms: Math.round(lastRead - start), itemsPerSec: rate(readItems, lastRead - start) };
  const afterReading = {
    ms: Math.round(end - lastRead),
    itemsPerSec: rate(allItems - readItems, end - lastRead),
  };

  const elu = trace.elu.filter(([t]) => t > start && t <= end + 100).map(([, u]) => u);
  const gc = trace.gc.filter(([t]) => t >= start && t < end);
  return {
    startup,
    writePhaseMs: Math.round(end - start),
    whileReading,
    afterReading,
    at: { writeStart: start, lastRead, writeEnd: end },
    ops,
    writeLimit,
    avgWritesInFlight: round1(sum / steps),
    inFlightShare,
    noWriteMs: {
      total: Math.round(idle.total / 10),
      checkpoint: Math.round(idle.checkpoint / 10),
      getRecords: Math.round(idle.getRecords / 10),
      nothing: Math.round(idle.nothing / 10),
    },
    noWriteGaps: gaps,
    eventLoopUtilization: round3(elu.reduce((a, b) => a + b, 0) / Math.max(1, elu.length)),
    gcMs: Math.round(gc.reduce((a, [, d]) => a + d, 0)),
    gcCount: gc.length,
    processCpuMs: Math.round(trace.cpuUserMs + trace.cpuSystemMs),
    maxRssMb: round1(trace.maxRssMb),
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
