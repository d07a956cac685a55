// The printed part of the `thousand` stage (thousand-shards.ts): a table of the four fleet changes, the lease-table
// requests of each worker in the steady and idle windows against its leases' renewals, memory, GetRecords a
// second at idle, and each of issue 17's targets as met or MISSED.
import type { FleetTiming } from '../src/lease/lease-timing.js';
import { fairShare, maxPerWorker, type OwnershipSample } from './lease-ownership.js';
import { isRequest, isWrite, type RequestCounts } from './lease-request-proxy.js';
import type { MemoryStatus } from './proc-stats.js';
import { table } from './report.js';

export interface Sizes {
  readonly shards: number;
  readonly workers: number;
  readonly recordsPerSec: number;
  readonly splitEveryMs: number;
  readonly phaseTimeoutMs: number;
  /** How long the fleet stays balanced before a phase ends. */
  readonly holdMs: number;
  readonly steadyMs: number;
  readonly idleSettleMs: number;
  readonly idleMs: number;
  readonly failoverMs: number;
}

export interface PhaseResult {
  readonly name: string;
  readonly workers: number;
  /** From the change to the first sample with a lease item for every shard of the start. */
  readonly allLeasesMs: number | undefined;
  /** From the change to the first sample with a lease to read owned by a live worker. */
  readonly firstTakenMs: number | undefined;
  /** Lease-table requests of the whole fleet during the phase, by kind. */
  readonly requests: Record<string, number>;
  /** Cores over the phase: all workers, DynamoDB Local, the bench process, the proxies, everything else on the
   *  machine (other people's work: a run disturbed by it says so here), the machine in all (2 cores). */
  readonly cores: Record<string, number>;
  /**
   * The bench process's event-loop utilization over the phase: the stream server (the stand-in for DynamoDB
   * Streams) answers on that loop. Near 1 it was saturated and answered late, whatever the fleet did.
   */
  readonly standInElu: number;
  /** Workers started by the change: spawn to their 'replicating' line (startup checks, first shard sync). */
  readonly startupMs: Record<string, number>;
  /** From the change to the first sample with every lease to read owned by a live worker. */
  readonly allOwnedMs: number | undefined;
  /** From the change to the first balanced sample. */
  readonly balancedMs: number | undefined;
  /** Whether the phase ended balanced for the hold time (else it timed out). */
  readonly heldBalanced: boolean;
  /** Samples after the first balanced one that were not balanced. */
  readonly unbalancedAfter: number;
  /** The first balanced sample, or the last one. */
  readonly at: OwnershipSample | undefined;
  readonly longestUnreadMs: number;
  readonly longestUnreadShard: string | undefined;
  readonly longestUnreadStillOpen: boolean;
  readonly gapsOver15s: number;
  /** Per sample: ms since the change, lease items, leases to read, unowned, most owned by one worker. */
  readonly timeline: readonly (readonly number[])[];
}

export interface WindowResult {
  readonly name: string;
  readonly seconds: number;
  readonly requests: RequestCounts;
  /** Leases to read each worker owned, averaged over the window's samples. */
  readonly heldAvg: Record<string, number>;
  readonly memory: Record<string, MemoryStatus | undefined>;
  readonly getRecords: number;
  readonly describeStream: number;
  readonly openShards: number;
  readonly cores: Record<string, number>;
}

/** Writes a second a worker may make beyond its leases' renewals (heartbeat every 2nd round: 0.3/s). */
export const SMALL_CONSTANT_PER_SEC = 1;
const BALANCE_TARGET_MS = 30_000;
/** The stream server's loop busy at least this share of a phase: requests queue behind each other there. */
const SATURATED_ELU = 0.9;

interface Figures {
  readonly sizes: Sizes;
  readonly timing: FleetTiming;
  readonly splits: number;
  readonly records: number;
  readonly shardsAtEnd: number;
  readonly phases: readonly PhaseResult[];
  readonly windows: readonly WindowResult[];
  readonly notes: readonly string[];
  readonly warnings: Record<string, Record<string, number>>;
}

const sec = (ms: number | undefined): string => (ms === undefined ? 'never' : (ms / 1000).toFixed(1));
const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED');

export function describeThousand(f: Figures): string[] {
  const { sizes, timing } = f;
  const unreadTargetMs = sizes.failoverMs + 5_000;
  const lines: string[] = [
    `${sizes.shards} shards on the stream server, ${f.splits} splits during the run (one every ${sizes.splitEveryMs / 1000} s, ${f.shardsAtEnd} shards listed at the end),`,
    `${f.records} records trickled at ${sizes.recordsPerSec}/s; ${sizes.workers} workers, then one joins, one is stopped (SIGTERM), one killed (SIGKILL);`,
    `failover ${sizes.failoverMs} ms (renew every ${timing.renewIntervalMs} ms). Lease table scanned every 500 ms; balanced = every lease to read owned by a`,
    `live worker and none owns more than its fair share (leases to read / live workers) + 1, held ${sizes.holdMs / 1000} s to end a phase.`,
    `Longest unread: the longest time a shard went without a GetRecords (from the change, or since it could be read) in the phase.`,
    '',
  ];
  lines.push(
    ...table(
      [
        'phase',
        'workers',
        'all owned s',
        'balanced s',
        'max/fair',
        'owned per worker',
        'longest unread s',
        'gaps>15s',
      ],
      f.phases.map((p) => [
        p.name,
        p.workers,
        sec(p.allOwnedMs),
        `${sec(p.balancedMs)}${p.heldBalanced ? '' : ' (not held)'}${p.unbalancedAfter > 0 ? ` (lost ${p.unbalancedAfter}x)` : ''}`,
        p.at === undefined ? '-' : `${maxPerWorker(p.at)}/${fairShare(p.at).toFixed(1)}`,
        p.at === undefined ? '-' : Object.values(p.at.perWorker).join('/'),
        `${sec(p.longestUnreadMs)}${p.longestUnreadStillOpen ? ' (open)' : ''}`,
        p.gapsOver15s,
      ]),
    ).split('\n'),
  );
  for (const p of f.phases) {
    if (p.longestUnreadShard !== undefined) lines.push(`  ${p.name}: longest unread ${p.longestUnreadShard}`);
  }
  for (const p of f.phases) {
    const startups = Object.values(p.startupMs);
    if (startups.length === 0) continue;
    // Against a lone worker's startup on a quiet machine (docs/benchmarks.md), this says how much was waiting for CPU.
    lines.push(
      `  ${p.name}: started workers replicating (startup checks, first shard sync) ${sec(Math.min(...startups))}-${sec(Math.max(...startups))} s after spawn`,
    );
  }
  for (const p of f.phases) {
    lines.push(
      `  ${p.name}: cores: workers ${(p.cores.workers ?? 0).toFixed(2)}, DynamoDB Local ${(p.cores.jvm ?? 0).toFixed(2)}, stream server ${(p.cores.bench ?? 0).toFixed(2)} (its event loop busy ${Math.round(p.standInElu * 100)}%), machine ${(p.cores.machine ?? 0).toFixed(2)} of 2${p.standInElu >= SATURATED_ELU ? ": the stream server was saturated, its answers late (unread times here are the machine's as much as the fleet's)" : ''}`,
    );
  }
  const writeChecks: boolean[] = [];
  for (const w of f.windows) {
    lines.push(
      '',
      `${w.name} window, ${w.seconds.toFixed(0)} s: lease-table requests a second per worker (writes by kind), against its leases' renewals`,
      `(leases held on average x ${(1000 / timing.renewIntervalMs).toFixed(2)}/s); renew/s counts renewals (each item of a transaction);`,
      `excess = write requests - renewals due - checkpoints (target <= ${SMALL_CONSTANT_PER_SEC}/s)`,
    );
    const rows: (string | number)[][] = [];
    const total: Record<string, number> = {};
    for (const [id, kinds] of Object.entries(w.requests)) {
      const rate = (n: number): number => n / w.seconds;
      const sum = (pred: (kind: string) => boolean): number =>
        Object.entries(kinds).reduce((s, [k, n]) => (pred(k) ? s + n : s), 0);
      const reads = sum((k) => isRequest(k) && !isWrite(k));
      const writes = sum(isWrite);
      const kind = (k: string): number => kinds[k] ?? 0;
      const held = w.heldAvg[id] ?? 0;
      const due = held * (1000 / timing.renewIntervalMs);
      const excess = rate(writes) - due - rate(kind('checkpoint'));
      writeChecks.push(excess <= SMALL_CONSTANT_PER_SEC);
      for (const [k, n] of Object.entries(kinds)) total[k] = (total[k] ?? 0) + n;
      rows.push([
        id,
        held.toFixed(1),
        rate(reads).toFixed(2),
        rate(writes).toFixed(1),
        rate(kind('renew') + kind('items:renew')).toFixed(1),
        due.toFixed(1),
        rate(kind('checkpoint')).toFixed(1),
        rate(kind('heartbeat')).toFixed(2),
        rate(writes - kind('renew') - kind('tx:renew') - kind('checkpoint') - kind('heartbeat')).toFixed(2),
        rate(sum((k) => k.endsWith(':refused'))).toFixed(2),
        excess.toFixed(2),
        w.memory[id] === undefined
          ? '-'
          : `${w.memory[id].rssMb.toFixed(0)}/${w.memory[id].hwmMb.toFixed(0)}`,
        (w.cores[id] ?? 0).toFixed(2),
      ]);
    }
    const all = Object.entries(total);
    const totalReads = all.reduce((s, [k, n]) => (isWrite(k) || !isRequest(k) ? s : s + n), 0) / w.seconds;
    const totalWrites = all.reduce((s, [k, n]) => (isWrite(k) ? s + n : s), 0) / w.seconds;
    rows.push([
      'total',
      '',
      totalReads.toFixed(1),
      totalWrites.toFixed(1),
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ]);
    lines.push(
      ...table(
        [
          'worker',
          'leases',
          'reads/s',
          'writes/s',
          'renew/s',
          'due/s',
          'ckpt/s',
          'beat/s',
          'other/s',
          'refused/s',
          'excess/s',
          'RSS/peak MB',
          'cores',
        ],
        rows,
      ).split('\n'),
    );
    lines.push(
      `  by kind over all workers: ${all.map(([k, n]) => `${k} ${(n / w.seconds).toFixed(2)}/s`).join(', ')}`,
      `  GetRecords ${(w.getRecords / w.seconds).toFixed(0)}/s overall (${(w.getRecords / w.seconds / Math.max(1, w.openShards)).toFixed(2)}/s per open shard, ${w.openShards} open), DescribeStream ${(w.describeStream / w.seconds).toFixed(2)}/s;`,
      `  cores: DynamoDB Local ${(w.cores.jvm ?? 0).toFixed(2)}, bench process (stream server) ${(w.cores.bench ?? 0).toFixed(2)}, proxies ${(w.cores.proxies ?? 0).toFixed(2)}, not ours ${(w.cores.other ?? 0).toFixed(2)} (machine ${(w.cores.machine ?? 0).toFixed(2)} of 2)`,
    );
  }
  lines.push('', 'Targets:');
  for (const p of f.phases) {
    lines.push(
      `  ${p.name}: balanced within ${BALANCE_TARGET_MS / 1000} s: ${sec(p.balancedMs)} s ${verdict(p.balancedMs !== undefined && p.balancedMs <= BALANCE_TARGET_MS)}; ` +
        `no shard unread > ${unreadTargetMs / 1000} s: ${sec(p.longestUnreadMs)} s ${verdict(p.longestUnreadMs <= unreadTargetMs)}`,
    );
  }
  lines.push(
    `  lease-table writes per worker <= renewals due + checkpoints + ${SMALL_CONSTANT_PER_SEC}/s in both windows: ${verdict(writeChecks.every(Boolean))}`,
  );
  for (const note of f.notes) lines.push(`note: ${note}`);
  for (const [id, counts] of Object.entries(f.warnings)) {
    if (Object.keys(counts).length > 0) lines.push(`warnings ${id}: ${JSON.stringify(counts)}`);
  }
  return lines;
}
