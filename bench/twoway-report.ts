// The printed part of stage twoway (twoway.ts): the lag of each run and direction at each load, the requests per
// app write and the CPU of each process over each load, two-way's request latencies, and issue 19's target (two-way
// lag p99 within TARGET_P99_FACTOR times the same load's one-way) as met or MISSED.
import { availableParallelism } from 'node:os';
import type { PacedWriterResult } from './paced-writer.js';
import type { Spread } from './percentiles.js';
import { ratio, table } from './report.js';
import { MIN_ROUND_MS } from './visibility-checker.js';

/** Issue 19's load, which the target is about. */
const TARGET_RATE = 200;
/** Issue 19's target: two-way lag p99 within this multiple of one-way's. */
const TARGET_P99_FACTOR = 2;

export interface Direction {
  readonly label: string;
  readonly writer: PacedWriterResult;
  readonly seen: number;
  readonly neverSeen: number;
  readonly lagMs: Spread;
}

export interface Load {
  readonly rate: number;
  readonly directions: readonly Direction[];
  /** App writes sent during the measured load (both sides), acknowledged or timed out. */
  readonly appWrites: number;
  /** SDK requests started from the measured load's start until its last write was seen on the other side. */
  readonly requests: Record<string, number>;
  readonly latencyMs: Record<string, Spread>;
  /**
   * CPU seconds over the same window: both DynamoDB Local instances together, the replicator, this process (the
   * app's writers and the checkers), and the machine's busy time, from /proc (proc-stats.ts).
   */
  readonly cpuSec: {
    readonly local: number;
    readonly replicator: number;
    readonly bench: number;
    readonly machine: number;
  };
  readonly windowSec: number;
}

/**
 * one-way: A -> B, writes on A only (the figure of earlier runs); both-ways: the same load as two-way, replicated
 * one-way: a plan of two entries in one process, A's table -> B and B's table -> A, writes on both sides.
 */
export type Mode = 'one-way' | 'both-ways' | 'two-way';

export interface PairRun {
  readonly mode: Mode;
  readonly backlog: number;
  /** Process start to the whole backlog visible on the other side(s). */
  readonly catchUpMs: number;
  readonly catchUpItemsPerSec: number;
  readonly loads: readonly Load[];
}

export interface ReportInput {
  readonly runs: readonly PairRun[];
  /** The loads, writes a second on each writing side, in the order they ran. */
  readonly rates: readonly number[];
  /** The checker's round for two-way at loads above 50 writes a second. */
  readonly checkRoundTwoWayMs: number;
  readonly settleMs: number;
  readonly quick: boolean;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
}

/** Two-way's lag p99 at one load against the same load one-way (both-ways) and one-way A -> B alone. */
export interface RateFigures {
  readonly rate: number;
  readonly directions: readonly Direction[];
  readonly p99: number;
  readonly sameLoadP99: number;
  readonly sameLoadP50: number;
  readonly oneWayP99: number;
  readonly factor: number;
  readonly oneWayFactor: number;
}

export function twowayReport(input: ReportInput): { lines: string[]; byRate: RateFigures[] } {
  const { runs, rates, checkRoundTwoWayMs, settleMs, quick, loadBefore, loadAfter } = input;
  const oneWay = runs.filter((r) => r.mode === 'one-way');
  const bothWays = runs.filter((r) => r.mode === 'both-ways');
  const twoWay = runs.find((r) => r.mode === 'two-way');
  if (twoWay === undefined) throw new Error('no two-way run');
  const loadOf = (r: PairRun, rate: number): Load | undefined => r.loads.find((l) => l.rate === rate);
  /** A lag percentile at `rate`: the worse direction of each run, the mean over the runs. */
  const lagOf = (group: readonly PairRun[], rate: number, pick: (lag: Spread) => number): number =>
    group.reduce(
      (sum, r) => sum + Math.max(...(loadOf(r, rate)?.directions ?? []).map((d) => pick(d.lagMs))),
      0,
    ) / group.length;
  const mean = (group: readonly PairRun[], of: (r: PairRun) => number): number =>
    group.reduce((sum, r) => sum + of(r), 0) / group.length;
  const busyAt = (r: PairRun, rate: number): string => {
    const l = loadOf(r, rate);
    return l === undefined ? '-' : (l.cpuSec.machine / l.windowSec).toFixed(2);
  };
  const columns = runs.flatMap((r, i) =>
    r.loads.map((l) => ({ r, l, name: `${r.mode} #${i + 1} ${l.rate}/s` })),
  );
  const ops = [...new Set(columns.flatMap((c) => Object.keys(c.l.requests)))].sort();
  const perWrite = (l: Load, op: string): string => ((l.requests[op] ?? 0) / l.appWrites).toFixed(3);
  const twoWayAt = (rate: number): Load | undefined => loadOf(twoWay, rate);
  const lines = [
    table(
      [
        'run',
        'direction',
        'backlog',
        'catch-up s',
        'items/s',
        'rate',
        'writes/s',
        'seen',
        'never',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
      ],
      runs.flatMap((r) =>
        r.loads.flatMap((l) =>
          l.directions.map((d) => [
            r.mode,
            d.label,
            r.backlog,
            (r.catchUpMs / 1000).toFixed(1),
            r.catchUpItemsPerSec,
            l.rate,
            d.writer.achievedRate,
            d.seen,
            d.neverSeen,
            d.lagMs.p50,
            d.lagMs.p95,
            d.lagMs.p99,
            d.lagMs.max,
          ]),
        ),
      ),
    ),
    table(
      ['requests per app write (during the load)', ...columns.map((c) => c.name)],
      ops.map((op) => [op, ...columns.map((c) => perWrite(c.l, op))]),
    ),
    table(
      ['CPU while replicating the load', ...columns.map((c) => c.name)],
      [
        ['DynamoDB Local A+B, cores', ...columns.map((c) => (c.l.cpuSec.local / c.l.windowSec).toFixed(2))],
        ['replicator, cores', ...columns.map((c) => (c.l.cpuSec.replicator / c.l.windowSec).toFixed(2))],
        [
          'bench (writers, checkers), cores',
          ...columns.map((c) => (c.l.cpuSec.bench / c.l.windowSec).toFixed(2)),
        ],
        ['machine busy, cores', ...columns.map((c) => (c.l.cpuSec.machine / c.l.windowSec).toFixed(2))],
        [
          'DynamoDB Local ms per app write',
          ...columns.map((c) => ((c.l.cpuSec.local * 1000) / c.l.appWrites).toFixed(2)),
        ],
        [
          'replicator ms per app write',
          ...columns.map((c) => ((c.l.cpuSec.replicator * 1000) / c.l.appWrites).toFixed(2)),
        ],
      ],
    ),
    table(
      ['two-way request latency', ...rates.flatMap((rate) => [`${rate}/s p50 ms`, `${rate}/s p99 ms`])],
      ops.map((op) => [
        op,
        ...rates.flatMap((rate) => [
          twoWayAt(rate)?.latencyMs[op]?.p50 ?? '-',
          twoWayAt(rate)?.latencyMs[op]?.p99 ?? '-',
        ]),
      ]),
    ),
  ];
  const byRate = rates.map((rate) => {
    const directions = twoWayAt(rate)?.directions ?? [];
    const p99 = Math.max(...directions.map((d) => d.lagMs.p99));
    const sameLoadP99 = lagOf(bothWays, rate, (lag) => lag.p99);
    const oneWayP99 = lagOf(oneWay, rate, (lag) => lag.p99);
    return {
      rate,
      directions,
      p99,
      sameLoadP99,
      sameLoadP50: lagOf(bothWays, rate, (lag) => lag.p50),
      oneWayP99,
      factor: ratio(p99, sameLoadP99),
      oneWayFactor: ratio(p99, oneWayP99),
    };
  });
  lines.push(
    `  checker rounds at most every ${MIN_ROUND_MS} ms (two-way at 200 writes/s: ${checkRoundTwoWayMs} ms); each load settled ${settleMs / 1000} s first, uncounted`,
    ...byRate.map(
      (r) =>
        `  lag p99 at ${r.rate} writes/s on each side: two-way ${r.directions.map((d) => `${d.label} ${d.lagMs.p99} ms`).join(', ')} against the same load one-way (both-ways, worse direction, mean of ${bothWays.length} runs) ${Math.round(r.sameLoadP99)} ms (p50 ${Math.round(r.sameLoadP50)} ms): ${r.factor.toFixed(2)}x${r.rate === TARGET_RATE ? `; target <= ${TARGET_P99_FACTOR}x: ${r.factor <= TARGET_P99_FACTOR ? 'MET' : 'MISSED'}` : ''}; against one-way A -> B alone ${Math.round(r.oneWayP99)} ms: ${r.oneWayFactor.toFixed(2)}x${quick ? ' [--quick: figures not meaningful]' : ''}`,
    ),
    `  machine busy at ${TARGET_RATE} writes/s (cores of ${availableParallelism()}): ${runs.map((r, i) => `${r.mode} #${i + 1} ${busyAt(r, TARGET_RATE)}`).join(', ')}`,
    `  catch-up: two-way ${twoWay.catchUpItemsPerSec} items/s over both directions against both-ways ${Math.round(mean(bothWays, (r) => r.catchUpItemsPerSec))} and one-way A -> B ${Math.round(mean(oneWay, (r) => r.catchUpItemsPerSec))} items/s (process start to the whole backlog visible)`,
    `  requests: every SDK call the replicator started from a measured load's start until its last write was seen on the other side, by the trace hook, over the app writes sent and not skipped (acknowledged or timed out: ${columns.map((c) => c.l.appWrites).join(', ')}); each app write a new key`,
    `  load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  );
  return { lines, byRate };
}
