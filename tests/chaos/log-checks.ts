// Checks read from the workers' log lines: when a line was written, and whether a worker ever ran two
// pipelines of one shard at the same time.
import type { LogLine } from '../support/replicator-process.js';

/**
 * One pipeline per shard and worker (invariant 4): a "shard reading" while the same worker's earlier pipeline
 * of that shard has not logged its end ("shard stopped" or "shard finished") means two ran at once.
 */
export function overlappingPipelines(logs: readonly LogLine[]): string | undefined {
  const open = new Map<string, LogLine>();
  for (const line of logs) {
    const shard = typeof line.shardId === 'string' ? line.shardId : undefined;
    if (shard === undefined) continue;
    if (line.msg === 'shard reading') {
      const earlier = open.get(shard);
      if (earlier !== undefined) {
        return `ran two pipelines for shard ${shard} at once: "shard reading" at ${String(line.time)} (${String(line.position)}) while the one started at ${String(earlier.time)} (${String(earlier.position)}) had not stopped`;
      }
      open.set(shard, line);
    } else if (line.msg === 'shard stopped' || line.msg === 'shard finished') {
      open.delete(shard);
    }
  }
  return undefined;
}

/** A log line's time in epoch ms (pino writes epoch numbers or ISO strings, by configuration). */
export function timeOf(line: LogLine): number {
  const time = line.time;
  if (typeof time === 'number') return time;
  return typeof time === 'string' ? Date.parse(time) : Number.NaN;
}
