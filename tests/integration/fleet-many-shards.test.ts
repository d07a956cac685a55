// Several real worker processes share a stream of many shards (served by the stream server, fed from real writes
// to a DynamoDB Local source table) through the lease table, while a versioned workload runs: workers join, leave
// cleanly, die with kill -9 and are replaced, shards split under them. What must hold is checked from four
// independent witnesses: the tables (item by item), the destination's write log (per-key order, through a
// recording proxy per worker), the stream server's access log (parents before children) and the workers' own
// JSON logs (who read which shard when, hand-overs that continue exactly at the old owner's checkpoint).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { scanAll } from '../../src/local/local-tables.js';
import { sleep } from '../../src/util/sleep.js';
import { destEndpoint } from '../support/local-env.js';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { serveSourceStream, type ServedSourceStream } from '../support/stream-server/serve-source-stream.js';
import type { StreamModel } from '../support/stream-server/stream-model.js';
import { waitFor } from '../support/wait-for.js';
import { perKeyOrderViolations, WriteRecorder, type RecordedWrite } from '../support/write-recorder.js';
import { shardLeaseItems } from '../support/stream-inspection.js';
import {
  handOverGaps,
  overlappingReads,
  readingIntervals,
  readingNow,
  type ReadingInterval,
} from '../support/fleet-logs.js';

// The default. Shorter failover times (4 s) made live workers lose leases by expiry on a shared 2-core machine
// (renewals stuck behind other test files' work for seconds), which turns hand-overs into takeovers.
const FAILOVER_MS = 10_000;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface FleetWorker {
  readonly id: string;
  readonly process: ReplicatorProcess;
  /** Wall-clock time by which the process was dead, when it was killed with SIGKILL. */
  killedAt: number | undefined;
}

/** The tables, the served stream, and the workers with one shared, labelled record of destination writes. */
class Fleet {
  readonly writes: RecordedWrite[] = [];
  readonly workers = new Map<string, FleetWorker>();

  constructor(
    readonly fixture: ReplicationFixture,
    readonly served: ServedSourceStream,
  ) {}

  async start(id: string): Promise<FleetWorker> {
    // Each worker writes through its own recorder, so every recorded write names its sender.
    const recorder = await WriteRecorder.start(destEndpoint(), (item) => stringAttribute(item, 'pk'), {
      label: id,
      into: this.writes,
    });
    cleanups.push(() => recorder.close());
    const args = this.fixture.args([
      ...this.served.args(),
      '--worker-id',
      id,
      '--failover-ms',
      String(FAILOVER_MS),
      '--shard-sync-interval-ms',
      '2000',
      // Many idle shards: polling each every 100 ms would keep the 2 cores busy with empty reads.
      '--poll-interval-ms',
      '500',
      // Debug level for the "flushed" lines: the checkpoint each flush moved to, for the hand-over check.
      '--log-level',
      'debug',
    ]);
    args[args.indexOf('--dest-endpoint') + 1] = recorder.endpoint;
    const worker: FleetWorker = { id, process: new ReplicatorProcess(args), killedAt: undefined };
    cleanups.push(() => worker.process.kill());
    this.workers.set(id, worker);
    await worker.process.waitForLog('replicating', { timeoutMs: 60_000 });
    return worker;
  }

  async kill(worker: FleetWorker): Promise<void> {
    await worker.process.kill();
    worker.killedAt = Date.now();
  }

  /** SIGTERM; a clean stop exits 0 with no error line. */
  async stop(worker: FleetWorker): Promise<void> {
    const exit = await worker.process.stop(30_000);
    assert.equal(exit.code, 0, `${worker.id}: ${worker.process.describe()}`);
    assert.deepEqual(worker.process.errors(), [], worker.id);
  }

  all(): FleetWorker[] {
    return [...this.workers.values()];
  }

  /** Writes every worker's log and the recorded writes to a new directory, for the diagnosis of a failure. */
  saveLogs(): string {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-many-shards-'));
    for (const w of this.all()) {
      writeFileSync(join(dir, `${w.id}.jsonl`), w.process.logs.map((l) => JSON.stringify(l)).join('\n'));
    }
    writeFileSync(join(dir, 'writes.jsonl'), this.writes.map((l) => JSON.stringify(l)).join('\n'));
    return dir;
  }
}

async function setUpFleet(prefix: string, shards: number): Promise<Fleet> {
  const fixture = await createFixture({ prefix });
  cleanups.push(() => fixture.cleanup());
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards });
  cleanups.push(() => served.close());
  return new Fleet(fixture, served);
}

function stringAttribute(item: Record<string, unknown>, name: string): string {
  const value = item[name] as { S?: string; N?: string } | undefined;
  return value?.S ?? value?.N ?? '?';
}

/**
 * Puts, updates and deletes over `keys` keys at about `perSecond` writes a second until `signal` aborts. Every put
 * and update sets `v` to the write's number: a version that only grows, per key as overall.
 */
async function runVersionedWorkload(
  client: DynamoDBClient,
  table: string,
  options: { keys: number; perSecond: number; signal: AbortSignal },
): Promise<number> {
  let state = 4242;
  const random = (): number => {
    // Deterministic, so that a failing run can be replayed.
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const started = performance.now();
  let writes = 0;
  while (!options.signal.aborted) {
    // Paced: other test files and up to five workers share two cores with it.
    await sleep(started + (writes * 1000) / options.perSecond - performance.now(), options.signal);
    if (options.signal.aborted) break;
    writes += 1;
    const key = { pk: { S: `k-${Math.floor(random() * options.keys)}` } };
    const version = { N: String(writes) };
    const dice = random();
    if (dice < 0.45) {
      await client.send(
        new PutItemCommand({ TableName: table, Item: { ...key, v: version, kind: { S: 'put' } } }),
      );
    } else if (dice < 0.85) {
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET v = :v ADD hits :one',
          ExpressionAttributeValues: { ':v': version, ':one': { N: '1' } },
        }),
      );
    } else {
      await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
    }
  }
  return writes;
}

/** The source's changes per key in stream order, as 'put:<v>' or 'delete', from the records the server holds. */
function sourceOpsByKey(model: StreamModel): Map<string, string[]> {
  const ops = new Map<string, string[]>();
  for (const { wire } of model.records()) {
    const key = stringAttribute(wire.dynamodb.Keys, 'pk');
    const image = wire.dynamodb.NewImage;
    const op =
      wire.eventName === 'REMOVE'
        ? 'delete'
        : `put:${image === undefined ? '?' : stringAttribute(image, 'v')}`;
    const list = ops.get(key) ?? [];
    list.push(op);
    ops.set(key, list);
  }
  return ops;
}

function recordedOps(writes: readonly RecordedWrite[]): { key: string; op: string; by: string }[] {
  return writes.map((w) => ({
    key: w.key,
    by: w.by,
    op: w.op === 'delete' || w.item === undefined ? 'delete' : `put:${stringAttribute(w.item, 'v')}`,
  }));
}

/**
 * Workers whose writes may legitimately be followed by older ones: a worker that died (or lost a lease, or gave up
 * a final flush) can have written records past its last checkpoint, and the next owner replays from that
 * checkpoint. Hand-overs and clean stops checkpoint everything written before the lease moves, so they never do.
 */
function workersWithUncheckpointedWrites(fleet: Fleet): Set<string> {
  return new Set(
    fleet
      .all()
      .filter(
        (w) =>
          w.killedAt !== undefined ||
          w.process.logs.some(
            (l) => l.msg === 'lease lost' || (l.msg === 'shard stopped' && l.kind === 'abandoned'),
          ),
      )
      .map((w) => w.id),
  );
}

interface LeaseView {
  /** Leases not finished (checkpoint other than SHARD_END). */
  readonly active: number;
  readonly byOwner: ReadonlyMap<string, number>;
  /** The shards of the unfinished leases each owner holds. */
  readonly owned: ReadonlyMap<string, ReadonlySet<string>>;
  readonly unowned: number;
  readonly pending: number;
  readonly checkpoints: ReadonlyMap<string, string>;
}

async function leaseView(fixture: ReplicationFixture): Promise<LeaseView> {
  const items = shardLeaseItems(
    await scanAll(fixture.source, `DynamoDBCrossRegionReplication${fixture.taskName}`),
  );
  const byOwner = new Map<string, number>();
  const owned = new Map<string, Set<string>>();
  let active = 0;
  let unowned = 0;
  let pending = 0;
  for (const item of items) {
    if (item.checkpoint?.S === 'SHARD_END') continue;
    active += 1;
    const owner = item.leaseOwner?.S;
    if (owner === undefined) unowned += 1;
    else {
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
      const shards = owned.get(owner) ?? new Set<string>();
      shards.add(item.leaseKey?.S ?? '?');
      owned.set(owner, shards);
    }
    if (item.pendingOwner?.S !== undefined) pending += 1;
  }
  const checkpoints = new Map(items.map((item) => [item.leaseKey?.S ?? '?', item.checkpoint?.S ?? '?']));
  return { active, byOwner, owned, unowned, pending, checkpoints };
}

/**
 * Waits until the lease table shows the fair share src/lease/lease-decision.ts settles on: every unfinished lease
 * owned by one of `ids`, no hand-over pending, and each of them holding floor or ceil of (leases / workers).
 * (A worker under ceil takes free leases, then asks the most loaded one while that one has two more than it, so
 * once nothing moves the loads differ by at most one.) Each worker must also be reading exactly the shards the
 * table says it owns: a lease handed over is in the new owner's name before that worker has taken it up.
 */
async function waitForFairShare(
  fleet: Fleet,
  ids: readonly string[],
  timeoutMs = 180_000,
): Promise<{ active: number; counts: Record<string, number> }> {
  return waitFor(
    `a fair share of the leases among ${ids.join(', ')}`,
    async () => {
      const view = await leaseView(fleet.fixture);
      const reading = (id: string): boolean => {
        const worker = fleet.workers.get(id);
        const owned = view.owned.get(id) ?? new Set<string>();
        const now = worker === undefined ? new Set<string>() : readingNow(worker);
        return now.size === owned.size && [...owned].every((shard) => now.has(shard));
      };
      const low = Math.floor(view.active / ids.length);
      const high = Math.ceil(view.active / ids.length);
      const fair =
        view.unowned === 0 &&
        view.pending === 0 &&
        [...view.byOwner.keys()].every((owner) => ids.includes(owner)) &&
        ids.every((id) => (view.byOwner.get(id) ?? 0) >= low && (view.byOwner.get(id) ?? 0) <= high) &&
        ids.every(reading);
      return fair ? { active: view.active, counts: Object.fromEntries(view.byOwner) } : undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/** The checks every fleet test ends with, once the tables converged and every worker has exited. */
function assertFleetHistory(fleet: Fleet): string {
  const { served } = fleet;
  // (b) Per-key order at the destination, in arrival order across all workers.
  const replaying = workersWithUncheckpointedWrites(fleet);
  const written = recordedOps(fleet.writes);
  assert.ok(written.length > 0, 'writes were recorded');
  const orderViolations = perKeyOrderViolations(written, sourceOpsByKey(served.model), {
    mayGoBack: (newest, write) => replaying.has(newest.by) && write.by !== newest.by,
  });
  assert.deepEqual(orderViolations.slice(0, 5), [], `${orderViolations.length} keys written out of order`);

  // (c) Parents before children, from the stream server's own log.
  const shards = served.model.allShards();
  assert.deepEqual(served.server.log.parentsFirstViolations(shards), []);
  assert.deepEqual(served.server.unexpectedErrors, []);

  // (d) No shard read by two workers at once.
  const intervals: ReadingInterval[] = [];
  for (const worker of fleet.all()) {
    const found = readingIntervals(worker);
    assert.deepEqual(found.problems, []);
    intervals.push(...found.intervals);
  }
  const { overlaps, tolerated } = overlappingReads(intervals);
  assert.deepEqual(overlaps, []);

  // Hand-overs lose nothing.
  const handOvers = handOverGaps(fleet.all());
  assert.deepEqual(handOvers.gaps, []);
  const lost = fleet
    .all()
    .flatMap((w) =>
      w.process.logs.filter((l) => l.msg === 'lease lost').map((l) => `${w.id}: ${String(l.reason)}`),
    );
  return `writes recorded ${written.length}, reading intervals ${intervals.length}, hand-overs checked ${handOvers.checked}, overlaps tolerated after a lost lease ${tolerated}, workers whose writes may be replayed ${[...replaying].join(' ') || 'none'}, leases lost ${JSON.stringify(countBy(lost))}`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function handOversTo(from: FleetWorker, to: string): number {
  return from.process.logs.filter((l) => l.msg === 'lease released' && l.to === to).length;
}

test('64 shards that split while 4 worker processes run, workers joining and leaving', async (t) => {
  const fleet = await setUpFleet('fleet64', 64);
  const { fixture, served } = fleet;
  const { model } = served;
  const workload = new AbortController();
  const writing = runVersionedWorkload(fixture.source, fixture.sourceTable, {
    keys: 400,
    perSecond: 80,
    signal: workload.signal,
  });
  try {
    const [w1, w2] = await Promise.all([fleet.start('w1'), fleet.start('w2')]);
    // Takes go one at a time: on a busy machine 64 of them take a while.
    await waitFor(
      'every lease owned by w1 or w2',
      async () => {
        const view = await leaseView(fixture);
        return view.active === 64 && view.unowned === 0;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    const [w3, w4] = await Promise.all([fleet.start('w3'), fleet.start('w4')]);
    // (e) Each of the four gets its share by hand-overs from the first two.
    const fourWay = await waitForFairShare(fleet, ['w1', 'w2', 'w3', 'w4']);
    assert.equal(fourWay.active, 64);

    // Splits while the four read, each after some more live writes.
    const parents: string[] = [];
    for (let step = 0; step < 8; step++) {
      const target = model.appendedCount + 15;
      await waitFor('more live writes in the model', () => model.appendedCount >= target, {
        timeoutMs: 60_000,
      });
      const open = model.openShards();
      const victim = open[(step * 7) % open.length]!;
      model.split(victim.shardId);
      parents.push(victim.shardId);
    }
    const children = parents.flatMap((p) => model.children(p).map((c) => c.shardId));
    await waitFor(
      'every split parent read to its end and leases for its children',
      async () => {
        const { checkpoints } = await leaseView(fixture);
        return (
          parents.every((p) => checkpoints.get(p) === 'SHARD_END') &&
          children.every((c) => checkpoints.has(c))
        );
      },
      { timeoutMs: 120_000 },
    );
    // (e) again with the children: 64 - 8 + 16 leases to read.
    const afterSplits = await waitForFairShare(fleet, ['w1', 'w2', 'w3', 'w4']);
    assert.equal(afterSplits.active, 72);

    // One leaves cleanly, one dies, a replacement joins.
    await fleet.stop(w1);
    assert.ok(w1.process.logs.some((l) => l.msg === 'lease released'));
    await fleet.kill(w2);
    const w5 = await fleet.start('w5');
    const threeWay = await waitForFairShare(fleet, ['w3', 'w4', 'w5']);
    assert.ok(
      [w3, w4, w5].some((w) =>
        w.process.logs.some((l) => l.msg === 'lease taken' && l.previousOwner === 'w2'),
      ),
      'the leases of the killed worker were taken over once they expired',
    );
    assert.ok(w5.process.logs.some((l) => l.msg === 'lease taken'));

    workload.abort();
    const writes = await writing;
    await served.feeder.caughtUp();
    // (a) The destination equals the source item by item.
    await assertTablesConverge(fixture, 180_000);
    for (const worker of [w3, w4, w5]) await fleet.stop(worker);

    const shards = model.allShards();
    assert.equal(shards.length, 64 + 2 * parents.length);
    for (const parent of parents) {
      assert.ok(served.server.log.shard(parent).endServed !== undefined, `the end of ${parent} was served`);
    }
    const summary = assertFleetHistory(fleet);
    t.diagnostic(
      `source writes ${writes}, records ${model.appendedCount}, shares ${JSON.stringify([fourWay.counts, afterSplits.counts, threeWay.counts])}, ${summary}`,
    );
  } catch (err) {
    t.diagnostic(`worker logs: ${fleet.saveLogs()}`);
    throw err;
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});

test('balancing when a worker joins: the second worker gets half of the shards by hand-over, nothing lost', async (t) => {
  const fleet = await setUpFleet('fleet-join', 12);
  const { fixture, served } = fleet;
  const workload = new AbortController();
  const writing = runVersionedWorkload(fixture.source, fixture.sourceTable, {
    keys: 200,
    perSecond: 60,
    signal: workload.signal,
  });
  try {
    const a = await fleet.start('a');
    const alone = await waitForFairShare(fleet, ['a'], 60_000);
    assert.equal(alone.active, 12);

    const b = await fleet.start('b');
    // 12 leases, two workers: six each.
    const shared = await waitForFairShare(fleet, ['a', 'b']);
    assert.equal(shared.active, 12);
    // None was free: b got each of its six by a hand-over from a, or by taking over one that a lost by expiry
    // (only on a machine so busy that a's renewals stalled for the failover time; a then said so).
    const lostByA = new Set(a.process.logs.filter((l) => l.msg === 'lease lost').map((l) => l.shardId));
    const takenOver = b.process.logs.filter((l) => l.msg === 'lease taken' && l.previousOwner === 'a');
    assert.deepEqual(
      takenOver.filter((l) => !lostByA.has(l.shardId)),
      [],
      'b took over only leases a knew it had lost',
    );
    assert.ok(handOversTo(a, 'b') + takenOver.length >= 6, a.process.describe());
    assert.ok(handOversTo(a, 'b') >= 1, 'at least one hand-over');

    workload.abort();
    const writes = await writing;
    await served.feeder.caughtUp();
    await assertTablesConverge(fixture, 120_000);
    await fleet.stop(a);
    await fleet.stop(b);
    const summary = assertFleetHistory(fleet);
    t.diagnostic(`source writes ${writes}, records ${served.model.appendedCount}, ${summary}`);
  } catch (err) {
    t.diagnostic(`worker logs: ${fleet.saveLogs()}`);
    throw err;
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});
