// dynamodb-local: shared
// The Lambda handler under the stand-in event source mapping (tests/support/lambda-mapping.ts) as Lambda runs it
// over DynamoDB Local's stream: with a parallelization factor of 3 (three batches of the shard in flight at once,
// each key's records in one of them) a workload of many changes per key, every attribute type among them, ends
// with the destination equal to the source item by item; a function that throws on one record has its batch
// bisected until that record is alone, every other record written in order, and that one discarded to the
// on-failure list after its retries.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createHandler } from '../../src/lambda/handler.js';
import { allTypesItems, putItems } from '../support/attribute-items.js';
import { readStream, streamsClient } from '../support/lambda-events.js';
import { EventSourceMapping, type FunctionUnderTest } from '../support/lambda-mapping.js';
import { DEST_REGION, destEndpoint, SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import {
  assertTablesConverge,
  createFixture,
  diffTables,
  keyOf,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { waitFor } from '../support/wait-for.js';

const streams = streamsClient(sourceEndpoint(), SOURCE_REGION);
const fixtures: ReplicationFixture[] = [];
const mappings: EventSourceMapping[] = [];

before(async () => {
  fixtures.push(
    ...(await Promise.all([
      createFixture({ prefix: 'lambda-pf3' }),
      createFixture({ prefix: 'lambda-bisect' }),
    ])),
  );
});
after(async () => {
  await Promise.all(mappings.map((m) => m.stop()));
  streams.destroy();
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

const handlerFor = (fixture: ReplicationFixture) =>
  createHandler({
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DDB_REPLICATOR_DEST_TABLE: fixture.destTable,
    DDB_REPLICATOR_DEST_REGION: DEST_REGION,
    DDB_REPLICATOR_DEST_ENDPOINT: destEndpoint(),
    DDB_REPLICATOR_LOG_LEVEL: 'silent',
  });

async function mapping(
  fixture: ReplicationFixture,
  handler: FunctionUnderTest,
  options: Partial<ConstructorParameters<typeof EventSourceMapping>[0]>,
): Promise<EventSourceMapping> {
  const table = await fixture.source.send(new DescribeTableCommand({ TableName: fixture.sourceTable }));
  const started = new EventSourceMapping({
    streams,
    streamArn: table.Table?.LatestStreamArn ?? '',
    handler,
    pollIntervalMs: 50,
    ...options,
  }).start();
  mappings.push(started);
  return started;
}

/** Deterministic (a failing run replays): puts, updates and deletes, every key changed many times, interleaved. */
async function manyChangesPerKey(fixture: ReplicationFixture, keys: number, rounds: number): Promise<void> {
  let state = 7;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  let writes = 0;
  const TableName = fixture.sourceTable;
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < keys; k++) {
      const Key = { pk: { S: `k-${(k * 7 + round) % keys}` } };
      const dice = random();
      if (dice < 0.45) {
        const Item = {
          ...Key,
          round: { N: String(round) },
          seq: { N: String(writes) },
          tag: { SS: ['a', `r${round}`] },
        };
        await fixture.source.send(new PutItemCommand({ TableName, Item }));
      } else if (dice < 0.85) {
        await fixture.source.send(
          new UpdateItemCommand({
            TableName,
            Key,
            UpdateExpression: 'SET seq = :s ADD hits :one',
            ExpressionAttributeValues: { ':s': { N: String(writes) }, ':one': { N: '1' } },
          }),
        );
      } else {
        await fixture.source.send(new DeleteItemCommand({ TableName, Key }));
      }
      writes += 1;
    }
  }
}

test('parallelization factor 3: many changes per key, every attribute type, the destination equals the source', async () => {
  const fixture = fixtures[0]!;
  await putItems(fixture.source, fixture.sourceTable, allTypesItems());
  await manyChangesPerKey(fixture, 6, 60);
  // All written before the mapping starts: its first reads fill the three lanes, so that three batches are in
  // flight from the start, and a key whose changes went to two of them would be written out of order.
  const handler = handlerFor(fixture);
  const esm = await mapping(fixture, (event, context) => handler(event, context), {
    batchSize: 10,
    parallelizationFactor: 3,
    functionTimeoutMs: 10_000,
  });
  // Not one record per write: deleting an absent item makes none.
  const expected = (await readStream(streams, esm.streamArn)).length;
  await waitFor('every record read and handled', () => esm.read.length >= expected && esm.caughtUp, {
    timeoutMs: 60_000,
  }).catch((err: unknown) => {
    const outcomes = esm.invocations.filter((i) => i.outcome !== 'success');
    throw new Error(
      `${String(err)}: read ${esm.read.length} of ${expected}, caught up ${esm.caughtUp}, ${esm.invocations.length} invocations, not successful: ${JSON.stringify(outcomes.slice(0, 3))}, read error ${String(esm.lastReadError)}`,
    );
  });
  const diff = await assertTablesConverge(fixture, 60_000);
  assert.ok(diff.compared > allTypesItems().length, `${diff.compared} items compared`);
  assert.equal(esm.read.length, expected);
  assert.deepEqual(
    esm.invocations.filter((i) => i.outcome !== 'success'),
    [],
    'every batch succeeded the first time',
  );
  assert.deepEqual(esm.discarded, []);
  const lanes = new Set(esm.invocations.map((i) => i.lane));
  assert.equal(lanes.size, 3, `batches went to ${[...lanes].join(', ')}`);
  assert.ok(
    esm.maxConcurrency > 1,
    `at most ${esm.maxConcurrency} batch in flight: the factor was not exercised`,
  );
  assert.equal(
    esm.invocations.reduce((sum, i) => sum + i.size, 0),
    expected,
    'each record delivered once',
  );
});

test('a function that throws on one record: bisected down to it, the rest written, it discarded after its retries', async () => {
  const fixture = fixtures[1]!;
  // One at a time, so that the stream holds them in this order; all before the mapping starts, so that its first
  // read takes all twenty and the batches are exactly as below.
  for (let i = 0; i < 20; i++) {
    await fixture.source.send(
      new PutItemCommand({
        TableName: fixture.sourceTable,
        Item: {
          pk: { S: `p-${i}` },
          n: { N: `12345678901234567890123456789012345678` },
          i: { N: String(i) },
        },
      }),
    );
  }
  const handler = handlerFor(fixture);
  // As a function that crashes on one record (a runtime bug, memory): it throws without answering.
  const crashing: FunctionUnderTest = async (event, context) => {
    if (event.Records.some((r) => JSON.stringify(r.dynamodb?.Keys?.pk) === '{"S":"p-11"}')) {
      throw new Error('crashed on p-11');
    }
    return handler(event, context);
  };
  const esm = await mapping(fixture, crashing, {
    batchSize: 8,
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 1,
  });
  await waitFor('all twenty records handled', () => esm.read.length === 20 && esm.caughtUp, {
    timeoutMs: 60_000,
  });
  // [0-7] ok; [8-15] throws: halves [8-11] (throws: [8,9] ok, [10,11] throws: [10] ok, [11] throws, is retried
  // once, and discarded) and [12-15] ok; then [16-19].
  assert.deepEqual(
    esm.invocations.map((i) => [i.size, i.outcome]),
    [
      [8, 'success'],
      [8, 'error'],
      [4, 'error'],
      [2, 'success'],
      [2, 'error'],
      [1, 'success'],
      [1, 'error'],
      [1, 'error'],
      [4, 'success'],
      [4, 'success'],
    ],
  );
  assert.deepEqual(
    esm.discarded.map((d) => [d.reason, d.records.map((r) => r.dynamodb?.Keys?.pk)]),
    [['retries', [{ S: 'p-11' }]]],
  );
  const diff = await diffTables(fixture);
  assert.deepEqual(
    [diff.missing, diff.extra, diff.different],
    [[keyOf({ pk: { S: 'p-11' } }, fixture.key)], [], []],
  );
});
