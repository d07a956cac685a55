// One measurement of the plan stage: T one-shard source tables (DynamoDB Local gives each table's stream one
// shard) holding N stream records between them, on a fresh warmed-up source instance; their destination tables,
// empty, on a fresh warmed-up destination instance; a plan with one glob entry selecting the T tables; W worker
// processes of `replicate --plan` started together. Timed from the first spawn until every destination table
// holds its backlog (the flush logs of all workers add up to N, then a COUNT of each table confirms). The
// spread of leases over the workers is read from every task's lease table `spreadAfterMs` after the start, the
// workers kept running until then if the drain ended sooner: the drained shards stay open, so their leases stay
// held, and that is the spread a fleet keeps.
import { ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetStatus } from '../src/app/fleet-status.js';
import { defaultTaskName, leaseTableName } from '../src/config/task-name.js';
import { DynamoLeaseStore } from '../src/lease/dynamo-lease-store.js';
import { sleep } from '../src/util/sleep.js';
import { prepareBacklog, type BacklogTable } from './backlog.js';
import { countItems } from './catch-up.js';
import { awaitFleetDrain, firstWriteAt, keepWorkerLogs, warnings } from './fleet-drain.js';
import { benchClient, DEST_REGION, SOURCE_REGION } from './items.js';
import type { Lifetime } from './lifetime.js';
import { CpuMeter, cpuMsPer1k } from './proc-stats.js';
import { childEnv, now, ReplicatorChild } from './replicator-child.js';

/** Lease tables read at once for the spread. */
const SPREAD_READS_IN_FLIGHT = 10;

export interface PlanDrainOptions {
  readonly tables: number;
  readonly workers: number;
  /** Stream records over all tables. */
  readonly records: number;
  readonly warmupItems: number;
  /** When the lease tables are read, in ms from the start. */
  readonly spreadAfterMs: number;
  /** Where the workers' logs go when the drain fails. */
  readonly logDir: string;
}

export interface LeaseSpread {
  /** ms from the start at which the read of the lease tables began, and how long it took. */
  readonly atMs: number;
  readonly readMs: number;
  /** Unfinished leases each worker owns, over every task of the plan. */
  readonly perWorker: Record<string, number>;
  /** Leases without an owner or whose owner let them expire. */
  readonly unowned: number;
  /** Leases of every task by state, as `status` names them (reading, handing-over, expired, unowned, ...). */
  readonly states: Record<string, number>;
  /** Tasks without a lease table yet. */
  readonly missingLeaseTables: number;
  /** ceil(tables / workers): what each worker aims at. */
  readonly fairShare: number;
  /** The most any worker holds above the fair share (0 when none is above it). */
  readonly maxAboveFair: number;
  /** ms from the start of the last "lease taken" of any worker before the read: when the spread last moved. */
  readonly lastLeaseTakenMs: number | undefined;
}

export interface PlanWorkerFigures {
  readonly workerId: string;
  /** Puts its flush logs reported. */
  readonly written: number;
  readonly leasesTaken: number;
  readonly handedOver: number;
  /** ms from the start until it logged "task starting" for the last of the plan's tasks. */
  readonly allTasksStartedMs: number | undefined;
  readonly cores: number;
  readonly warnings: Record<string, number>;
}

export interface PlanDrainResult extends PlanDrainOptions {
  readonly backlogLoadItemsPerSec: number;
  readonly totalMs: number;
  /** From the start of the fleet's first write to the end. */
  readonly drainMs: number;
  readonly itemsPerSec: number;
  readonly drainItemsPerSec: number;
  readonly confirmedCount: number;
  readonly spread: LeaseSpread;
  /** Read again at the end of a drain that ended more than 5 s after the first read. */
  readonly spreadAtEnd?: LeaseSpread;
  readonly workerFigures: readonly PlanWorkerFigures[];
  /** Cores from the start to the end of the drain: destination JVM, source JVM, all workers. */
  readonly cores: Record<string, number>;
  readonly otherCores: number;
  /** CPU ms per 1,000 items over the drain, per process (w1.. the workers) and in total. */
  readonly cpuMsPer1k: Record<string, number>;
}

/** A BacklogTable whose destination is always made before the workers start. */
type PlanTable = BacklogTable & { readonly dest: string };

/** Source tables plan-t00.., destinations plan-t00-dr..: the glob `plan-t*` selects the sources only. */
export function planTables(count: number): PlanTable[] {
  return Array.from({ length: count }, (_, i) => {
    const source = `plan-t${String(i).padStart(2, '0')}`;
    return { source, dest: `${source}-dr` };
  });
}

export async function measurePlanDrain(
  options: PlanDrainOptions,
  lifetime: Lifetime,
  log: (line: string) => void,
): Promise<PlanDrainResult> {
  const tables = planTables(options.tables);
  // Destination tables made here, not by the plan's createTable: as in the single-table catch-up, the time
  // measured is replication alone, not table creation (and no two workers race to create the same table).
  const backlog = await prepareBacklog(`plan w${options.workers}`, { ...options, tables }, lifetime, log);
  const { source, dest, destClient } = backlog;
  const dir = mkdtempSync(join(tmpdir(), 'ddb-bench-plan-'));
  const children: ReplicatorChild[] = [];
  try {
    const planFile = join(dir, 'plan.yaml');
    writeFileSync(
      planFile,
      [
        'defaults:',
        `  source: { region: ${SOURCE_REGION}, endpoint: "${source.endpoint}" }`,
        `  destination: { region: ${DEST_REGION}, endpoint: "${dest.endpoint}" }`,
        '  startPosition: trim-horizon',
        'replications:',
        '  - source: { table: "plan-t*" }',
        '    destination: { table: "{name}-dr" }',
        '',
      ].join('\n'),
    );
    for (let i = 1; i <= options.workers; i++) {
      const args = ['replicate', '--plan', planFile, '--worker-id', `w${i}`];
      // debug: the flush logs count the items written; progress once a second, as in the catch-up.
      args.push('--log-level', 'debug', '--log-format', 'json', '--progress-interval-ms', '1000');
      children.push(new ReplicatorChild(args, { nodeArgs: [], env: childEnv(), target: Infinity, lifetime }));
    }
    const t0 = Math.min(...children.map((c) => c.startedAt));
    const meter = new CpuMeter(
      new Map<string, number>([
        ['destJvm', dest.pid],
        ['sourceJvm', source.pid],
        ...children.map((c, i): [string, number] => [`w${i + 1}`, c.pid]),
      ]),
    );
    // A client of its own for each read: the stage's source client has been idle since the backlog was loaded, and
    // a read on its kept-alive connection at 30 s ended in "socket hang up" (the server had closed it; one attempt).
    const spreadNow = async (): Promise<LeaseSpread> => {
      const gone = children.find((c) => !c.running);
      if (gone !== undefined) throw new Error(`a worker exited before the lease spread was read`);
      const client = benchClient(source.endpoint, SOURCE_REGION);
      try {
        return await readSpread(client, tables, children, t0);
      } finally {
        client.destroy();
      }
    };
    const spreading = (async (): Promise<LeaseSpread> => {
      await sleep(Math.max(0, t0 + options.spreadAfterMs - now()), lifetime.signal);
      return spreadNow();
    })();
    // Read after the drain: until then a failure of the drain is the one to report.
    spreading.catch(() => undefined);

    // Once a table holds its backlog it keeps it: only the others are counted again. `short` is what the last
    // count found missing, for a failure message.
    const complete = new Set<string>();
    let short: string[] = [];
    const countAll = async (signal: AbortSignal): Promise<number> => {
      let total = 0;
      short = [];
      for (const [i, t] of tables.entries()) {
        const want = backlog.perTable[i] ?? 0;
        const count = complete.has(t.dest) ? want : await countItems(destClient, t.dest, signal);
        if (count >= want) complete.add(t.dest);
        else short.push(`${t.dest} ${count}/${want}`);
        total += count;
      }
      return total;
    };
    const drained = await awaitFleetDrain(children, {
      records: options.records,
      deadline: performance.now() + 120_000 + options.records * 5,
      count: countAll,
      lifetime,
    }).catch(async (err: unknown) => {
      if (lifetime.signal.aborted) throw err;
      // Which tables, and the workers' own story, so that a stuck task can be told from a slow machine.
      await countAll(lifetime.signal).catch(() => undefined);
      const logs = keepWorkerLogs(children, options.logDir, `plan-w${options.workers}-${Date.now()}`);
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}; short: ${short.join(', ') || 'none'}; worker logs: ${logs}`,
        { cause: err },
      );
    });
    const { confirmedAt, confirmedCount } = drained;
    const cpu = meter.read();
    const spread = await spreading;
    // A drain that outlasts the read shows the spread once more, when every task has had longer to start.
    const spreadAtEnd = confirmedAt - t0 > options.spreadAfterMs + 5_000 ? await spreadNow() : undefined;
    const totalMs = confirmedAt - t0;
    const drainMs = confirmedAt - firstWriteAt(children);
    const workerFigures = children.map((c, i): PlanWorkerFigures => ({
      workerId: `w${i + 1}`,
      written: c.written,
      leasesTaken: c.logs.filter((e) => e.msg === 'lease taken').length,
      handedOver: c.logs.filter((e) => e.msg === 'handing lease over').length,
      allTasksStartedMs: allStarted(c, options.tables, t0),
      cores: cpu.cores[`w${i + 1}`] ?? 0,
      warnings: warnings(c),
    }));
    const workersCores = workerFigures.reduce((sum, w) => sum + w.cores, 0);
    const result: PlanDrainResult = {
      ...options,
      backlogLoadItemsPerSec: backlog.load.itemsPerSec,
      totalMs: Math.round(totalMs),
      drainMs: Math.round(drainMs),
      itemsPerSec: Math.round((options.records * 1000) / totalMs),
      drainItemsPerSec: Math.round((options.records * 1000) / drainMs),
      confirmedCount,
      spread,
      ...(spreadAtEnd === undefined ? {} : { spreadAtEnd }),
      workerFigures,
      cores: {
        destJvm: cpu.cores.destJvm ?? 0,
        sourceJvm: cpu.cores.sourceJvm ?? 0,
        workers: Math.round(workersCores * 100) / 100,
      },
      otherCores: cpu.otherCores,
      cpuMsPer1k: cpuMsPer1k(cpu.cpuSec, options.records),
    };
    log(
      `plan w${options.workers}: ${result.itemsPerSec} items/s in ${result.totalMs} ms (written ${workerFigures.map((w) => w.written).join('/')}, leases at ${spread.atMs} ms ${Object.values(spread.perWorker).join('/')})`,
    );
    return result;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
    await backlog.close();
  }
}

/**
 * Every task's lease table (named as the plan's tasks name them, as a plain `replicate` of each pair would), read
 * and counted the way `status` does (fleet-status.ts): a worker's leases are the unfinished ones it holds that
 * have not expired; the worker presence items are no leases.
 */
async function readSpread(
  client: DynamoDBClient,
  tables: readonly PlanTable[],
  children: readonly ReplicatorChild[],
  t0: number,
): Promise<LeaseSpread> {
  const readAt = now();
  const perWorker: Record<string, number> = Object.fromEntries(children.map((_, i) => [`w${i + 1}`, 0]));
  const states: Record<string, number> = {};
  let missingLeaseTables = 0;
  const readOne = async (t: PlanTable): Promise<void> => {
    const task = defaultTaskName(SOURCE_REGION, t.source, DEST_REGION, t.dest);
    const leases = await new DynamoLeaseStore(client, leaseTableName(task)).list().catch((err: unknown) => {
      if (err instanceof ResourceNotFoundException) return undefined;
      throw err;
    });
    if (leases === undefined) {
      missingLeaseTables += 1;
      return;
    }
    const fleet = fleetStatus(leases, Date.now());
    for (const w of fleet.workers) perWorker[w.workerId] = (perWorker[w.workerId] ?? 0) + w.leases;
    for (const [state, n] of Object.entries(fleet.totals)) states[state] = (states[state] ?? 0) + n;
  };
  // Several at once: one after another, the 50 scans of the 4-worker run took ~27 s of the saturated source
  // instance (the read after the drain could only begin at 57 s), so the "spread at 30 s" was one from 30 to 57 s.
  for (let i = 0; i < tables.length; i += SPREAD_READS_IN_FLIGHT) {
    await Promise.all(tables.slice(i, i + SPREAD_READS_IN_FLIGHT).map(readOne));
  }
  const fairShare = Math.ceil(tables.length / children.length);
  const lastTaken = Math.max(
    ...children.flatMap((c) =>
      c.logs.filter((e) => e.msg === 'lease taken' && e.at <= readAt).map((e) => e.at),
    ),
  );
  return {
    atMs: Math.round(readAt - t0),
    readMs: Math.round(now() - readAt),
    perWorker,
    unowned: (states.unowned ?? 0) + (states.expired ?? 0),
    states,
    missingLeaseTables,
    fairShare,
    maxAboveFair: Math.max(0, ...Object.values(perWorker).map((n) => n - fairShare)),
    lastLeaseTakenMs: Number.isFinite(lastTaken) ? Math.round(lastTaken - t0) : undefined,
  };
}

/** When this worker had started all the plan's tasks (the plan runner checks 8 at once, starts them in order). */
function allStarted(child: ReplicatorChild, tasks: number, t0: number): number | undefined {
  const started = child.logs.filter((e) => e.msg === 'task starting');
  const last = started[tasks - 1];
  return last === undefined ? undefined : Math.round(last.at - t0);
}
