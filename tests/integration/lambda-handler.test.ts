// dynamodb-local: shared
// The Lambda handler (`ddb-replicator/lambda`) driven by a stand-in for the event source mapping over DynamoDB
// Local's stream (tests/support/lambda-events.ts): every attribute type through batches of 7 (puts, updates,
// deletes) to a destination equal item by item; a destination it cannot reach reports the batch's first record and
// never success; Lambda's retry from that record, once the destination answers, converges; a variable Lambda mode
// does not read is refused by name.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createHandler } from '../../src/lambda/handler.js';
import { allTypesItems, deleteItem, putItems, setValue } from '../support/attribute-items.js';
import { deliver, readStream, streamsClient } from '../support/lambda-events.js';
import { DEST_REGION, destEndpoint, SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import {
  assertTablesConverge,
  createFixture,
  diffTables,
  type ReplicationFixture,
} from '../support/replication-fixture.js';

let fixture: ReplicationFixture;
const streams = streamsClient(sourceEndpoint(), SOURCE_REGION);

before(async () => {
  fixture = await createFixture({ prefix: 'lambda' });
});
after(async () => {
  streams.destroy();
  await fixture.cleanup();
});

const envFor = (endpoint: string): NodeJS.ProcessEnv => ({
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  DDB_REPLICATOR_DEST_TABLE: fixture.destTable,
  DDB_REPLICATOR_DEST_REGION: DEST_REGION,
  DDB_REPLICATOR_DEST_ENDPOINT: endpoint,
  DDB_REPLICATOR_LOG_LEVEL: 'silent',
});

async function streamRecords() {
  const table = await fixture.source.send(new DescribeTableCommand({ TableName: fixture.sourceTable }));
  return readStream(streams, table.Table?.LatestStreamArn ?? '');
}

test('the handler: every attribute type, unreachable destination reported, the retry converges', async () => {
  const items = allTypesItems();
  await putItems(fixture.source, fixture.sourceTable, items);
  const first = items[0];
  const second = items[1];
  assert.ok(first !== undefined && second !== undefined);
  await setValue(fixture.source, fixture.sourceTable, { pk: first.pk! }, { S: 'changed' });
  await deleteItem(fixture.source, fixture.sourceTable, { pk: second.pk! });
  const records = await streamRecords();
  assert.ok(records.length >= items.length + 2, `${records.length} stream records`);

  // A destination that does not answer: the first batch reports its first record, and nothing is called done.
  const unreachable = createHandler({
    ...envFor('http://127.0.0.1:9'),
    DDB_REPLICATOR_WRITE_CONCURRENCY: '2',
  });
  const failed = await deliver(
    records,
    (event) => unreachable(event, { getRemainingTimeInMillis: () => 4_000 }),
    {
      batchSize: 7,
      maxAttempts: 2,
    },
  );
  assert.deepEqual(
    failed.map((r) => r.batchItemFailures.map((f) => f.itemIdentifier)),
    [[records[0]?.dynamodb?.SequenceNumber], [records[0]?.dynamodb?.SequenceNumber]],
  );
  assert.equal((await diffTables(fixture)).missing.length, items.length - 1, 'nothing was written');

  // The mapping retries from the reported record once the destination answers: every batch succeeds.
  const working = createHandler(envFor(destEndpoint()));
  const responses = await deliver(records, (event) => working(event), { batchSize: 7, maxAttempts: 3 });
  assert.equal(responses.length, Math.ceil(records.length / 7));
  assert.ok(responses.every((r) => r.batchItemFailures.length === 0));
  const diff = await assertTablesConverge(fixture, 60_000);
  assert.equal(diff.compared, items.length - 1);

  // Delivered again (Lambda's at-least-once): the same table.
  await deliver(records, (event) => working(event), { batchSize: 7, maxAttempts: 1 });
  assert.equal((await assertTablesConverge(fixture, 60_000)).compared, items.length - 1);
});

test('a variable Lambda mode does not read is refused by name; the batch is reported, not dropped', async () => {
  const records = await streamRecords();
  const handler = createHandler({ ...envFor(destEndpoint()), DDB_REPLICATOR_ON_REJECT: 'dead-letter' });
  const response = await handler({ Records: records.slice(0, 3) });
  assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber }]);
});
