// One chaos scenario's world: fresh source and destination tables, three fault proxies (source table and its
// stream; destination; lease table), the worker processes (the real CLI), the mixed workload, and the checks
// every scenario ends with: convergence with a deadline, an item-by-item comparison, clean stops with exit code 0,
// no error lines and no worker that died on its own. Failed checks are collected as problems, not thrown, so
// that a run reports everything it saw; the counts feed the suite's totals.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE_REGION, destEndpoint, sourceEndpoint } from '../support/local-env.js';
import { FaultProxy, seededRandom } from '../support/fault-proxy.js';
import {
  createFixture,
  diffTables,
  type ReplicationFixture,
  type TableDiff,
} from '../support/replication-fixture.js';
import { ReplicatorProcess, type LogLine } from '../support/replicator-process.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';
import { ChaosWorker } from './chaos-worker.js';
import { overlappingPipelines, timeOf } from './log-checks.js';
import { describeKeys } from './table-comparison.js';

export { timeOf } from './log-checks.js';

export interface ChaosContextOptions {
  readonly scenario: string;
  readonly seed: number;
  readonly failoverMs: number;
  readonly dropHoldMs: number;
  /** Where to write the workers' log lines at the end (none: kept in memory only). */
  readonly logDir?: string | undefined;
  readonly log: (line: string) => void;
}

export interface FleetSnapshot {
  readonly shards: readonly { shardId: string; state: string; owner?: string; checkpoint: string }[];
  readonly workers: readonly { workerId: string; leases: number }[];
}

export function mismatchesOf(diff: TableDiff): number {
  return diff.missing.length + diff.extra.length + diff.different.length;
}

export class ChaosContext {
  readonly options: ChaosContextOptions;
  readonly fixture: ReplicationFixture;
  /** In front of the source endpoint: DescribeTable and the stream API. */
  readonly source: FaultProxy;
  readonly destination: FaultProxy;
  readonly lease: FaultProxy;
  readonly random: () => number;
  readonly workers: ChaosWorker[] = [];
  readonly problems: string[] = [];
  readonly notes: string[] = [];
  readonly counts = { killed: 0, frozen: 0, restarted: 0, compared: 0, mismatches: 0 };
  /** A worker that fails its startup checks under injected faults (exit 2) is noted, not a problem. */
  tolerateStartupFailures = false;
  #workloads: { stop: AbortController; done: Promise<number> }[] = [];

  private constructor(
    options: ChaosContextOptions,
    fixture: ReplicationFixture,
    proxies: [FaultProxy, FaultProxy, FaultProxy],
  ) {
    this.options = options;
    this.fixture = fixture;
    [this.source, this.destination, this.lease] = proxies;
    this.random = seededRandom(options.seed);
  }

  static async create(options: ChaosContextOptions): Promise<ChaosContext> {
    const fixture = await createFixture({ prefix: `chaos-${options.scenario}` });
    const dest = destEndpoint();
    const proxies = await Promise.all([
      FaultProxy.start(sourceEndpoint(), { seed: options.seed + 1, dropHoldMs: options.dropHoldMs }),
      FaultProxy.start(dest, { seed: options.seed + 2, dropHoldMs: options.dropHoldMs }),
      FaultProxy.start(sourceEndpoint(), { seed: options.seed + 3, dropHoldMs: options.dropHoldMs }),
    ]);
    return new ChaosContext(options, fixture, proxies);
  }

  log(message: string): void {
    this.options.log(`${this.options.scenario} (seed ${this.options.seed}): ${message}`);
  }

  problem(message: string): void {
    this.problems.push(message);
    this.log(`PROBLEM: ${message}`);
  }

  note(message: string): void {
    this.notes.push(message);
    this.log(`note: ${message}`);
  }

  /** The `replicate` flags of a worker: every endpoint through its fault proxy. */
  args(workerId: string): string[] {
    const args = this.fixture.args([
      '--lease-endpoint',
      this.lease.endpoint,
      '--failover-ms',
      String(this.options.failoverMs),
      '--worker-id',
      workerId,
    ]);
    setFlag(args, '--source-endpoint', this.source.endpoint);
    setFlag(args, '--dest-endpoint', this.destination.endpoint);
    return args;
  }

  start(workerId: string): ChaosWorker {
    const worker = new ChaosWorker(workerId, this.args(workerId));
    this.workers.push(worker);
    return worker;
  }

  live(): ChaosWorker[] {
    return this.workers.filter((w) => w.state !== 'exited');
  }

  /** Writes a backlog, starts `count` workers and waits until each says it is replicating. */
  async startFleet(count: number, backlog = 500): Promise<ChaosWorker[]> {
    await writeBacklog(this.fixture.source, this.fixture.sourceTable, backlog);
    const fleet = Array.from({ length: count }, (_, i) => this.start(`w${i + 1}`));
    await Promise.all(fleet.map((w) => w.process.waitForLog('replicating', { timeoutMs: 60_000 })));
    return fleet;
  }

  /** Starts the mixed workload (puts, updates, deletes) on the source table until `stopWorkload`. */
  startWorkload(keys = 1500): void {
    const stop = new AbortController();
    const done = runMixedWorkload(this.fixture.source, this.fixture.sourceTable, {
      keys,
      signal: stop.signal,
      seed: Math.floor(this.random() * 2 ** 31),
      prefix: `w${this.#workloads.length}`,
    });
    this.#workloads.push({ stop, done });
  }

  /** Stops every workload and returns how many writes they made. */
  async stopWorkload(): Promise<number> {
    let writes = 0;
    for (const workload of this.#workloads.splice(0)) {
      workload.stop.abort();
      try {
        writes += await workload.done;
      } catch (err) {
        this.problem(`the workload failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return writes;
  }

  async kill9(worker: ChaosWorker): Promise<void> {
    await worker.kill9();
    this.counts.killed += 1;
  }

  freeze(worker: ChaosWorker): void {
    if (worker.freeze()) this.counts.frozen += 1;
  }

  /** A new process in place of an exited one: under the same worker id, or a new one. */
  restart(worker: ChaosWorker, sameId: boolean): ChaosWorker {
    const id = sameId ? worker.id : `${worker.id.split('-')[0] ?? worker.id}-r${this.workers.length}`;
    this.counts.restarted += 1;
    return this.start(id);
  }

  /** `ddb-replicator status --json`, straight at the lease table (not through the faulty proxy). */
  async status(): Promise<FleetSnapshot | string> {
    const status = new ReplicatorProcess([
      'status',
      '--task-name',
      this.fixture.taskName,
      '--lease-region',
      SOURCE_REGION,
      '--lease-endpoint',
      sourceEndpoint(),
      '--json',
    ]);
    const exit = await status.waitForExit(30_000).catch(async (err: unknown) => {
      await status.kill();
      throw err;
    });
    if (exit.code !== 0) return `status exited with ${exit.code}: ${status.describe()}`;
    return JSON.parse(status.stdout) as FleetSnapshot;
  }

  async logStatus(when: string): Promise<FleetSnapshot | undefined> {
    const status = await this.status();
    if (typeof status === 'string') {
      this.problem(`status ${when}: ${status}`);
      return undefined;
    }
    const shards = status.shards.map((s) => `${s.state}${s.owner === undefined ? '' : ` by ${s.owner}`}`);
    this.log(`status ${when}: shards [${shards.join(', ')}]`);
    return status;
  }

  /** Waits until the destination equals the source (or the deadline), then counts the comparison. */
  async converge(timeoutMs: number): Promise<TableDiff> {
    const deadline = performance.now() + timeoutMs;
    const started = performance.now();
    let diff = await diffTables(this.fixture);
    while (mismatchesOf(diff) > 0 && performance.now() < deadline && this.live().length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      diff = await diffTables(this.fixture);
    }
    this.record(diff, `converged in ${Math.round((performance.now() - started) / 1000)} s`);
    if (mismatchesOf(diff) > 0) await this.explain([...diff.missing, ...diff.extra, ...diff.different]);
    return diff;
  }

  /** Logs the source and destination items of a few differing keys, as evidence. */
  async explain(keys: readonly string[]): Promise<void> {
    for (const line of await describeKeys(this.fixture, keys.slice(0, 3))) this.log(line);
  }

  /** Counts a comparison; a difference is a problem with the first differing keys. */
  record(diff: TableDiff, what: string): void {
    this.counts.compared += diff.compared;
    const mismatches = mismatchesOf(diff);
    this.counts.mismatches += mismatches;
    if (mismatches === 0) {
      this.log(`${diff.compared} items equal (${what})`);
      return;
    }
    this.problem(
      `destination differs from source: ${diff.missing.length} missing ${JSON.stringify(diff.missing.slice(0, 3))}, ${diff.extra.length} extra ${JSON.stringify(diff.extra.slice(0, 3))}, ${diff.different.length} different ${JSON.stringify(diff.different.slice(0, 3))}`,
    );
  }

  /** SIGCONT to frozen workers, SIGTERM to all; each must exit 0. */
  async stopAll(): Promise<void> {
    const running = this.live();
    const exits = await Promise.all(running.map((w) => w.terminate()));
    exits.forEach((exit, i) => {
      const worker = running[i];
      if (worker !== undefined && exit.code !== 0) {
        this.problem(
          `worker ${worker.id} exited with ${exit.code ?? exit.signal} after SIGTERM:\n${worker.process.describe()}`,
        );
      }
    });
  }

  /** Workers that exited when nobody asked them to, and error lines of any worker. */
  checkWorkers(options: { allowErrors?: boolean } = {}): void {
    for (const worker of this.workers) {
      const started = worker.process.logs.some((l) => l.msg === 'replicating');
      if (worker.unexpectedExit === '2' && !started && this.tolerateStartupFailures) {
        this.note(
          `worker ${worker.id} gave up at startup under faults: ${worker.process.errors().at(-1)?.msg}`,
        );
        continue;
      }
      if (worker.unexpectedExit !== undefined) {
        this.problem(
          `worker ${worker.id} exited on its own with ${worker.unexpectedExit}:\n${worker.process.describe()}`,
        );
      }
      const overlap = overlappingPipelines(worker.process.logs);
      if (overlap !== undefined) this.problem(`worker ${worker.id} ${overlap}`);
      const errors = worker.process.errors();
      if (!options.allowErrors && errors.length > 0) {
        this.problem(
          `worker ${worker.id} logged ${errors.length} error lines, first: ${JSON.stringify(errors[0])}`,
        );
      }
    }
  }

  /** Log lines of every worker with this message, from `since` (Date.now()) on. */
  logsSince(msg: string, since: number): { worker: ChaosWorker; line: LogLine }[] {
    return this.workers.flatMap((worker) =>
      worker.process.logs
        .filter((line) => line.msg === msg && timeOf(line) >= since)
        .map((line) => ({ worker, line })),
    );
  }

  /** Requests each proxy saw, by operation, and the faults it injected by kind and operation. */
  requestCounts(): string {
    const sides: [string, FaultProxy][] = [
      ['source', this.source],
      ['destination', this.destination],
      ['lease', this.lease],
    ];
    return sides
      .map(([side, proxy]) => {
        const seen = [...proxy.requests()].map(([op, n]) => `${op} ${n}`).join(', ');
        const hit = [...proxy.injected(true)].map(([key, n]) => `${key} ${n}`).join(', ');
        return `${side} [${seen}]${hit === '' ? '' : ` faults [${hit}]`}`;
      })
      .join('; ');
  }

  faultsInjected(): Map<string, number> {
    const total = new Map<string, number>();
    for (const proxy of [this.source, this.destination, this.lease]) {
      for (const [kind, n] of proxy.injected()) total.set(kind, (total.get(kind) ?? 0) + n);
    }
    return total;
  }

  /** Kills what is left, closes the proxies, drops the tables, writes the logs. Never throws. */
  async close(): Promise<void> {
    for (const workload of this.#workloads) workload.stop.abort();
    await Promise.allSettled(this.#workloads.map((w) => w.done));
    await Promise.allSettled(this.workers.map((w) => w.kill9()));
    await Promise.allSettled([this.source.close(), this.destination.close(), this.lease.close()]);
    await this.fixture.cleanup().catch((err: unknown) => this.note(`cleanup failed: ${String(err)}`));
    if (this.options.logDir !== undefined) this.#writeLogs(this.options.logDir);
  }

  #writeLogs(logDir: string): void {
    const dir = join(logDir, `${this.options.scenario}-${this.options.seed}`);
    mkdirSync(dir, { recursive: true });
    this.workers.forEach((worker, i) => {
      const lines = worker.process.logs.map((l) => JSON.stringify(l));
      writeFileSync(join(dir, `${i}-${worker.id}.log`), [...lines, ...worker.process.otherOutput].join('\n'));
    });
  }
}

function setFlag(args: string[], flag: string, value: string): void {
  const at = args.indexOf(flag);
  if (at < 0) args.push(flag, value);
  else args[at + 1] = value;
}
