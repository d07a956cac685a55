// dynamodb-local: shared
// The Lambda handler under the stand-in event source mapping (tests/support/lambda-mapping.ts) when its
// destination goes away: the port it writes to is closed (nothing listens, connections are cut) while changes
// keep coming; every batch is reported from its first record, none as a success, each within the function's
// time; once the port listens again, Lambda's retries deliver every change and the destination equals the source
// item by item. And a record retried until it is older than MaximumRecordAgeInSeconds is discarded, never
// reported written.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createHandler } from '../../src/lambda/handler.js';
import { scanAll } from '../../src/local/local-tables.js';
import { ClosablePort } from '../support/lambda-closable-port.js';
import { streamsClient } from '../support/lambda-events.js';
import { EventSourceMapping, type MappingOptions } from '../support/lambda-mapping.js';
import { DEST_REGION, destEndpoint, SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import {
  assertTablesConverge,
  createFixture,
  diffTables,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { waitFor } from '../support/wait-for.js';

const streams = streamsClient(sourceEndpoint(), SOURCE_REGION);
const fixtures: ReplicationFixture[] = [];
const mappings: EventSourceMapping[] = [];
const ports: ClosablePort[] = [];

before(async () => {
  fixtures.push(
    ...(await Promise.all([
      createFixture({ prefix: 'lambda-down' }),
      createFixture({ prefix: 'lambda-age' }),
    ])),
  );
});
after(async () => {
  await Promise.all(mappings.map((m) => m.stop()));
  await Promise.all(ports.map((p) => p.close()));
  streams.destroy();
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

async function start(
  fixture: ReplicationFixture,
  endpoint: string,
  options: Partial<MappingOptions>,
): Promise<EventSourceMapping> {
  const handler = createHandler({
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DDB_REPLICATOR_DEST_TABLE: fixture.destTable,
    DDB_REPLICATOR_DEST_REGION: DEST_REGION,
    DDB_REPLICATOR_DEST_ENDPOINT: endpoint,
    DDB_REPLICATOR_LOG_LEVEL: 'silent',
  });
  const table = await fixture.source.send(new DescribeTableCommand({ TableName: fixture.sourceTable }));
  const esm = new EventSourceMapping({
    streams,
    streamArn: table.Table?.LatestStreamArn ?? '',
    handler: (event, context) => handler(event, context),
    pollIntervalMs: 50,
    ...options,
  }).start();
  mappings.push(esm);
  return esm;
}

const put = (fixture: ReplicationFixture, i: number, v: string) =>
  fixture.source.send(
    new PutItemCommand({
      TableName: fixture.sourceTable,
      Item: { pk: { S: `p-${i}` }, v: { S: v }, n: { N: '0.000000000000000000000000000000000001' } },
    }),
  );

test('the destination unreachable: no batch reported written; delivered once it is back', async () => {
  const fixture = fixtures[0]!;
  const port = await ClosablePort.open(destEndpoint());
  ports.push(port);
  // Lambda's default timeout, 3 s: the handler's own retries end 2 s before it.
  const esm = await start(fixture, port.endpoint, { batchSize: 10, functionTimeoutMs: 3_000 });
  for (let i = 0; i < 20; i++) await put(fixture, i, 'first');
  await assertTablesConverge(fixture, 60_000);
  await waitFor('the first changes acknowledged', () => esm.caughtUp, { timeoutMs: 60_000 });

  await port.close();
  const before = esm.invocations.length;
  for (let i = 0; i < 10; i++) {
    await fixture.source.send(
      new UpdateItemCommand({
        TableName: fixture.sourceTable,
        Key: { pk: { S: `p-${i}` } },
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { S: 'second' } },
      }),
    );
  }
  for (let i = 10; i < 15; i++) {
    await fixture.source.send(
      new DeleteItemCommand({ TableName: fixture.sourceTable, Key: { pk: { S: `p-${i}` } } }),
    );
  }
  for (let i = 20; i < 30; i++) await put(fixture, i, 'new');
  const down = await waitFor(
    'three batches tried while the destination is down',
    () => {
      const tried = esm.invocations.slice(before);
      return tried.length >= 3 ? tried : undefined;
    },
    { timeoutMs: 60_000 },
  );
  assert.deepEqual(
    down.map((i) => [i.outcome, i.reported]),
    down.map((i) => ['failed', i.first]),
    'each batch reported from its first record, none written, none timed out',
  );
  const stale = await diffTables(fixture);
  assert.equal(stale.missing.length + stale.extra.length + stale.different.length, 10 + 5 + 10);

  await port.reopen();
  await assertTablesConverge(fixture, 60_000);
  await waitFor('the mapping caught up', () => esm.caughtUp, { timeoutMs: 60_000 });
  assert.deepEqual(esm.discarded, []);
  assert.deepEqual(
    esm.invocations.filter((i) => i.outcome === 'timeout' || i.outcome === 'error'),
    [],
    'the handler always answered within its time',
  );
});

test('records retried until they are older than the maximum record age are discarded, never reported written', async () => {
  const fixture = fixtures[1]!;
  // A port that listened once and is closed: nothing answers there.
  const port = await ClosablePort.open(destEndpoint());
  await port.close();
  // DynamoDB Local rounds a record's creation time down to the minute: 300 s is far from that, and the test moves
  // the mapping's clock on rather than waiting.
  let ahead = 0;
  const esm = await start(fixture, port.endpoint, {
    batchSize: 10,
    maximumRecordAgeSeconds: 300,
    now: () => Date.now() + ahead,
  });
  for (let i = 0; i < 5; i++) await put(fixture, i, 'lost');
  await waitFor('two failed batches', () => esm.invocations.length >= 2, { timeoutMs: 60_000 });
  ahead = 10 * 60_000;
  await waitFor('the records discarded', () => esm.caughtUp && esm.discarded.length > 0, {
    timeoutMs: 60_000,
  });
  assert.deepEqual(
    esm.discarded.flatMap((d) => d.records.map((r) => [d.reason, r.dynamodb?.Keys?.pk])),
    [0, 1, 2, 3, 4].map((i) => ['age', { S: `p-${i}` }]),
  );
  assert.deepEqual(
    esm.invocations.filter((i) => i.outcome !== 'failed'),
    [],
    'no batch was reported written',
  );
  assert.equal((await scanAll(fixture.destination, fixture.destTable)).length, 0);
});
