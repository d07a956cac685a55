// The real CLI against a stream of many shards served by the stream server and fed from real writes to a
// DynamoDB Local source table: shards split while it runs, reads are throttled and fail, iterators expire, and
// the destination still converges item by item, every parent is read to its end before its children are touched;
// and a shard whose unread records are trimmed stops the worker (exit 1) with a data-loss error naming it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { scanAll } from '../../src/local/local-tables.js';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { serveSourceStream, type ServedSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';
import { shardLeaseItems } from '../support/stream-inspection.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function setUp(
  prefix: string,
  shards: number,
): Promise<{ fixture: ReplicationFixture; served: ServedSourceStream }> {
  const fixture = await createFixture({ prefix });
  cleanups.push(() => fixture.cleanup());
  // A small DescribeStream page, so that the replicator's shard listing has to follow pages.
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, {
    shards,
    describePageSize: 7,
  });
  cleanups.push(() => served.close());
  return { fixture, served };
}

/** Warning lines of a worker, counted by message. */
function warnings(worker: ReplicatorProcess): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of worker.logs) {
    if (line.level !== 'warn') continue;
    const what = typeof line.reason === 'string' ? `${line.msg}: ${line.reason}` : line.msg;
    counts[what] = (counts[what] ?? 0) + 1;
  }
  return counts;
}

async function leases(fixture: ReplicationFixture): Promise<Map<string, string>> {
  const items = shardLeaseItems(
    await scanAll(fixture.source, `DynamoDBCrossRegionReplication${fixture.taskName}`),
  );
  return new Map(items.map((item) => [item.leaseKey?.S ?? '?', item.checkpoint?.S ?? '?']));
}

test('32 shards with splits, throttling, server errors and iterator expiry converge, parents before children', async (t) => {
  const { fixture, served } = await setUp('many', 32);
  const { model, server } = served;
  const { faults, log } = server;
  await writeBacklog(fixture.source, fixture.sourceTable, 2000);
  await served.feeder.caughtUp();
  assert.equal(model.appendedCount, 2000);

  // Faults from the first read on: the next 40 reads throttled, 10 iterator requests throttled, 10 reads
  // answered with a 500, and 2% of all reads throttled for the whole run.
  const throttledReads = faults.throttle({ operation: 'GetRecords', count: 40 });
  const throttledIterators = faults.throttle({ operation: 'GetShardIterator', count: 10 });
  const failedReads = faults.internalError({ operation: 'GetRecords', count: 10 });
  const someReads = faults.throttle({ operation: 'GetRecords', probability: 0.02 });
  const worker = new ReplicatorProcess(
    fixture.args([...served.args(), '--shard-sync-interval-ms', '1000', '--batch-size', '250']),
  );
  const workload = new AbortController();
  let writing: Promise<number> | undefined;
  try {
    await worker.waitForLog('replicating');
    const throttledListing = faults.throttle({ operation: 'DescribeStream', count: 2 });
    // Splits of shards whose backlog is still being read.
    const parents = model.openShards().slice(0, 4);
    for (const shard of parents) model.split(shard.shardId);

    writing = runMixedWorkload(fixture.source, fixture.sourceTable, { keys: 500, signal: workload.signal });
    for (let step = 0; step < 6; step++) {
      // Enough records between splits that the children of the early ones are read (asserted below), few
      // enough that the splits follow each other within seconds.
      const target = model.appendedCount + 75;
      await waitFor('more live writes in the model', () => model.appendedCount >= target, {
        timeoutMs: 60_000,
      });
      // Step 2 splits a child of the first splits again: a three-generation lineage.
      const open = model.openShards();
      const victim = step === 2 ? model.children(parents[0]!.shardId)[0]! : open[(step * 5) % open.length]!;
      model.split(victim.shardId);
      if (step === 1 || step === 4) model.expireIterators();
      if (step === 3) model.expireIterators(model.openShards()[0]!.shardId);
    }
    workload.abort();
    const writes = await writing;
    assert.ok(writes > 450, `live writes: ${writes}`);
    await served.feeder.caughtUp();
    await assertTablesConverge(fixture, 120_000);

    // Parents first, from the server's own log: no child touched before its parent's end was served.
    const shards = model.allShards();
    assert.equal(shards.length, 32 + 2 * 10);
    assert.deepEqual(log.parentsFirstViolations(shards), []);
    const splitParents = shards.filter((s) => !s.isOpen);
    for (const parent of splitParents) {
      assert.ok(log.shard(parent.shardId).endServed !== undefined, `the end of ${parent.shardId} was served`);
    }
    const readChildren = shards.filter(
      (s) => s.parentShardId !== undefined && log.shard(s.shardId).recordsServed > 0,
    );
    assert.ok(readChildren.length >= 10, `children read: ${readChildren.length}`);
    await waitFor('closed shards checkpointed SHARD_END', async () => {
      const checkpoints = await leases(fixture);
      return splitParents.every((p) => checkpoints.get(p.shardId) === 'SHARD_END');
    });

    // The injected faults were hit, and the replicator rode over them.
    assert.equal(throttledReads.hits, 40);
    assert.equal(throttledIterators.hits, 10);
    assert.equal(failedReads.hits, 10);
    assert.equal(throttledListing.hits, 2);
    assert.ok(someReads.hits > 0, 'some reads were throttled at random');
    assert.equal(log.count('GetRecords', 'LimitExceededException'), 40 + someReads.hits);
    assert.equal(log.count('GetRecords', 'InternalServerError'), 10);
    assert.equal(log.count('DescribeStream', 'LimitExceededException'), 2);
    assert.ok(
      log.count('GetRecords', 'ExpiredIteratorException') >= 32,
      'every reader met an expired iterator',
    );
    assert.ok(worker.logs.some((l) => l.msg === 'shard iterator expired; renewed'));
    assert.ok(worker.logs.some((l) => l.msg === 'shard discovery failed; retrying'));
    assert.deepEqual(server.unexpectedErrors, []);
    t.diagnostic(
      `shards ${shards.length}, calls ${log.size}, records served ${log.recordsServed()} of ${model.appendedCount}, faults ${JSON.stringify(faults.injectedCounts())}, expired iterators ${log.count('GetRecords', 'ExpiredIteratorException')}, warnings ${JSON.stringify(warnings(worker))}`,
    );

    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), []);
  } finally {
    workload.abort();
    await writing?.catch(() => undefined);
    await worker.kill();
  }
});

test('unread records trimmed from a shard stop the worker with a data-loss error; the checkpoint stays', async () => {
  const { fixture, served } = await setUp('trim', 16);
  const { model, server } = served;
  await writeBacklog(fixture.source, fixture.sourceTable, 400);
  const worker = new ReplicatorProcess(fixture.args(served.args()));
  try {
    await assertTablesConverge(fixture);
    const victim = model.openShards().find((s) => s.recordCount > 0)!;
    const lastRead = victim.sequenceNumbers().at(-1)!;
    await waitFor('the checkpoint of the shard to reach its last record', async () => {
      return (await leases(fixture)).get(victim.shardId) === lastRead;
    });

    // Hold the shard's reads while new records arrive and most of them are trimmed: the reader's next
    // position is then gone, exactly as after a stall longer than the 24-hour retention.
    const hold = server.faults.hold({ operation: 'GetRecords', shardId: victim.shardId });
    await waitFor('a read of the shard to be held', () => hold.hits > 0);
    const keys = model.keysRoutedTo(victim.shardId, 20, (i) => ({ pk: { S: `lost-${i}` } }));
    for (const key of keys) {
      await fixture.source.send(
        new PutItemCommand({ TableName: fixture.sourceTable, Item: { ...key, v: { S: 'x' } } }),
      );
    }
    await served.feeder.caughtUp();
    const fresh = victim.sequenceNumbers().filter((s) => BigInt(s) > BigInt(lastRead));
    assert.equal(fresh.length, 20);
    model.trimShard(victim.shardId, { through: fresh[9]! });
    hold.remove();

    const exit = await worker.waitForExit(60_000);
    assert.equal(exit.code, 1, worker.describe());
    assert.ok(server.log.count('GetRecords', 'TrimmedDataAccessException') >= 1);
    const fatal = worker.logs.find((l) => l.level === 'fatal');
    assert.ok(fatal !== undefined, worker.describe());
    assert.match(fatal.msg, new RegExp(victim.shardId));
    assert.match(fatal.msg, /data lost/);
    assert.match(fatal.msg, new RegExp(lastRead), 'the message names the position of the gap');
    const checkpoint = (await leases(fixture)).get(victim.shardId);
    assert.equal(checkpoint, lastRead, 'no checkpoint moved past the gap');
  } finally {
    await worker.kill();
  }
});

test('a child shard never read whose oldest records were trimmed during an outage stops the worker, not skipped', async () => {
  const { fixture, served } = await setUp('gap', 4);
  const { model } = served;
  await writeBacklog(fixture.source, fixture.sourceTable, 200);
  const args = fixture.args([...served.args(), '--shard-sync-interval-ms', '500']);
  const first = new ReplicatorProcess(args);
  let second: ReplicatorProcess | undefined;
  try {
    await assertTablesConverge(fixture);
    const parent = model.openShards()[0]!;
    const [child] = model.split(parent.shardId);
    await waitFor('the parent finished and the child lease created', async () => {
      const checkpoints = await leases(fixture);
      return checkpoints.get(parent.shardId) === 'SHARD_END' && checkpoints.has(child!.shardId);
    });
    assert.equal((await first.stop()).code, 0, first.describe());

    // While no worker runs, the child gets records and retention trims the oldest half of them.
    const keys = model.keysRoutedTo(child!.shardId, 10, (i) => ({ pk: { S: `gap-${i}` } }));
    for (const key of keys) {
      await fixture.source.send(new PutItemCommand({ TableName: fixture.sourceTable, Item: key }));
    }
    await served.feeder.caughtUp();
    model.trimShard(child!.shardId, { count: 5 });

    second = new ReplicatorProcess(args);
    // A deadline, not a speed: on two cores shared with the rest of the suite (load 15-20) a process start, its
    // startup checks and its first take took longer than 15 s once in CI.
    const exit = await second.waitForExit(45_000);
    assert.equal(exit.code, 1, second.describe());
    assert.match(second.errors().at(-1)?.msg ?? '', new RegExp(`data lost.*${child!.shardId}`));
  } finally {
    await first.kill();
    await second?.kill();
  }
});

test('a throttled DescribeStream while starting is retried, not reported as a configuration error', async () => {
  const { fixture, served } = await setUp('busy', 16);
  await writeBacklog(fixture.source, fixture.sourceTable, 100);
  // Both attempts of the startup check, then the first shard sync's single attempt.
  const throttled = served.server.faults.throttle({ operation: 'DescribeStream', count: 3 });
  const worker = new ReplicatorProcess(fixture.args(served.args()));
  try {
    // Not waitForLog: it would wait out its deadline once the process has exited.
    await waitFor(
      'the worker to start or exit',
      () => worker.child.exitCode !== null || worker.logs.some((l) => l.msg === 'replicating'),
    );
    assert.equal(worker.child.exitCode, null, worker.describe());
    await assertTablesConverge(fixture);
    assert.equal(throttled.hits, 3);
    assert.equal((await worker.stop()).code, 0, worker.describe());
  } finally {
    await worker.kill();
  }
});
