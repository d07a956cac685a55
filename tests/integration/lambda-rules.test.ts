// dynamodb-local: shared
// The CLI's rules in Lambda mode, from the same DDB_REPLICATOR_* variables, driven by the stand-in event source
// mapping over DynamoDB Local's stream (tests/support/lambda-events.ts): a filter with items entering and leaving
// the subset, a transform module, attributes excluded and renamed, compared item by item with an expectation
// computed here on its own; a transform that throws fails the batch at that record (the records before it
// written, the key named, Lambda's retry stopping there again); a bad rule value is the CLI's one line.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { pino, type Logger } from 'pino';
import { createHandler } from '../../src/lambda/handler.js';
import type { LambdaStreamRecord } from '../../src/lambda/lambda-record.js';
import { scanAll } from '../../src/local/local-tables.js';
import { deliver, readStream, streamsClient } from '../support/lambda-events.js';
import { DEST_REGION, destEndpoint, SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import {
  canonicalItem,
  createFixture,
  keyOf,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/transforms/', import.meta.url));
const ACTIVE = JSON.stringify({ dynamodb: { NewImage: { status: { S: ['active'] } } } });

const streams = streamsClient(sourceEndpoint(), SOURCE_REGION);
const fixtures: ReplicationFixture[] = [];
let filtered: ReplicationFixture;
let throwing: ReplicationFixture;

before(async () => {
  [filtered, throwing] = await Promise.all([
    createFixture({ prefix: 'lambda-rules' }),
    createFixture({ prefix: 'lambda-throws' }),
  ]);
  fixtures.push(filtered, throwing);
});
after(async () => {
  streams.destroy();
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

function envFor(fixture: ReplicationFixture, rules: Record<string, string>): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DDB_REPLICATOR_DEST_TABLE: fixture.destTable,
    DDB_REPLICATOR_DEST_REGION: DEST_REGION,
    DDB_REPLICATOR_DEST_ENDPOINT: destEndpoint(),
    ...rules,
  };
}

/** A logger whose lines the test reads. */
function recording(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

async function putAll(fixture: ReplicationFixture, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const batch: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await fixture.source.send(new BatchWriteItemCommand({ RequestItems: { [fixture.sourceTable]: batch } }));
  }
}

async function streamRecords(fixture: ReplicationFixture): Promise<LambdaStreamRecord[]> {
  const table = await fixture.source.send(new DescribeTableCommand({ TableName: fixture.sourceTable }));
  return readStream(streams, table.Table?.LatestStreamArn ?? '');
}

/** The destination against the source passed through `expect` (null: not in the destination), item by item. */
async function compare(fixture: ReplicationFixture, expect: (item: Item) => Item | null) {
  const [sourceItems, destItems] = await Promise.all([
    scanAll(fixture.source, fixture.sourceTable),
    scanAll(fixture.destination, fixture.destTable),
  ]);
  const expected = new Map<string, string>();
  for (const item of sourceItems) {
    const image = expect(item);
    if (image !== null) expected.set(keyOf(image, fixture.key), canonicalItem(image));
  }
  const actual = new Map(destItems.map((item) => [keyOf(item, fixture.key), canonicalItem(item)]));
  const missing: string[] = [];
  const different: string[] = [];
  for (const [key, image] of expected) {
    const found = actual.get(key);
    if (found === undefined) missing.push(key);
    else if (found !== image) different.push(`${key}: expected ${image}, found ${found}`);
    actual.delete(key);
  }
  return { missing, extra: [...actual.keys()], different, expected: expected.size };
}

const person = (i: number, status: string, extra: Item = {}): Item => ({
  pk: { S: `p-${i}` },
  status: { S: status },
  name: { S: `name ${i}` },
  email: { S: `p${i}@example.com` },
  n: { N: `1234567890123456789012345678901234567${i % 10}` },
  ...extra,
});

test('filter, transform, exclude and rename from the environment: the destination holds exactly the subset', async () => {
  const fixture = filtered;
  await putAll(
    fixture,
    Array.from({ length: 40 }, (_, i) => person(i, i % 2 === 0 ? 'active' : 'idle')),
  );
  // Items 0-11 change sides (even ones leave, odd ones enter), an active and an idle one are deleted, and one
  // active item changes twice within what will be one batch.
  for (let i = 0; i < 12; i++) {
    await fixture.source.send(
      new UpdateItemCommand({
        TableName: fixture.sourceTable,
        Key: { pk: { S: `p-${i}` } },
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: i % 2 === 0 ? 'idle' : 'active' } },
      }),
    );
  }
  for (const id of ['p-20', 'p-21'])
    await fixture.source.send(
      new DeleteItemCommand({ TableName: fixture.sourceTable, Key: { pk: { S: id } } }),
    );
  await putAll(fixture, [person(30, 'active', { name: { S: 'first' } })]);
  await putAll(fixture, [person(30, 'active', { name: { S: 'second' } })]);
  const records = await streamRecords(fixture);
  assert.equal(records.length, 40 + 12 + 2 + 2);

  const { logger, lines } = recording();
  const handler = createHandler(
    envFor(fixture, {
      DDB_REPLICATOR_FILTER: ACTIVE,
      DDB_REPLICATOR_TRANSFORM: `${FIXTURES}async-upper.mjs`,
      DDB_REPLICATOR_EXCLUDE_ATTRIBUTES: 'email',
      DDB_REPLICATOR_RENAME_ATTRIBUTES: 'name=fullName',
    }),
    { logger },
  );
  const responses = await deliver(records, (event) => handler(event), { batchSize: 7, maxAttempts: 1 });
  assert.deepEqual(
    responses.map((r) => r.batchItemFailures),
    Array.from({ length: Math.ceil(records.length / 7) }, () => []),
    JSON.stringify(lines.filter((l) => l.level !== 30)),
  );
  // The module upper-cases `name`, then email is left out and name renamed (the CLI's order).
  const expect = (item: Item): Item | null => {
    if (item.status?.S !== 'active') return null;
    const { name, ...rest } = item;
    delete rest.email;
    return name?.S === undefined ? rest : { ...rest, fullName: { S: name.S.toUpperCase() } };
  };
  const diff = await compare(fixture, expect);
  assert.deepEqual(
    { missing: diff.missing, extra: diff.extra, different: diff.different },
    { missing: [], extra: [], different: [] },
  );
  // 20 active at first; 6 left and 6 entered among 0-11; p-20 (active) deleted.
  assert.equal(diff.expected, 19);
  const written = lines.filter((l) => l.msg === 'batch written');
  assert.equal(written.length, responses.length);
  assert.ok(written.reduce((sum, l) => sum + Number(l.filteredOut), 0) > 0, 'idle items were filtered out');

  // Delivered again (Lambda's at-least-once): the same table.
  await deliver(records, (event) => handler(event), { batchSize: 11, maxAttempts: 1 });
  const again = await compare(fixture, expect);
  assert.deepEqual([again.missing, again.extra, again.different], [[], [], []]);
});

test('a transform that throws fails the batch at that record, after writing the ones before it', async () => {
  const fixture = throwing;
  const items = Array.from({ length: 10 }, (_, i) =>
    person(i, 'active', i === 5 ? { bad: { BOOL: true } } : {}),
  );
  // One at a time, so the stream has them in this order.
  for (const item of items) await putAll(fixture, [item]);
  const records = await streamRecords(fixture);
  assert.equal(records.length, 10);
  const bad = records[5]?.dynamodb?.SequenceNumber;

  const { logger, lines } = recording();
  const handler = createHandler(envFor(fixture, { DDB_REPLICATOR_TRANSFORM: `${FIXTURES}throws.mjs` }), {
    logger,
  });
  const responses = await deliver(records, (event) => handler(event), { batchSize: 4, maxAttempts: 2 });
  // r0-r3 written; r4-r7 stops at r5 (r4 written); retried from r5, it stops there again, writing nothing.
  assert.deepEqual(
    responses.map((r) => r.batchItemFailures.map((f) => f.itemIdentifier)),
    [[], [bad], [bad]],
  );
  const diff = await compare(fixture, (item) => (Number(item.pk?.S?.slice(2)) < 5 ? item : null));
  assert.deepEqual([diff.missing, diff.extra, diff.different], [[], [], []]);
  assert.equal(diff.expected, 5);
  const failures = lines.filter(
    (l) => l.msg === 'transform failed; Lambda retries the batch from that record',
  );
  assert.deepEqual(
    failures.map((l) => [l.err, l.failed, l.written]),
    [
      ['transform of key {"pk":{"S":"p-5"}} threw: TypeError: bad item', bad, 1],
      ['transform of key {"pk":{"S":"p-5"}} threw: TypeError: bad item', bad, 0],
    ],
  );
});

test("a bad rule value is the CLI's one line with its variable; the batch is reported, not dropped", async () => {
  const records = (await streamRecords(throwing)).slice(0, 2);
  const first = records[0]?.dynamodb?.SequenceNumber;
  const said = async (rules: Record<string, string>): Promise<unknown> => {
    const { logger, lines } = recording();
    const response = await createHandler(envFor(throwing, rules), { logger })({ Records: records });
    assert.deepEqual(response.batchItemFailures, [{ itemIdentifier: first }]);
    return lines.find((l) => String(l.msg).startsWith('batch not written'))?.err;
  };
  assert.match(
    String(await said({ DDB_REPLICATOR_FILTER: '{"dynamodb": [' })),
    /^--filter is not a valid pattern: .* \(set by DDB_REPLICATOR_FILTER in the environment\)$/,
  );
  assert.match(
    String(await said({ DDB_REPLICATOR_TRANSFORM: 'missing.mjs' })),
    /^transform module missing\.mjs not found .*check the --transform path \(set by DDB_REPLICATOR_TRANSFORM in the environment\)$/,
  );
  assert.match(
    String(await said({ DDB_REPLICATOR_EXCLUDE_ATTRIBUTES: 'pk' })),
    /^--exclude-attributes names key attribute pk of lambda-throws-src.*\(set by DDB_REPLICATOR_EXCLUDE_ATTRIBUTES in the environment\)$/,
  );
});
