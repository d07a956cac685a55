// dynamodb-local: shared
// `--create-dest-table` through the real CLI against DynamoDB Local: two workers started together create one
// destination from a source with a global index (INCLUDE projection), a local index, TTL, on-demand maximums and
// deletion protection, and the whole table then matches the source item by item; `bootstrap` creates a
// provisioned source's destination with its capacities and the stream --dest-stream-view-type asks for; an
// existing destination that lacks the source's indexes gets one warning line (with or without the flag) and is
// not re-created; and each mistake ends with exit 2 and one line, with nothing created.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  PutItemCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { indexDifferences } from '../../src/destination/index-differences.js';
import { createTable, deleteTableIfExists, type TableKey } from '../../src/local/local-tables.js';
import { deleteItem, setValue } from '../support/attribute-items.js';
import { destClient, sourceClient, uniqueName } from '../support/local-env.js';
import { assertTablesConverge, fixtureOf, type ReplicationFixture } from '../support/replication-fixture.js';
import { ReplicatorProcess, type LogLine } from '../support/replicator-process.js';
import {
  convergedWhileRunning,
  plainErrorLines,
  reportedErrors,
  runUntilExit,
  stackTraceFrames,
} from '../support/run-replicator.js';
import { leaseTable, tableNames } from '../support/stream-inspection.js';

const KEY: TableKey = { hash: { name: 'pk', type: 'S' }, range: { name: 'sk', type: 'N' } };
const NO_INDEX_DIFFERENCES = { missing: [], extra: [], differentKeys: [], differentProjection: [] };

let source: DynamoDBClient;
let destination: DynamoDBClient;
const workers: ReplicatorProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

/** On-demand with maximums, a GSI (INCLUDE), an LSI, deletion protection, TTL on `expires`: shared, read only. */
const indexedSource = uniqueName('cdt-src');

before(async () => {
  source = sourceClient();
  destination = destClient();
  await createSource(indexedSource, {
    BillingMode: 'PAY_PER_REQUEST',
    OnDemandThroughput: { MaxReadRequestUnits: 200, MaxWriteRequestUnits: 100 },
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'created', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byStatus',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'created', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'customer'] },
      },
    ],
    LocalSecondaryIndexes: [
      {
        IndexName: 'byCreated',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'created', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    DeletionProtectionEnabled: true,
  });
  await source.send(
    new UpdateTimeToLiveCommand({
      TableName: indexedSource,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires' },
    }),
  );
  // Items in the stream before any worker starts: puts, then updates and deletes of some of them.
  const far = String(Math.floor(Date.now() / 1000) + 365 * 24 * 3600);
  for (let i = 0; i < 30; i++) {
    await source.send(
      new PutItemCommand({
        TableName: indexedSource,
        Item: {
          pk: { S: `customer-${i % 5}` },
          sk: { N: String(i) },
          status: { S: i % 3 === 0 ? 'open' : 'shipped' },
          created: { S: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}` },
          total: { N: String(10 * i) },
          customer: { S: `c${i % 5}` },
          expires: { N: far },
          ...(i % 2 === 0 ? {} : { note: { S: 'no index key on some items' } }),
        },
      }),
    );
  }
  for (let i = 0; i < 5; i++)
    await setValue(
      source,
      indexedSource,
      { pk: { S: `customer-${i % 5}` }, sk: { N: String(i) } },
      { S: 'updated' },
    );
  for (let i = 25; i < 30; i++)
    await deleteItem(source, indexedSource, { pk: { S: `customer-${i % 5}` }, sk: { N: String(i) } });
});

after(async () => {
  for (const worker of workers) await worker.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await dropTable(source, indexedSource);
  source.destroy();
  destination.destroy();
});

async function createSource(
  name: string,
  extra: Omit<CreateTableInput, 'TableName' | 'KeySchema'>,
): Promise<void> {
  await source.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      ...extra,
    }),
  );
  await waitUntilTableExists({ client: source, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
}

/** Deletes a table, turning its deletion protection off first. */
async function dropTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: false }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
  await deleteTableIfExists(client, name);
}

/** A source/destination pair for the shared helpers; the destination and the lease table are removed after. */
function pairFor(sourceTable: string, prefix: string): ReplicationFixture {
  const destTable = uniqueName(`${prefix}-dst`);
  const taskName = uniqueName(`${prefix}-task`);
  const fixture = fixtureOf({
    source,
    destination,
    sourceTable,
    destTable,
    taskName,
    key: KEY,
    progressIntervalMs: 0,
    cleanup: async () => {
      await Promise.all([
        dropTable(destination, destTable),
        deleteTableIfExists(source, leaseTable(taskName)),
      ]);
    },
  });
  cleanups.push(() => fixture.cleanup());
  return fixture;
}

function start(args: string[]): ReplicatorProcess {
  const worker = new ReplicatorProcess(args);
  workers.push(worker);
  return worker;
}

async function describeDestination(name: string): Promise<TableDescription> {
  const out = await destination.send(new DescribeTableCommand({ TableName: name }));
  assert.ok(out.Table !== undefined);
  return out.Table;
}

async function describeSource(name: string): Promise<TableDescription> {
  const out = await source.send(new DescribeTableCommand({ TableName: name }));
  assert.ok(out.Table !== undefined);
  return out.Table;
}

const byName = <T extends { AttributeName?: string | undefined }>(list: readonly T[] | undefined): T[] =>
  [...(list ?? [])].sort((a, b) => (a.AttributeName ?? '').localeCompare(b.AttributeName ?? ''));

const messages = (worker: ReplicatorProcess, level: string): string[] =>
  worker.logs.filter((l: LogLine) => l.level === level).map((l) => l.msg);

test('two workers started together create one destination like the source, then replicate it item by item', async () => {
  const fixture = pairFor(indexedSource, 'cdt-main');
  const [first, second] = [
    start(fixture.args(['--create-dest-table'])),
    start(fixture.args(['--create-dest-table'])),
  ];
  // Both pass the startup checks only once the destination is active; scanning it before that would fail.
  await Promise.all([first.waitForLog('replicating'), second.waitForLog('replicating')]);
  await convergedWhileRunning(fixture, first);
  await assertTablesConverge(fixture);
  const exits = await Promise.all([first.stop(), second.stop()]);
  for (const [i, worker] of [first, second].entries()) {
    assert.equal(exits[i]?.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
    const ours = messages(worker, 'warn').filter((msg) => msg.includes(fixture.destTable));
    assert.deepEqual(ours, [], 'no warning about the destination (no KMS key, no tags, same indexes)');
  }
  // One CreateTable won; the other worker found the table, or was told it is in use, and waited for it.
  const created = [first, second].flatMap((w) =>
    w.logs.filter((l) => l.msg === 'creating destination table'),
  );
  assert.equal(created.length, 1, `${first.describe()}\n${second.describe()}`);
  assert.equal(created[0]?.billingMode, 'PAY_PER_REQUEST');
  assert.equal(created[0]?.globalIndexes, 'byStatus');
  assert.equal(created[0]?.localIndexes, 'byCreated');
  assert.equal(created[0]?.stream, 'none');

  const [sourceTable, destTable] = await Promise.all([
    describeSource(indexedSource),
    describeDestination(fixture.destTable),
  ]);
  assert.equal(destTable.TableStatus, 'ACTIVE');
  assert.deepEqual(destTable.KeySchema, sourceTable.KeySchema);
  assert.deepEqual(byName(destTable.AttributeDefinitions), byName(sourceTable.AttributeDefinitions));
  assert.deepEqual(indexDifferences(sourceTable, destTable), NO_INDEX_DIFFERENCES);
  assert.deepEqual(
    destTable.GlobalSecondaryIndexes?.map((g) => [g.IndexName, g.KeySchema, g.Projection, g.IndexStatus]),
    [
      [
        'byStatus',
        [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'created', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'INCLUDE', NonKeyAttributes: ['total', 'customer'] },
        'ACTIVE',
      ],
    ],
  );
  assert.deepEqual(
    destTable.LocalSecondaryIndexes?.map((l) => [l.IndexName, l.KeySchema, l.Projection]),
    [
      [
        'byCreated',
        [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'created', KeyType: 'RANGE' },
        ],
        { ProjectionType: 'KEYS_ONLY' },
      ],
    ],
  );
  assert.equal(destTable.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  assert.deepEqual(destTable.OnDemandThroughput, { MaxReadRequestUnits: 200, MaxWriteRequestUnits: 100 });
  assert.equal(destTable.DeletionProtectionEnabled, true);
  assert.notEqual(destTable.StreamSpecification?.StreamEnabled, true, 'no stream on the destination');
  assert.equal(destTable.LatestStreamArn, undefined);
  const ttl = await destination.send(new DescribeTimeToLiveCommand({ TableName: fixture.destTable }));
  assert.deepEqual(ttl.TimeToLiveDescription, { TimeToLiveStatus: 'ENABLED', AttributeName: 'expires' });
});

test('bootstrap --create-dest-table creates a provisioned destination with its capacities and the stream asked for', async () => {
  const provisioned = uniqueName('cdt-prov');
  cleanups.push(() => dropTable(source, provisioned));
  await createSource(provisioned, {
    ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
      { AttributeName: 'status', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byStatus',
        KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 1 },
      },
    ],
  });
  for (let i = 0; i < 20; i++) {
    await source.send(
      new PutItemCommand({
        TableName: provisioned,
        Item: { pk: { S: `p-${i}` }, sk: { N: String(i) }, status: { S: i % 2 === 0 ? 'a' : 'b' } },
      }),
    );
  }
  const fixture = pairFor(provisioned, 'cdt-boot');
  const [, ...rest] = fixture.args([
    '--create-dest-table',
    '--dest-stream-view-type',
    'NEW_IMAGE',
    '--failover-ms',
    '3000',
  ]);
  const worker = start(['bootstrap', ...rest]);
  const exit = await worker.waitForExit(30_000);
  assert.equal(exit.code, 0, worker.describe());
  assert.deepEqual(worker.errors(), [], worker.describe());
  assert.ok(
    worker.logs.some((l) => l.msg === 'creating destination table' && l.capacity === '7 read, 3 write'),
  );
  await assertTablesConverge(fixture, 0);

  const destTable = await describeDestination(fixture.destTable);
  assert.equal(destTable.BillingModeSummary?.BillingMode ?? 'PROVISIONED', 'PROVISIONED');
  assert.equal(destTable.ProvisionedThroughput?.ReadCapacityUnits, 7);
  assert.equal(destTable.ProvisionedThroughput?.WriteCapacityUnits, 3);
  assert.deepEqual(destTable.GlobalSecondaryIndexes?.[0]?.ProvisionedThroughput, {
    ReadCapacityUnits: 2,
    WriteCapacityUnits: 1,
  });
  assert.deepEqual(destTable.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  assert.ok(destTable.LatestStreamArn !== undefined, 'the destination has a stream to replicate from');
  assert.equal(destTable.DeletionProtectionEnabled, false);
  // The source has no TTL: nor has the destination.
  const ttl = await destination.send(new DescribeTimeToLiveCommand({ TableName: fixture.destTable }));
  assert.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'DISABLED');
});

test('an existing destination without the source indexes: one warning naming them, with or without the flag', async () => {
  const runs = [
    { label: 'without --create-dest-table', extra: [] },
    { label: 'with --create-dest-table', extra: ['--create-dest-table'] },
  ].map(({ label, extra }) => {
    const fixture = pairFor(indexedSource, 'cdt-warn');
    return { label, fixture, extra };
  });
  await Promise.all(runs.map(({ fixture }) => createTable(destination, fixture.destTable, KEY)));
  await Promise.all(
    runs.map(async ({ label, fixture, extra }) => {
      const worker = start(fixture.args(extra));
      await worker.waitForLog('replicating');
      const exit = await worker.stop();
      assert.equal(exit.code, 0, worker.describe());
      const warnings = messages(worker, 'warn');
      assert.equal(warnings.length, 1, `${label}: ${warnings.join('\n')}`);
      for (const text of [
        fixture.destTable,
        indexedSource,
        'missing GSI byStatus, LSI byCreated',
        'Replication goes on',
      ])
        assert.ok(warnings[0]?.includes(text), `${label}: "${warnings[0]}" mentions "${text}"`);
      assert.ok(!worker.logs.some((l) => l.msg === 'creating destination table'), `${label}: not re-created`);
      const destTable = await describeDestination(fixture.destTable);
      assert.equal(destTable.GlobalSecondaryIndexes, undefined, `${label}: its indexes are left as they are`);
      // With the flag, a destination without TTL gets the source's (it finishes a creation stopped before it).
      const ttl = await destination.send(new DescribeTimeToLiveCommand({ TableName: fixture.destTable }));
      assert.equal(
        ttl.TimeToLiveDescription?.TimeToLiveStatus,
        extra.length === 0 ? 'DISABLED' : 'ENABLED',
        label,
      );
    }),
  );
});

describe('mistakes end with exit 2 and one line, and create nothing', { concurrency: 4 }, () => {
  const otherKey = uniqueName('cdt-otherkey');
  before(async () => {
    await createTable(destination, otherKey, { hash: { name: 'id', type: 'S' } });
    cleanups.push(() => deleteTableIfExists(destination, otherKey));
  });

  const cases: {
    name: string;
    destTable?: () => string;
    extra: string[];
    mentions: (dest: string) => string[];
  }[] = [
    {
      name: '--copy-tags where the source does not support tags (DynamoDB Local)',
      extra: ['--create-dest-table', '--copy-tags'],
      mentions: () => [
        'dynamodb:ListTagsOfResource',
        `source table ${indexedSource}`,
        'leave out --copy-tags',
      ],
    },
    {
      name: '--dest-stream-view-type without --create-dest-table',
      extra: ['--dest-stream-view-type', 'NEW_IMAGE'],
      mentions: () => ['--dest-stream-view-type', 'add --create-dest-table'],
    },
    {
      name: 'an unknown --dest-stream-view-type',
      extra: ['--create-dest-table', '--dest-stream-view-type', 'SIDEWAYS'],
      mentions: () => ['dest-stream-view-type', 'SIDEWAYS', 'NEW_IMAGE'],
    },
    {
      name: 'an empty --dest-kms-key',
      extra: ['--create-dest-table', '--dest-kms-key', ''],
      mentions: () => ['--dest-kms-key'],
    },
    {
      name: 'an existing destination with another key schema (the flag does not re-create it)',
      destTable: () => otherKey,
      extra: ['--create-dest-table'],
      mentions: (dest) => ['key schemas differ', dest, '(id S HASH)'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const fixture = pairFor(indexedSource, 'cdt-bad');
      const dest = c.destTable?.() ?? fixture.destTable;
      const args = fixture.args(c.extra).map((arg) => (arg === fixture.destTable ? dest : arg));
      const { worker, code } = await runUntilExit(args);
      assert.equal(code, EXIT_CONFIG, worker.describe());
      const errors = reportedErrors(worker);
      assert.equal(errors.length, 1, `exactly one error line, got:\n${errors.join('\n')}`);
      for (const text of c.mentions(dest))
        assert.ok(errors[0]?.includes(text), `"${errors[0]}" mentions "${text}"`);
      for (const line of plainErrorLines(worker)) assert.match(line, /^ddb-replicator: /);
      assert.deepEqual(stackTraceFrames(worker), [], 'no stack trace');
      const [destTables, sourceTables] = await Promise.all([tableNames(destination), tableNames(source)]);
      if (c.destTable === undefined) assert.ok(!destTables.includes(dest), 'no destination was created');
      assert.ok(!sourceTables.includes(leaseTable(fixture.taskName)), 'no lease table was created');
    });
  }
});
