// dynamodb-local: shared
// Spool mode (src/spool/) through the real CLI against DynamoDB Local: `replicate --bootstrap --copy-mode spool`
// copies a table while puts, updates and deletes go on from before the positions are recorded until after the
// switch; the consumers spool the stream during the copy (the spool table fills while the copy runs), the spool is
// drained twice, the consumers switch to the destination, the spool table is deleted, and the destination ends
// equal to the source item by item. With a stream whose records are trimmed after a few seconds (the controlled
// stream endpoint) and a copy slower than that, a spool copy still ends equal, while a direct copy of the same
// table stops with its data-loss error.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createTable, deleteTableIfExists, scanAll } from '../../src/local/local-tables.js';
import {
  assertTablesConverge,
  createFixture,
  fixtureOf,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { enforceRetention } from '../support/stream-server/retention.js';
import { serveSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';

const ITEMS = 3000;

const workers: ReplicatorProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const worker of workers) await worker.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const leaseTable = (fixture: ReplicationFixture): string =>
  `DynamoDBCrossRegionReplication${fixture.taskName}`;
const spoolTable = (fixture: ReplicationFixture): string => `${leaseTable(fixture)}-spool`;

async function fixtureFor(t: TestContext, prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ prefix });
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      await deleteTableIfExists(fixture.source, spoolTable(fixture));
      await fixture.cleanup();
    })());
  cleanups.push(cleanup);
  t.after(async () => {
    for (const worker of workers) await worker.kill();
    await cleanup();
  });
  return fixture;
}

function start(
  fixture: ReplicationFixture,
  command: 'replicate' | 'bootstrap',
  extra: string[],
): ReplicatorProcess {
  const [, ...rest] = fixture.args(['--failover-ms', '2000', ...extra]);
  const worker = new ReplicatorProcess([command, ...rest]);
  workers.push(worker);
  return worker;
}

async function taskState(fixture: ReplicationFixture): Promise<string | undefined> {
  const items = await scanAll(fixture.source, leaseTable(fixture));
  return items.find((item) => item.leaseKey?.S === 'bootstrap#task')?.state?.S;
}

async function spoolExists(fixture: ReplicationFixture): Promise<boolean> {
  try {
    await fixture.source.send(new DescribeTableCommand({ TableName: spoolTable(fixture) }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

test('replicate --bootstrap --copy-mode spool: the stream is spooled during a copy under live writes, drained, switched; tables end equal', async (t) => {
  const fixture = await fixtureFor(t, 'spool-live');
  await writeBacklog(fixture.source, fixture.sourceTable, ITEMS);
  const workload = new AbortController();
  const writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
    keys: ITEMS,
    prefix: 'b',
    signal: workload.signal,
    seed: 2020,
  });
  try {
    const worker = start(fixture, 'replicate', [
      '--bootstrap',
      '--copy-mode',
      'spool',
      '--segments',
      '4',
      '--max-write-rate',
      '600',
    ]);
    const started = await worker.waitForLog('bootstrap copy started', { timeoutMs: 60_000 });
    assert.equal(started.copyMode, 'spool');
    assert.equal(started.why, '--copy-mode spool');
    // While the scan copy runs, the consumers write the stream's changes to the spool, not the destination.
    const spooled = await waitFor(
      'changes spooled while copying',
      async () => {
        if ((await taskState(fixture)) !== 'copying') return undefined;
        const items = await scanAll(fixture.source, spoolTable(fixture)).catch(() => []);
        return items.length >= 20 ? items.length : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    t.diagnostic(`${spooled} keys spooled during the copy`);
    assert.equal(await taskState(fixture), 'copying', 'still copying: the spool filled during the copy');

    await worker.waitForLog('copy done: draining the spool', { timeoutMs: 120_000 });
    await worker.waitForLog('spool drained once: switching the consumers to the destination', {
      timeoutMs: 60_000,
    });
    await worker.waitForLog(
      'spool drained: the consumers write the destination from the spool checkpoints on',
      {
        timeoutMs: 60_000,
      },
    );
    await worker.waitForLog('spool table deleted', { timeoutMs: 60_000 });
    assert.equal(await taskState(fixture), 'done');
    assert.equal(await spoolExists(fixture), false, 'the spool table is deleted at the end');

    // Changes go on after the switch, straight to the destination; then the destination must equal the source.
    const deletedAt = worker.logs.findIndex((l) => l.msg === 'spool table deleted');
    await worker.waitForLog('progress', { from: deletedAt, timeoutMs: 30_000 });
    workload.abort();
    assert.ok((await writing) > 0);
    const diff = await assertTablesConverge(fixture, 60_000);
    assert.ok(diff.compared > ITEMS / 2, `compared ${diff.compared} items`);
    assert.equal((await worker.stop()).code, 0, worker.describe());
    assert.deepEqual(worker.errors(), []);
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});

test('with a retention shorter than the copy, a spool copy ends equal where a direct copy stops with its data-loss error', async (t) => {
  const fixture = await fixtureFor(t, 'spool-trim');
  // A second task over the same source and its stream, copying directly to a destination of its own.
  const direct = fixtureOf({
    ...fixture,
    destTable: `${fixture.destTable}-direct`,
    taskName: `${fixture.taskName}-direct`,
    cleanup: async () => {
      await deleteTableIfExists(fixture.destination, `${fixture.destTable}-direct`);
      await deleteTableIfExists(fixture.source, leaseTable(direct));
    },
  });
  cleanups.push(() => direct.cleanup());
  await createTable(fixture.destination, direct.destTable, fixture.key);
  await writeBacklog(fixture.source, fixture.sourceTable, 1500);
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards: 2 });
  const retention = new AbortController();
  const workload = new AbortController();
  let trimming: Promise<number> | undefined;
  let writing: Promise<number> | undefined;
  try {
    await served.feeder.caughtUp();
    // A copy of 1,500 items at 150 items/s lasts about 10 s; records are trimmed after 3 s.
    const flags = [...served.args(), '--segments', '2', '--max-write-rate', '150'];
    const spool = start(fixture, 'replicate', ['--bootstrap', '--copy-mode', 'spool', ...flags]);
    const plain = start(direct, 'bootstrap', ['--copy-mode', 'direct', ...flags]);
    await spool.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    await plain.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    // The spool's consumers read both shards before any change can age out of the stream.
    await waitFor('the spool consumers on both shards', () =>
      spool.logs.filter((l) => l.msg === 'lease taken').length >= 2 ? true : undefined,
    );
    writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
      keys: 1500,
      prefix: 'b',
      signal: workload.signal,
      seed: 4242,
    });
    trimming = enforceRetention(served.model, 3000, retention.signal);

    const exit = await plain.waitForExit(120_000);
    assert.equal(exit.code, 1, plain.describe());
    const fatal = plain.logs.filter((l) => l.level === 'fatal');
    assert.equal(fatal.length, 1, plain.describe());
    assert.match(fatal[0]?.msg ?? '', /^data lost: records of shard /);

    await spool.waitForLog('spool table deleted', { timeoutMs: 120_000 });
    workload.abort();
    assert.ok((await writing) > 0);
    await served.feeder.caughtUp();
    const diff = await assertTablesConverge(fixture, 60_000);
    assert.ok(diff.compared > 500, `compared ${diff.compared} items`);
    retention.abort();
    const trimmed = await trimming;
    t.diagnostic(`${trimmed} stream records trimmed during the copies`);
    assert.ok(trimmed > 0, 'records were trimmed while the copies ran');
    assert.equal((await spool.stop()).code, 0, spool.describe());
    assert.deepEqual(spool.errors(), []);
  } finally {
    workload.abort();
    retention.abort();
    await Promise.all([writing?.catch(() => 0), trimming?.catch(() => 0)]);
    await served.close();
  }
});
