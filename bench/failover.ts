// Stage `failover`: how long replication stops when the worker owning the shard dies (kill -9) or is stopped
// (SIGTERM), with default settings (--failover-ms 10000). Two replicator CLI workers of one task share the
// source's single shard (DynamoDB Local has one per table) under a steady paced load; the owner is the worker
// whose latest lease log line is "lease taken". Timed from the signal: until the other worker logs taking the
// lease, and until the first item written after the signal is visible at the destination. A replacement
// worker is started after each trial, so every trial has a standby that has watched the lease table for a while.
import { loadavg } from 'node:os';
import { sleep } from '../src/util/sleep.js';
import { LIVE_DEST_TABLE, LIVE_SOURCE_TABLE, startLiveTables, type LiveTables } from './live-tables.js';
import { runPacedWriter } from './paced-writer.js';
import { minMedianMax } from './percentiles.js';
import { now, type ReplicatorChild } from './replicator-child.js';
import { table } from './report.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';
import { VisibilityChecker } from './visibility-checker.js';

const WRITE_RATE = 50;
const TARGETS_MS = { SIGKILL: 15_000, SIGTERM: 3_000 } as const;
type Kind = keyof typeof TARGETS_MS;
/** A standby watches the lease table this long before a trial: more than one take interval (2 s by default). */
const STANDBY_SETTLE_MS = 5_000;
const TRIAL_TIMEOUT_MS = 60_000;

interface Trial {
  readonly kind: Kind;
  /** ms from the signal until another worker logged "lease taken". */
  readonly takeoverMs: number;
  /** ms from the signal until the first item written after it was visible at the destination. */
  readonly recoveryMs: number;
  /** ms from the signal until the signalled worker exited. */
  readonly exitMs: number;
  readonly exitCode: string;
  readonly loadavg1m: number;
}

const LEASE_EVENTS = new Set(['lease taken', 'lease lost', 'lease released']);

function ownsLease(worker: ReplicatorChild): boolean {
  const last = worker.logs.findLast((e) => LEASE_EVENTS.has(e.msg));
  return worker.running && last?.msg === 'lease taken';
}

async function waitFor<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (signal.aborted) throw new Error('interrupted');
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5, signal);
  }
}

class Fleet {
  readonly workers: ReplicatorChild[] = [];
  #started = 0;

  constructor(
    readonly tables: LiveTables,
    readonly task: string,
  ) {}

  start(): ReplicatorChild {
    this.#started += 1;
    const worker = this.tables.startWorker(this.task, {
      args: ['--worker-id', `worker-${this.#started}`, '--progress-interval-ms', '0'],
    });
    this.workers.push(worker);
    return worker;
  }

  get running(): ReplicatorChild[] {
    return this.workers.filter((w) => w.running);
  }

  /** Every worker's lease log lines, for a failure message. */
  leaseStory(): string {
    return this.workers
      .map(
        (w, i) =>
          `worker ${i + 1} (${w.running ? 'running' : 'exited'}): ${w.logs
            .filter((e) => LEASE_EVENTS.has(e.msg) || e.msg.includes('lease'))
            .map((e) => `${e.msg} ${JSON.stringify(e.fields.shardId ?? '')}`)
            .join(', ')}`,
      )
      .join('; ');
  }

  problems(): string {
    return this.workers.flatMap((w) => w.problems()).join('\n');
  }
}

async function runTrial(
  kind: Kind,
  fleet: Fleet,
  checker: VisibilityChecker,
  ctx: StageContext,
): Promise<Trial> {
  const signal = ctx.lifetime.signal;
  // A standby that has been replicating-ready long enough to have watched the owner's lease counter move.
  while (fleet.running.length < 2) fleet.start();
  await waitFor(
    'every worker to start replicating',
    () => (fleet.running.every((w) => w.first('replicating') !== undefined) ? true : undefined),
    TRIAL_TIMEOUT_MS,
    signal,
  );
  await sleep(STANDBY_SETTLE_MS, signal);
  const owner = await waitFor(
    'a worker holding the lease',
    () => fleet.running.find(ownsLease),
    TRIAL_TIMEOUT_MS,
    signal,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; lease log lines: ${fleet.leaseStory()}\n${fleet.problems()}`);
  });
  // Caught up: everything acknowledged more than a second ago is at the destination.
  await waitFor(
    'replication to catch up before the trial',
    () => {
      const limit = now() - 1_000;
      for (const w of checker.watched.values())
        if (w.ackAt < limit && w.seenAt === undefined) return undefined;
      return true;
    },
    TRIAL_TIMEOUT_MS,
    signal,
  );

  const signalledAt = now();
  const exited = owner.exited.then((exit) => ({ exit, at: now() }));
  owner.child.kill(kind);
  const others = fleet.running.filter((w) => w !== owner);
  const takenAt = await waitFor(
    'another worker to take the lease',
    () => others.flatMap((w) => w.logs).find((e) => e.msg === 'lease taken' && e.at > signalledAt)?.at,
    TRIAL_TIMEOUT_MS,
    signal,
  );
  // The first item written after the signal, and when it was seen (replication writes in order, so it is among
  // the first ones seen; the earliest sighting of any later write counts).
  const recoveredAt = await waitFor(
    'an item written after the signal to reach the destination',
    () => {
      let earliest: number | undefined;
      let firstAfterSeen = false;
      let firstAfterSent = Infinity;
      for (const w of checker.watched.values()) {
        if (w.sentAt <= signalledAt) continue;
        if (w.sentAt < firstAfterSent) {
          firstAfterSent = w.sentAt;
          firstAfterSeen = w.seenAt !== undefined;
        }
        if (w.seenAt !== undefined && (earliest === undefined || w.seenAt < earliest)) earliest = w.seenAt;
      }
      return firstAfterSeen ? earliest : undefined;
    },
    TRIAL_TIMEOUT_MS,
    signal,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}\n${fleet.problems()}`);
  });
  const { exit, at: exitedAt } = await exited;
  await owner.stop(); // unregisters it from the lifetime (it has exited)
  return {
    kind,
    takeoverMs: Math.round(takenAt - signalledAt),
    recoveryMs: Math.round(recoveredAt - signalledAt),
    exitMs: Math.round(exitedAt - signalledAt),
    exitCode: exit.signal ?? String(exit.code),
    loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

async function run(ctx: StageContext): Promise<StageResult> {
  const loadBefore = loadavg();
  const repeats = ctx.quick ? 1 : 3;
  const tables = await startLiveTables('failover', { warmupItems: ctx.quick ? 500 : 4_000 }, ctx.lifetime);
  const stopLoad = new AbortController();
  const loadSignal = AbortSignal.any([ctx.lifetime.signal, stopLoad.signal]);
  const checker = new VisibilityChecker(tables.destClient, LIVE_DEST_TABLE);
  const checking = checker.run(loadSignal);
  const trials: Trial[] = [];
  const totals = { written: 0, neverSeen: 0 };
  try {
    const fleet = new Fleet(tables, `failover${Date.now()}`);
    fleet.start();
    fleet.start();
    const writing = runPacedWriter({
      client: tables.sourceClient,
      table: LIVE_SOURCE_TABLE,
      rate: WRITE_RATE,
      durationMs: 24 * 3_600_000,
      prefix: 'failover',
      signal: loadSignal,
      onAck: (w) => checker.watch(w.key, w.sentAt, w.ackAt),
    });
    try {
      for (const kind of ['SIGKILL', 'SIGTERM'] as const) {
        for (let i = 1; i <= repeats; i++) {
          ctx.log(`failover: ${kind} trial ${i}/${repeats} (load ${loadavg()[0]?.toFixed(2)})`);
          const trial = await runTrial(kind, fleet, checker, ctx);
          ctx.log(`failover: ${JSON.stringify(trial)}`);
          trials.push(trial);
        }
      }
    } finally {
      stopLoad.abort();
      totals.written = (await writing).acked;
    }
    // Nothing written during the trials may be missing: wait for the rest, then count what never arrived.
    const drainChecker = new VisibilityChecker(tables.destClient, LIVE_DEST_TABLE);
    for (const [key, w] of checker.watched)
      if (w.seenAt === undefined) drainChecker.watch(key, w.sentAt, w.ackAt);
    const stopDrain = new AbortController();
    const draining = drainChecker.run(AbortSignal.any([ctx.lifetime.signal, stopDrain.signal]));
    await drainChecker.drained(30_000, ctx.lifetime.signal);
    stopDrain.abort();
    await draining;
    totals.neverSeen = drainChecker.pending;
    for (const worker of fleet.workers) await worker.stop();
  } finally {
    stopLoad.abort();
    await checking;
    await tables.close();
  }

  const lines: string[] = [];
  const rows = (['SIGKILL', 'SIGTERM'] as const).map((kind) => {
    const of = trials.filter((t) => t.kind === kind);
    const take = minMedianMax(of.map((t) => t.takeoverMs));
    const rec = minMedianMax(of.map((t) => t.recoveryMs));
    const exit = minMedianMax(of.map((t) => t.exitMs));
    return {
      kind,
      of,
      rec,
      row: [
        kind === 'SIGKILL' ? 'kill -9 of the owner' : 'SIGTERM of the owner',
        of.length,
        `${take.min} / ${take.median} / ${take.max}`,
        `${rec.min} / ${rec.median} / ${rec.max}`,
        `${exit.min} / ${exit.median} / ${exit.max}`,
        TARGETS_MS[kind],
      ],
    };
  });
  lines.push(
    table(
      [
        'trial',
        'n',
        'lease taken ms (min/med/max)',
        'replicating again ms (min/med/max)',
        'owner exited ms',
        'target ms',
      ],
      rows.map((r) => r.row),
    ),
  );
  const verdicts = rows.map(
    (r) =>
      `${r.kind} ${r.rec.max < TARGETS_MS[r.kind] ? 'met' : 'MISSED'} (worst ${r.rec.max} ms ${r.rec.max < TARGETS_MS[r.kind] ? '<' : '>='} ${TARGETS_MS[r.kind]} ms, median ${r.rec.median} ms)`,
  );
  lines.push(
    `targets (every trial replicating again in time): ${verdicts.join('; ')}${ctx.quick ? ' [--quick: one trial each]' : ''}`,
  );
  lines.push(
    `  ${WRITE_RATE} writes/s throughout, ${totals.written} written, ${totals.neverSeen} never seen at the destination; --failover-ms 10000 (default); load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; per trial: ${trials.map((t) => `${t.kind} ${t.recoveryMs} ms @${t.loadavg1m}`).join(', ')}`,
  );
  return {
    lines,
    figures: {
      trials,
      writeRate: WRITE_RATE,
      ...totals,
      targetsMs: TARGETS_MS,
      loadBefore,
      loadAfter: loadavg(),
    },
  };
}

export const FAILOVER_STAGE: BenchStage = {
  name: 'failover',
  title: 'failover: kill -9 / SIGTERM of the shard owner -> another worker replicates again',
  run,
};
