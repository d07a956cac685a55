// dynamodb-local: shared
// The core path end to end through the real CLI: a backlog written before start, live writes after, and a clean
// stop on SIGTERM that releases the lease and exits 0.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';

let fixture: ReplicationFixture;
before(async () => {
  fixture = await createFixture({ prefix: 'basic' });
});
after(async () => {
  await fixture.cleanup();
});

test('replicates a backlog and live changes, then stops cleanly on SIGTERM', async () => {
  const { source, sourceTable } = fixture;
  // Backlog: 500 items in batches, then updates and deletes of some of them.
  for (let start = 0; start < 500; start += 25) {
    await source.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [sourceTable]: Array.from({ length: 25 }, (_, i) => ({
            PutRequest: { Item: { pk: { S: `item-${start + i}` }, n: { N: String(start + i) } } },
          })),
        },
      }),
    );
  }
  for (let i = 0; i < 50; i++) {
    await source.send(
      new UpdateItemCommand({
        TableName: sourceTable,
        Key: { pk: { S: `item-${i}` } },
        UpdateExpression: 'SET n = n + :one, touched = :t',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':t': { BOOL: true } },
      }),
    );
  }
  for (let i = 100; i < 130; i++) {
    await source.send(new DeleteItemCommand({ TableName: sourceTable, Key: { pk: { S: `item-${i}` } } }));
  }

  const worker = new ReplicatorProcess(fixture.args());
  try {
    await worker.waitForLog('lease taken');
    await assertTablesConverge(fixture);

    // Live changes while it runs.
    for (let i = 0; i < 100; i++) {
      await source.send(
        new PutItemCommand({
          TableName: sourceTable,
          Item: { pk: { S: `live-${i}` }, v: { S: 'x'.repeat(i) } },
        }),
      );
    }
    await source.send(new DeleteItemCommand({ TableName: sourceTable, Key: { pk: { S: 'item-0' } } }));
    const diff = await assertTablesConverge(fixture);
    assert.equal(diff.compared, 500 - 30 - 1 + 100);

    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.ok(
      worker.logs.some((l) => l.msg === 'lease released'),
      'the lease is released on a clean stop',
    );
    assert.deepEqual(worker.errors(), []);
  } finally {
    await worker.kill();
  }
});
