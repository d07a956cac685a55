// What a fleet's JSON logs say happened, for the fleet tests' checks: which worker read which shard when, reads of
// one shard by two workers at once, and hand-overs that do not continue at the old owner's checkpoint. Pure
// functions of the log lines, so tests/integration/fleet-logs.test.ts can show that each check finds what it
// looks for.
import { groupBy } from './group-by.js';
import type { LogLine } from './replicator-process.js';

/** What the checks need of a worker: its id, its log lines, and when it was killed with -9, if it was. */
export interface LoggedWorker {
  readonly id: string;
  readonly process: { readonly logs: readonly LogLine[] };
  /** Wall-clock time by which the process was dead, when it was killed with SIGKILL. */
  readonly killedAt: number | undefined;
}

/** Shards a worker reads now, by its log: "shard reading" without a "shard finished" or "shard stopped" since. */
export function readingNow(worker: LoggedWorker): Set<string> {
  const reading = new Set<string>();
  for (const line of worker.process.logs) {
    if (typeof line.shardId !== 'string') continue;
    if (line.msg === 'shard reading') reading.add(line.shardId);
    else if (line.msg === 'shard finished' || line.msg === 'shard stopped') reading.delete(line.shardId);
  }
  return reading;
}

function timeOf(line: LogLine): number {
  return Date.parse(String(line.time));
}

export interface ReadingInterval {
  readonly worker: string;
  readonly shardId: string;
  readonly from: number;
  readonly to: number;
  /** How it ended: a 'shard stopped' kind, 'finished', or 'killed'. */
  readonly end: string;
}

/**
 * When a worker read each shard, from its log: "shard reading" opens an interval, "shard finished" or "shard
 * stopped" closes it; a worker killed with -9 stopped everything when it died. Two openings without a close in
 * between (two pipelines of one shard in one worker) come back as a problem.
 */
export function readingIntervals(worker: LoggedWorker): { intervals: ReadingInterval[]; problems: string[] } {
  const open = new Map<string, number>();
  const intervals: ReadingInterval[] = [];
  const problems: string[] = [];
  for (const line of worker.process.logs) {
    const shardId = typeof line.shardId === 'string' ? line.shardId : undefined;
    if (shardId === undefined) continue;
    if (line.msg === 'shard reading') {
      if (open.has(shardId)) problems.push(`${worker.id} started ${shardId} twice at ${String(line.time)}`);
      open.set(shardId, timeOf(line));
    } else if (line.msg === 'shard finished' || line.msg === 'shard stopped') {
      const from = open.get(shardId);
      if (from === undefined) continue;
      open.delete(shardId);
      const end = line.msg === 'shard finished' ? 'finished' : String(line.kind);
      intervals.push({ worker: worker.id, shardId, from, to: timeOf(line), end });
    }
  }
  for (const [shardId, from] of open) {
    if (worker.killedAt !== undefined) {
      intervals.push({ worker: worker.id, shardId, from, to: worker.killedAt, end: 'killed' });
    } else {
      problems.push(`${worker.id} never logged the end of ${shardId}`);
    }
  }
  return { intervals, problems };
}

/**
 * Reads of one shard by two workers at the same time. A hand-over or a release on stop leaves none: the old owner
 * logs "shard stopped" after its final flush and checkpoint, and only then writes the lease over to the new owner,
 * who starts reading after it has seen that write. A lease taken after expiry from a worker killed with -9 leaves
 * none either (the old reader is dead). Only a live worker whose lease expired under it ('lost') may still be
 * reading when the next owner starts, until its own clock tells it; its writes are fenced, its reads are not.
 */
export function overlappingReads(intervals: readonly ReadingInterval[]): {
  overlaps: string[];
  tolerated: number;
} {
  const byShard = groupBy(intervals, (interval) => interval.shardId);
  const overlaps: string[] = [];
  let tolerated = 0;
  for (const list of byShard.values()) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const [a, b] = [list[i]!, list[j]!];
        if (a.worker === b.worker || !(b.from < a.to)) continue;
        if (a.end === 'lost') tolerated += 1;
        else
          overlaps.push(
            `${a.shardId}: ${a.worker} read it until ${a.to} (${a.end}), ${b.worker} from ${b.from}`,
          );
      }
    }
  }
  return { overlaps, tolerated };
}

/**
 * Every hand-over continues exactly where the old owner stopped: the new owner's "lease taken" checkpoint is the
 * last checkpoint the old owner moved to (its last "flushed" line for the shard, or the checkpoint it took the
 * lease with), so no record between the two is skipped. Returns the hand-overs checked and the broken ones.
 */
export function handOverGaps(workers: readonly LoggedWorker[]): { checked: number; gaps: string[] } {
  const byId = new Map(workers.map((w) => [w.id, w]));
  let checked = 0;
  const gaps: string[] = [];
  for (const old of workers) {
    const logs = old.process.logs;
    logs.forEach((line, index) => {
      if (line.msg !== 'lease released' || typeof line.to !== 'string') return;
      const shardId = String(line.shardId);
      const before = logs.slice(0, index).filter((l) => l.shardId === shardId);
      const tenure = before.slice(before.findLastIndex((l) => l.msg === 'lease taken'));
      const lastFlush = tenure.findLast((l) => l.msg === 'flushed');
      const expected = String(lastFlush?.lastSequenceNumber ?? tenure[0]?.checkpoint);
      const stopped = tenure.findLast((l) => l.msg === 'shard stopped');
      const next = byId.get(line.to);
      // The first take of the shard after the old owner's "shard stopped" (the hand-over write comes between),
      // by any worker: the one it was handed to, unless that one missed it and the lease expired.
      const taken = stopped === undefined ? undefined : firstTakeAfter(workers, shardId, timeOf(stopped));
      if (taken === undefined || taken.by !== line.to) {
        // Only a worker that was stopped or died before its next look at the lease table may miss a lease handed
        // to it (the lease then waits for expiry).
        const gone =
          next !== undefined &&
          (next.killedAt !== undefined ||
            next.process.logs.some((l) => l.msg.startsWith('stopping') && timeOf(l) >= timeOf(line)));
        if (!gone) {
          gaps.push(
            taken === undefined
              ? `${shardId}: handed by ${old.id} to ${line.to}, never taken`
              : `${shardId}: handed by ${old.id} to ${line.to}, taken by ${taken.by} instead (at ${String(taken.line.checkpoint)})`,
          );
        }
        return;
      }
      checked += 1;
      if (taken.line.checkpoint !== expected) {
        gaps.push(
          `${shardId}: ${old.id} handed it over at ${expected}, ${line.to} took it at ${String(taken.line.checkpoint)}`,
        );
      }
    });
  }
  return { checked, gaps };
}

function firstTakeAfter(
  workers: readonly LoggedWorker[],
  shardId: string,
  since: number,
): { readonly by: string; readonly line: LogLine } | undefined {
  let first: { by: string; line: LogLine } | undefined;
  for (const worker of workers) {
    const line = worker.process.logs.find(
      (l) => l.msg === 'lease taken' && l.shardId === shardId && timeOf(l) >= since,
    );
    if (line !== undefined && (first === undefined || timeOf(line) < timeOf(first.line)))
      first = { by: worker.id, line };
  }
  return first;
}
