// Pure: the fleet as the lease table shows it, for `ddb-replicator status`: per shard its owner's lag (as
// recorded with the owner's last renewal) and the task's bootstrap copy, so any reader sees every worker's. A shard's state is one of reading,
// handing over, expired (its owner has not renewed within its failover time, by the lease's lastRenewedAt and the
// reader's clock: a display hint, not the rule workers use), waiting for parents, unowned, or finished.
import type { BootstrapItems } from '../bootstrap/bootstrap-items.js';
import { copyStatus, copyStatusText, type CopyStatus } from '../bootstrap/copy-status.js';
import { isReady } from '../lease/lease-decision.js';
import { lagText } from '../observability/lag-text.js';
import { isFinished, type Lease, type WorkerPresence } from '../lease/lease.js';
import type { TaskFailure } from '../lease/task-failure.js';

export type ShardState =
  'reading' | 'handing-over' | 'expired' | 'waiting-for-parents' | 'unowned' | 'finished';

export interface ShardStatus {
  readonly shardId: string;
  readonly state: ShardState;
  readonly owner: string | undefined;
  readonly pendingOwner: string | undefined;
  readonly checkpoint: string;
  readonly parentShardIds: readonly string[];
  /** Milliseconds since the owner last renewed, when the lease records it. */
  readonly sinceRenewalMs: number | undefined;
  /**
   * How far behind the newest record the owner was at its last renewal (at most a renewal interval ago), for a
   * shard being read; undefined when nobody reads it or its owner knows nothing yet.
   */
  readonly behindMs: number | undefined;
  /** The failover time the last owner worked with (the default when none recorded one). */
  readonly failoverMs: number;
}

export interface WorkerStatus {
  readonly workerId: string;
  readonly leases: number;
  /** Milliseconds since its last heartbeat, when it has a presence item (a worker of this version). */
  readonly sinceHeartbeatMs?: number;
}

export interface FleetStatus {
  readonly shards: readonly ShardStatus[];
  readonly workers: readonly WorkerStatus[];
  readonly totals: Readonly<Record<ShardState, number>>;
  /** The task's bootstrap copy, when it has one. */
  readonly copy?: CopyStatus;
  /** Workers whose run of the task failed since it last started (newest first), when any. */
  readonly failures?: readonly FailureStatus[];
  /** Dead letters waiting in the task's dead-letter table (--on-reject dead-letter), when it has one. */
  readonly deadLetters?: number;
}

export interface FailureStatus {
  readonly workerId: string;
  readonly error: string;
  readonly sinceMs: number;
}

const DEFAULT_FAILOVER_MS = 10_000;

/**
 * `presence`: the workers' presence items. A worker shows when it holds a live lease or its heartbeat is more
 * recent than its failover time (so a standby worker holding nothing shows too).
 */
export function fleetStatus(
  leases: readonly Lease[],
  now: number,
  presence: readonly WorkerPresence[] = [],
  more: { readonly copy?: BootstrapItems; readonly failures?: readonly TaskFailure[] } = {},
): FleetStatus {
  const byKey = new Map(leases.map((lease) => [lease.leaseKey, lease]));
  // A parent lease is deleted only after it finished, so a missing parent counts as done here.
  const noStream = new Set<string>();
  const shards = [...leases]
    .sort((a, b) => (a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0))
    .map((lease): ShardStatus => {
      const sinceRenewalMs =
        lease.lastRenewedAt === undefined ? undefined : Math.max(0, now - lease.lastRenewedAt);
      const state = stateOf(lease, byKey, noStream, sinceRenewalMs);
      return {
        shardId: lease.leaseKey,
        state,
        owner: lease.leaseOwner,
        pendingOwner: lease.pendingOwner,
        checkpoint: lease.checkpoint,
        parentShardIds: lease.parentShardIds,
        sinceRenewalMs,
        behindMs: state === 'reading' || state === 'handing-over' ? lease.behindMs : undefined,
        failoverMs: lease.failoverMs ?? DEFAULT_FAILOVER_MS,
      };
    });
  const counts = new Map<string, number>();
  for (const shard of shards) {
    if (shard.owner === undefined || shard.state === 'finished' || shard.state === 'expired') continue;
    counts.set(shard.owner, (counts.get(shard.owner) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  for (const worker of presence) {
    const sinceHeartbeatMs =
      worker.lastSeenAt === undefined ? undefined : Math.max(0, now - worker.lastSeenAt);
    if (sinceHeartbeatMs === undefined) continue;
    seen.set(worker.workerId, sinceHeartbeatMs);
    if (sinceHeartbeatMs <= (worker.failoverMs ?? DEFAULT_FAILOVER_MS) && !counts.has(worker.workerId))
      counts.set(worker.workerId, 0);
  }
  const workers = [...counts.entries()]
    .map(([workerId, count]): WorkerStatus => {
      const sinceHeartbeatMs = seen.get(workerId);
      return sinceHeartbeatMs === undefined
        ? { workerId, leases: count }
        : { workerId, leases: count, sinceHeartbeatMs };
    })
    .sort((a, b) => (a.workerId < b.workerId ? -1 : 1));
  const totals: Record<ShardState, number> = {
    reading: 0,
    'handing-over': 0,
    expired: 0,
    'waiting-for-parents': 0,
    unowned: 0,
    finished: 0,
  };
  for (const shard of shards) totals[shard.state] += 1;
  const copy = more.copy === undefined ? undefined : copyStatus(more.copy, now);
  const failures = (more.failures ?? [])
    .map((f) => ({ workerId: f.workerId, error: f.error, sinceMs: Math.max(0, now - f.failedAt) }))
    .sort((a, b) => a.sinceMs - b.sinceMs);
  return {
    shards,
    workers,
    totals,
    ...(copy === undefined ? {} : { copy }),
    ...(failures.length === 0 ? {} : { failures }),
  };
}

function stateOf(
  lease: Lease,
  byKey: ReadonlyMap<string, Lease>,
  noStream: ReadonlySet<string>,
  sinceRenewalMs: number | undefined,
): ShardState {
  if (isFinished(lease)) return 'finished';
  if (!isReady(lease, byKey, noStream)) return 'waiting-for-parents';
  if (lease.leaseOwner === undefined) return 'unowned';
  if (sinceRenewalMs !== undefined && sinceRenewalMs > (lease.failoverMs ?? DEFAULT_FAILOVER_MS))
    return 'expired';
  if (lease.pendingOwner !== undefined) return 'handing-over';
  return 'reading';
}

/** The human view: one line per shard, then one per worker. */
export function formatFleetStatus(status: FleetStatus, header: string): string {
  const rows = status.shards.map((s) => [
    s.shardId,
    s.state === 'handing-over' ? `handing over to ${s.pendingOwner ?? '?'}` : s.state,
    s.owner ?? '-',
    s.behindMs === undefined ? '-' : lagText(s.behindMs),
    s.checkpoint,
    s.parentShardIds.length === 0 ? '-' : s.parentShardIds.join(','),
  ]);
  const table = [['SHARD', 'STATE', 'OWNER', 'LAG', 'CHECKPOINT', 'PARENTS'], ...rows];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
  const lines = table.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const totals = Object.entries(status.totals)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  const workers =
    status.workers.length === 0
      ? ['no live worker']
      : status.workers.map(
          (w) =>
            `${w.workerId}: ${w.leases} lease${w.leases === 1 ? '' : 's'}${w.leases === 0 ? ' (standby)' : ''}`,
        );
  return [
    header,
    '',
    ...lines,
    '',
    `shards: ${totals || 'none'}`,
    ...(status.copy === undefined ? [] : [`bootstrap copy: ${copyStatusText(status.copy)}`]),
    ...(status.deadLetters === undefined ? [] : [deadLettersText(status.deadLetters)]),
    'workers:',
    ...workers.map((w) => `  ${w}`),
    ...(status.failures ?? []).map((f) => `failed on ${f.workerId} ${lagText(f.sinceMs)} ago: ${f.error}`),
  ].join('\n');
}

export function deadLettersText(count: number): string {
  if (count === 0) return 'dead letters: none';
  return `dead letters: ${count} waiting (ddb-replicator dead-letters list, then replay once the cause is fixed)`;
}
