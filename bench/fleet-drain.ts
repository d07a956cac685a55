// What the stages that start several worker processes together (shards, plan) share: waiting until the fleet has
// drained a backlog of N records (the flush logs of all workers add up to N, then a COUNT of the destination
// confirms, since a record written twice after a lease moved makes the logs run ahead of the keys), when the
// first write began, each worker's warn-level lines (lost leases and retries explain re-read records), and the
// workers' JSON logs kept in files when a run needs explaining.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../src/util/sleep.js';
import type { Lifetime } from './lifetime.js';
import { now, type ReplicatorChild } from './replicator-child.js';

/** The flush logs are polled this often: they are in memory, a poll costs nothing. */
const LOG_POLL_MS = 20;
/** A COUNT scans the destination: far less often. */
const COUNT_POLL_MS = 200;

export interface Drained {
  /** Epoch ms: the start of the first COUNT that found every item. */
  readonly confirmedAt: number;
  readonly confirmedCount: number;
}

export async function awaitFleetDrain(
  children: readonly ReplicatorChild[],
  options: {
    readonly records: number;
    /** performance.now() after which the wait fails. */
    readonly deadline: number;
    /** Items in the destination now (every destination table, when there are several). */
    readonly count: (signal: AbortSignal) => Promise<number>;
    readonly lifetime: Lifetime;
  },
): Promise<Drained> {
  const { lifetime, records } = options;
  const signal = lifetime.signal;
  const written = (): number => children.reduce((sum, c) => sum + c.written, 0);
  const check = (what: string): void => {
    lifetime.check();
    const gone = children.find((c) => !c.running);
    if (gone !== undefined) throw new Error(`a worker exited before ${what}: ${gone.problems().join('\n')}`);
    if (performance.now() > options.deadline) throw new Error(`timed out waiting for ${what}`);
  };
  while (written() < records) {
    check(`the flush logs reached ${records} (at ${written()})`);
    await sleep(LOG_POLL_MS, signal);
  }
  let confirmedAt = now();
  let confirmedCount = await options.count(signal);
  while (confirmedCount < records) {
    check(`${records} items in the destination (at ${confirmedCount})`);
    await sleep(COUNT_POLL_MS, signal);
    confirmedAt = now();
    confirmedCount = await options.count(signal);
  }
  return { confirmedAt, confirmedCount };
}

/**
 * Epoch ms at which the fleet's first write began (a flush is logged when it ends): with a small backlog one flush
 * may hold every record, and timing from its log line would make the drain look instant.
 */
export function firstWriteAt(children: readonly ReplicatorChild[]): number {
  return Math.min(
    ...children.map((c) => {
      const flush = c.first('flushed');
      return flush === undefined ? Number.POSITIVE_INFINITY : flush.at - Number(flush.fields.durationMs ?? 0);
    }),
  );
}

/** Log lines of the given levels (warn by default) by message (and reason), e.g. 'lease lost: not renewed within the failover time'. */
export function warnings(
  child: ReplicatorChild,
  levels: readonly string[] = ['warn'],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of child.logs) {
    if (!levels.includes(String(entry.fields.level))) continue;
    const reason = entry.fields.reason;
    const what = typeof reason === 'string' ? `${entry.msg}: ${reason}` : entry.msg;
    counts[what] = (counts[what] ?? 0) + 1;
  }
  return counts;
}

/** Writes each worker's JSON log lines to `<dir>/<runName>-w<i>.log`; returns the pattern of their paths. */
export function keepWorkerLogs(children: readonly ReplicatorChild[], dir: string, runName: string): string {
  mkdirSync(dir, { recursive: true });
  children.forEach((c, i) => {
    const lines = c.logs.map((e) => JSON.stringify(e.fields)).join('\n');
    writeFileSync(join(dir, `${runName}-w${i + 1}.log`), `${lines}\n`);
  });
  return `${join(dir, runName)}-w*.log`;
}
