// `replicate --plan` as a fleet runs it: a plan of five pairs with four key schemas (two selected by a glob, one
// destination created by the plan's `createTable`) shared by two workers, then a late third; the fair share is
// over the whole plan (six one-shard tables on three workers: two each); a table created mid-run that the glob
// matches is picked up; a source table deleted mid-run stops only its task; a worker killed with -9 is replaced.
// Every pair is compared item by item after each step.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { defaultTaskName, leaseTableName } from '../../src/config/task-name.js';
import { fleetStatus } from '../../src/app/fleet-status.js';
import { DynamoLeaseStore } from '../../src/lease/dynamo-lease-store.js';
import { taskState } from '../../src/plan/plan-status-report.js';
import { createTable, deleteTableIfExists, type TableKey } from '../../src/local/local-tables.js';
import { deleteItem, keyValues, putItems, setValue } from '../support/attribute-items.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destClient,
  destEndpoint,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import {
  assertTablesConverge,
  fixtureOf,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';

const P = uniqueName('pf');
const source = sourceClient();
const destination = destClient();
const dir = mkdtempSync(join(tmpdir(), 'ddb-plan-fleet-'));
const workers: ReplicatorProcess[] = [];

interface Pair {
  readonly source: string;
  readonly destination: string;
  readonly key: TableKey;
  /** Created by the plan's createTable, not beforehand. */
  readonly created?: boolean;
}

const S: TableKey = { hash: { name: 'pk', type: 'S' } };
const pairs: Pair[] = [
  { source: `${P}-s`, destination: `${P}-s-dr`, key: S, created: true },
  {
    source: `${P}-nr`,
    destination: `${P}-nr-dr`,
    key: { hash: { name: 'id', type: 'N' }, range: { name: 'at', type: 'S' } },
  },
  { source: `${P}-b`, destination: `${P}-b-dr`, key: { hash: { name: 'bin', type: 'B' } } },
  {
    source: `${P}-sn`,
    destination: `${P}-sn-dr`,
    key: { hash: { name: 'pk', type: 'S' }, range: { name: 'n', type: 'N' } },
  },
  { source: `${P}-g-1`, destination: `${P}-g-1-copy`, key: S },
  { source: `${P}-g-2`, destination: `${P}-g-2-copy`, key: S },
];
const late: Pair = { source: `${P}-g-3`, destination: `${P}-g-3-copy`, key: S };
const deleted = pairs[2]!;

function fixture(pair: Pair): ReplicationFixture {
  return fixtureOf({
    source,
    destination,
    sourceTable: pair.source,
    destTable: pair.destination,
    taskName: taskOf(pair),
    key: pair.key,
    cleanup: () => Promise.resolve(),
  });
}

function taskOf(pair: Pair): string {
  return defaultTaskName(SOURCE_REGION, pair.source, DEST_REGION, pair.destination);
}

/** `count` items with this pair's key, `tag` in a value so that later rounds change them. */
function items(pair: Pair, count: number, tag: string): Item[] {
  const hashes = keyValues(pair.key.hash.type, count);
  const ranges = pair.key.range === undefined ? [] : keyValues(pair.key.range.type, count);
  return hashes.map((hash, i) => ({
    [pair.key.hash.name]: hash,
    ...(pair.key.range === undefined ? {} : { [pair.key.range.name]: ranges[i]! }),
    v: { S: `${tag}-${i}` },
  }));
}

async function writeRound(pair: Pair, tag: string): Promise<void> {
  const all = items(pair, 12, 'base');
  await putItems(source, pair.source, items(pair, 12, tag).slice(0, 8));
  await setValue(source, pair.source, keyOnly(pair, all[9]!), { S: `${tag}-updated` });
  await deleteItem(source, pair.source, keyOnly(pair, all[10]!));
}

function keyOnly(pair: Pair, item: Item): Item {
  const key: Item = { [pair.key.hash.name]: item[pair.key.hash.name]! };
  if (pair.key.range !== undefined) key[pair.key.range.name] = item[pair.key.range.name]!;
  return key;
}

async function converge(list: readonly Pair[]): Promise<void> {
  for (const pair of list) await assertTablesConverge(fixture(pair), 60_000);
}

/** Leases held per worker over the plan's lease tables (unfinished leases with an owner). */
async function leasesByWorker(list: readonly Pair[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const pair of list) {
    const leases = await new DynamoLeaseStore(source, leaseTableName(taskOf(pair))).list().catch(() => []);
    for (const lease of leases) {
      if (lease.leaseOwner !== undefined)
        counts.set(lease.leaseOwner, (counts.get(lease.leaseOwner) ?? 0) + 1);
    }
  }
  return counts;
}

async function spreadIs(
  list: readonly Pair[],
  expected: Record<string, number>,
): Promise<Map<string, number>> {
  let last = new Map<string, number>();
  try {
    return await waitFor(
      `leases spread as ${JSON.stringify(expected)}`,
      async () => {
        last = await leasesByWorker(list);
        const ok = Object.entries(expected).every(([worker, n]) => last.get(worker) === n);
        return ok && last.size === Object.keys(expected).length ? last : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen ${JSON.stringify(Object.fromEntries(last))}`, {
      cause: err,
    });
  }
}

function start(workerId: string): ReplicatorProcess {
  const worker = new ReplicatorProcess([
    'replicate',
    '--plan',
    join(dir, 'plan.yaml'),
    '--worker-id',
    workerId,
    '--failover-ms',
    '4000',
    '--plan-refresh-interval-ms',
    '1500',
    '--progress-interval-ms',
    '2000',
    '--log-level',
    'info',
  ]);
  workers.push(worker);
  return worker;
}

after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  const all = [...pairs, late];
  await Promise.all(
    all.flatMap((pair) => [
      deleteTableIfExists(source, pair.source),
      deleteTableIfExists(destination, pair.destination),
      deleteTableIfExists(source, leaseTableName(taskOf(pair))),
    ]),
  );
  source.destroy();
  destination.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('a plan shared by a fleet: one fair share over every task, a late joiner, a new table, a deleted one, kill -9', async () => {
  await Promise.all(
    pairs.map(async (pair) => {
      await createTable(source, pair.source, pair.key, 'NEW_AND_OLD_IMAGES');
      if (pair.created !== true) await createTable(destination, pair.destination, pair.key);
      await putItems(source, pair.source, items(pair, 12, 'base'));
    }),
  );
  writeFileSync(
    join(dir, 'plan.yaml'),
    [
      'defaults:',
      `  source: { region: ${SOURCE_REGION}, endpoint: "${sourceEndpoint()}" }`,
      `  destination: { region: ${DEST_REGION}, endpoint: "${destEndpoint()}" }`,
      'replications:',
      ...pairs
        .slice(0, 4)
        .map(
          (pair) =>
            `  - { source: { table: ${pair.source} }, destination: { table: ${pair.destination}${pair.created === true ? ', createTable: true' : ''} } }`,
        ),
      `  - source: { table: "${P}-g-*" }`,
      '    destination: { table: "{name}-copy" }',
      '    bootstrap: true',
      '',
    ].join('\n'),
  );
  // createTable is only on the first entry: the late table's destination is made here.
  await createTable(destination, late.destination, late.key);

  const a = start('worker-a');
  const b = start('worker-b');
  await converge(pairs);
  const created = await destination.send(new DescribeTableCommand({ TableName: pairs[0]!.destination }));
  assert.equal(created.Table?.TableStatus, 'ACTIVE', 'createTable made the first destination');
  await spreadIs(pairs, { 'worker-a': 3, 'worker-b': 3 });

  const c = start('worker-c');
  await spreadIs(pairs, { 'worker-a': 2, 'worker-b': 2, 'worker-c': 2 });
  await Promise.all(pairs.map((pair) => writeRound(pair, 'r1')));
  await converge(pairs);

  // A table created mid-run that the glob matches is picked up (its items copied first: bootstrap).
  await createTable(source, late.source, late.key, 'NEW_AND_OLD_IMAGES');
  await putItems(source, late.source, items(late, 12, 'base'));
  await converge([late]);
  const everyPair = [...pairs, late];

  // A source table deleted mid-run stops its task only, in every worker.
  await deleteTableIfExists(source, deleted.source);
  const alive = everyPair.filter((pair) => pair !== deleted);
  for (const worker of [a, b, c]) {
    await worker.waitForLog('task failed', { match: (l) => l.task === taskOf(deleted), timeoutMs: 60_000 });
  }
  // Each worker recorded the failure in the task's lease table, so status shows the task failed, with its line.
  const failedTask = await new DynamoLeaseStore(source, leaseTableName(taskOf(deleted))).listFleet();
  assert.deepEqual(failedTask.failures.map((f) => f.workerId).sort(), ['worker-a', 'worker-b', 'worker-c']);
  for (const failure of failedTask.failures) {
    const worker = { 'worker-a': a, 'worker-b': b, 'worker-c': c }[failure.workerId];
    const line = worker?.logs.find((l) => l.msg === 'task failed' && l.task === taskOf(deleted));
    assert.equal(failure.error, line?.err, 'the line the worker logged');
  }
  const { leases, workers, failures } = failedTask;
  assert.equal(taskState({ fleet: fleetStatus(leases, Date.now(), workers, { failures }) }), 'failed');
  await Promise.all(alive.map((pair) => writeRound(pair, 'r2')));
  await converge(alive);

  // kill -9 of a worker: its leases are taken over and replication goes on.
  await a.kill();
  await Promise.all(alive.map((pair) => writeRound(pair, 'r3')));
  await converge(alive);
  const spread = await spreadIs(alive, { 'worker-b': 3, 'worker-c': 3 });
  assert.equal(spread.has('worker-a'), false);

  // A stop ends with the failed task listed (exit 1); no task but the deleted one failed.
  for (const worker of [b, c]) {
    const exit = await worker.stop(30_000);
    assert.equal(exit.code, 1, worker.describe());
    const fatal = worker.logs.find((l) => l.level === 'fatal')?.msg ?? '';
    assert.match(fatal, new RegExp(`^1 of 7 tasks failed: ${taskOf(deleted)} \\(`), worker.describe());
    const failed = new Set(worker.logs.filter((l) => l.msg === 'task failed').map((l) => l.task));
    assert.deepEqual([...failed], [taskOf(deleted)]);
  }
  await converge(alive);
});
