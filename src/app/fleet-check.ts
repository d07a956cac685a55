// Pure: what `status --check` reports, for cron jobs and monitoring scripts: the reasons a task is not healthy as
// its lease table shows it, one line each (none: healthy): a shard nobody has read for longer than the failover
// time (its owner expired, or it was released that long ago; a lease never taken has no time to judge by and
// counts through "no live worker" only), a failure a worker recorded, a shard further behind than `maxLagMs`, no
// live worker, no lease table at all.
import type { FleetStatus } from './fleet-status.js';
import { lagText } from '../observability/lag-text.js';

export interface CheckOptions {
  /** Undefined: lag is not checked. */
  readonly maxLagMs?: number | undefined;
}

export function fleetProblems(fleet: FleetStatus | undefined, options: CheckOptions): string[] {
  if (fleet === undefined) return ['no lease table: no worker has started this task'];
  const problems: string[] = [];
  for (const f of fleet.failures ?? []) {
    problems.push(`failed on ${f.workerId} ${lagText(f.sinceMs)} ago: ${f.error}`);
  }
  const live = fleet.shards.filter((s) => s.state !== 'finished');
  if (fleet.workers.length === 0 && live.length > 0) problems.push('no live worker: nothing replicates');
  for (const shard of fleet.shards) {
    const idleMs = shard.sinceRenewalMs;
    if (shard.state === 'expired') {
      problems.push(
        `shard ${shard.shardId}: its owner ${shard.owner ?? '?'} has not renewed for ${lagText(idleMs ?? 0)} (failover ${lagText(shard.failoverMs)})`,
      );
    } else if (shard.state === 'unowned' && idleMs !== undefined && idleMs > shard.failoverMs) {
      problems.push(`shard ${shard.shardId}: unowned for ${lagText(idleMs)}`);
    } else if (
      options.maxLagMs !== undefined &&
      shard.behindMs !== undefined &&
      shard.behindMs > options.maxLagMs
    ) {
      problems.push(
        `shard ${shard.shardId}: ${lagText(shard.behindMs)} behind (over --max-lag-ms ${options.maxLagMs})`,
      );
    }
  }
  return problems;
}
