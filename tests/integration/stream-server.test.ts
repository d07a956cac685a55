// dynamodb-local: shared
// The stream server against the real @aws-sdk/client-dynamodb-streams client: every operation, every iterator
// type, pagination over more than 100 shards, closed shards read to their end, split lineage, iterator expiry,
// trimmed data and injected faults with their counts; and the feeder pumping a real DynamoDB Local stream.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PutItemCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InternalServerError,
  LimitExceededException,
  ListStreamsCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type GetShardIteratorCommandInput,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { classifyError } from '../../src/errors/classify-error.js';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';
import { SdkStreamApi } from '../../src/stream/stream-api.js';
import { createFixture } from '../support/replication-fixture.js';
import { serveSourceStream } from '../support/stream-server/serve-source-stream.js';
import { StreamModel } from '../support/stream-server/stream-model.js';
import { StreamServer } from '../support/stream-server/stream-server.js';
import { waitFor } from '../support/wait-for.js';

let server: StreamServer;
let client: DynamoDBStreamsClient;
before(async () => {
  server = await StreamServer.start();
  // One attempt per call: the tests see every error the server answers, not the SDK's retries.
  client = new DynamoDBStreamsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
});
after(async () => {
  client.destroy();
  await server.close();
  assert.deepEqual(server.unexpectedErrors, [], 'the server itself never failed');
});

let tables = 0;
function newStream(shards = 1, viewType?: 'NEW_IMAGE' | 'KEYS_ONLY'): StreamModel {
  tables += 1;
  return server.addStream(
    StreamModel.forTable(`table-${tables}`, { shards, ...(viewType ? { viewType } : {}) }),
  );
}

async function iterator(
  model: StreamModel,
  shardId: string,
  type: GetShardIteratorCommandInput['ShardIteratorType'],
  sequenceNumber?: string,
): Promise<string> {
  const out = await client.send(
    new GetShardIteratorCommand({
      StreamArn: model.streamArn,
      ShardId: shardId,
      ShardIteratorType: type,
      SequenceNumber: sequenceNumber,
    }),
  );
  assert.ok(out.ShardIterator !== undefined);
  return out.ShardIterator;
}

async function read(
  shardIterator: string,
  limit?: number,
): Promise<{ records: _Record[]; next: string | undefined }> {
  const out = await client.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: limit }));
  return { records: out.Records ?? [], next: out.NextShardIterator };
}

function pks(records: readonly _Record[]): string[] {
  return records.map((r) => r.dynamodb?.Keys?.pk?.S ?? '?');
}

const key = (pk: string): { pk: { S: string } } => ({ pk: { S: pk } });

test('DescribeStream pages over more than 100 shards (AWS default page 100, Limit, a small server page)', async () => {
  const model = newStream(150);
  const first = await client.send(new DescribeStreamCommand({ StreamArn: model.streamArn }));
  const description = first.StreamDescription!;
  assert.equal(description.Shards?.length, 100);
  assert.equal(description.LastEvaluatedShardId, description.Shards?.[99]?.ShardId);
  assert.equal(description.StreamStatus, 'ENABLED');
  assert.equal(description.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.equal(description.StreamArn, model.streamArn);
  assert.equal(description.TableName, model.tableName);
  assert.deepEqual(description.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }]);
  assert.ok(description.CreationRequestDateTime instanceof Date);
  const shard = description.Shards?.[0];
  assert.match(shard?.ShardId ?? '', /^shardId-\d{20}-[0-9a-f]{8}$/);
  assert.match(shard?.SequenceNumberRange?.StartingSequenceNumber ?? '', /^\d{21,}$/);
  assert.equal(shard?.SequenceNumberRange?.EndingSequenceNumber, undefined, 'an open shard has no end');
  assert.equal(shard?.ParentShardId, undefined);

  const second = await client.send(
    new DescribeStreamCommand({
      StreamArn: model.streamArn,
      ExclusiveStartShardId: description.LastEvaluatedShardId,
    }),
  );
  assert.equal(second.StreamDescription?.Shards?.length, 50);
  assert.equal(second.StreamDescription?.LastEvaluatedShardId, undefined);

  const seen: string[] = [];
  let start: string | undefined;
  let pages = 0;
  do {
    const out = await client.send(
      new DescribeStreamCommand({ StreamArn: model.streamArn, Limit: 7, ExclusiveStartShardId: start }),
    );
    seen.push(...(out.StreamDescription?.Shards ?? []).map((s) => s.ShardId!));
    start = out.StreamDescription?.LastEvaluatedShardId;
    pages += 1;
  } while (start !== undefined);
  assert.equal(pages, Math.ceil(150 / 7));
  assert.deepEqual(
    seen,
    model.allShards().map((s) => s.shardId),
  );

  await assert.rejects(client.send(new DescribeStreamCommand({ StreamArn: model.streamArn, Limit: 101 })), {
    name: 'ValidationException',
  });

  // The replicator's own listing follows the pages, also when the server pages by 10 without a Limit.
  server.describePageSize = 10;
  try {
    const before = server.log.count('DescribeStream', 'ok');
    const listed = await new SdkStreamApi(client).listShards(model.streamArn);
    assert.equal(listed.shards.length, 150);
    assert.equal(server.log.count('DescribeStream', 'ok') - before, 15);
  } finally {
    server.describePageSize = 100;
  }
});

test('GetRecords serves records in the AWS shape, with images per view type', async () => {
  const model = newStream(1);
  const shardId = model.openShards()[0]!.shardId;
  model.append(key('a'), { ...key('a'), n: { N: '1' }, bin: { B: new Uint8Array([1, 2, 255]) } });
  model.append(key('a'), {
    ...key('a'),
    n: { N: '2' },
    tags: { SS: ['x', 'y'] },
    m: { M: { l: { L: [{ NULL: true }, { BOOL: false }] } } },
  });
  model.append(key('a'), undefined);
  const { records, next } = await read(await iterator(model, shardId, 'TRIM_HORIZON'));
  assert.ok(next !== undefined, 'an open shard always gives a next iterator');
  assert.deepEqual(
    records.map((r) => r.eventName),
    ['INSERT', 'MODIFY', 'REMOVE'],
  );
  const [insert, modify, remove] = records;
  assert.equal(insert?.eventSource, 'aws:dynamodb');
  assert.equal(insert?.eventVersion, '1.1');
  assert.equal(insert?.awsRegion, 'us-east-1');
  assert.match(insert?.eventID ?? '', /^[0-9a-f]{32}$/);
  assert.ok(insert?.dynamodb?.ApproximateCreationDateTime instanceof Date);
  assert.deepEqual(insert.dynamodb.Keys, key('a'));
  assert.deepEqual(insert.dynamodb.NewImage?.bin?.B, new Uint8Array([1, 2, 255]), 'binary values survive');
  assert.equal(insert.dynamodb.OldImage, undefined);
  assert.equal(insert.dynamodb.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.ok((insert.dynamodb.SizeBytes ?? 0) > 0);
  assert.deepEqual(modify?.dynamodb?.OldImage?.n, { N: '1' }, 'the old image is the previous new image');
  assert.deepEqual(modify?.dynamodb?.NewImage?.m, { M: { l: { L: [{ NULL: true }, { BOOL: false }] } } });
  assert.equal(remove?.dynamodb?.NewImage, undefined);
  assert.deepEqual(remove?.dynamodb?.OldImage?.n, { N: '2' });
  const sequenceNumbers = records.map((r) => r.dynamodb?.SequenceNumber ?? '');
  for (const s of sequenceNumbers) assert.match(s, /^\d{21}$/);
  assert.deepEqual([...sequenceNumbers].sort(), sequenceNumbers, 'sequence numbers increase');

  const keysOnly = newStream(1, 'KEYS_ONLY');
  keysOnly.append(key('k'), { ...key('k'), v: { S: 'v' } });
  const [only] = (await read(await iterator(keysOnly, keysOnly.openShards()[0]!.shardId, 'TRIM_HORIZON')))
    .records;
  assert.equal(only?.dynamodb?.NewImage, undefined);
  assert.equal(only?.dynamodb?.StreamViewType, 'KEYS_ONLY');
});

test('iterators of every type, Limit, and the errors of bad positions', async () => {
  const model = newStream(1);
  const shardId = model.openShards()[0]!.shardId;
  const appended = ['r0', 'r1', 'r2', 'r3', 'r4'].map((pk) => model.append(key(pk), key(pk)));
  const latest = await iterator(model, shardId, 'LATEST');
  const seq = appended.map((a) => a.sequenceNumber);

  assert.deepEqual(pks((await read(await iterator(model, shardId, 'TRIM_HORIZON'))).records), [
    'r0',
    'r1',
    'r2',
    'r3',
    'r4',
  ]);
  assert.deepEqual(pks((await read(await iterator(model, shardId, 'AT_SEQUENCE_NUMBER', seq[2]))).records), [
    'r2',
    'r3',
    'r4',
  ]);
  assert.deepEqual(
    pks((await read(await iterator(model, shardId, 'AFTER_SEQUENCE_NUMBER', seq[2]))).records),
    ['r3', 'r4'],
  );
  const first = await read(await iterator(model, shardId, 'TRIM_HORIZON'), 2);
  assert.deepEqual(pks(first.records), ['r0', 'r1']);
  assert.deepEqual(pks((await read(first.next!, 2)).records), ['r2', 'r3']);

  const empty = await read(latest);
  assert.deepEqual(empty.records, [], 'LATEST starts after the newest record');
  model.append(key('r5'), key('r5'));
  assert.deepEqual(pks((await read(empty.next!)).records), ['r5']);
  assert.deepEqual(
    pks((await read(latest)).records),
    ['r5'],
    'an iterator can be used again until it expires',
  );

  const badSequence = client.send(
    new GetShardIteratorCommand({
      StreamArn: model.streamArn,
      ShardId: shardId,
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: '9'.repeat(30),
    }),
  );
  await assert.rejects(badSequence, { name: 'ValidationException' });
  await assert.rejects(client.send(new GetRecordsCommand({ ShardIterator: 'garbage' })), {
    name: 'ValidationException',
  });
  await assert.rejects(read(latest, 1001), { name: 'ValidationException' });
  await assert.rejects(
    iterator(model, 'shardId-00000000000000000001-00000000', 'TRIM_HORIZON'),
    ResourceNotFoundException,
  );
  await assert.rejects(
    client.send(new DescribeStreamCommand({ StreamArn: `${model.streamArn}x` })),
    ResourceNotFoundException,
  );
  const streams = await client.send(new ListStreamsCommand({ TableName: model.tableName }));
  assert.deepEqual(
    streams.Streams?.map((s) => s.StreamArn),
    [model.streamArn],
  );
});

test('a split closes the parent at its last record; the parent reads to its end, keys move to one child', async () => {
  const model = newStream(1);
  const parent = model.openShards()[0]!;
  for (let i = 0; i < 20; i++) model.append(key(`k${i}`), { ...key(`k${i}`), v: { N: '1' } });
  const lastOfParent = parent.sequenceNumbers().at(-1);
  const children = model.split(parent.shardId);
  for (let i = 0; i < 20; i++) model.append(key(`k${i}`), { ...key(`k${i}`), v: { N: '2' } });
  const grandchildren = model.split(children[0]!.shardId);

  const described = (await new SdkStreamApi(client).listShards(model.streamArn)).shards;
  assert.equal(described.length, 5);
  const byId = new Map(described.map((s) => [s.shardId, s]));
  assert.equal(byId.get(parent.shardId)?.endingSequenceNumber, lastOfParent);
  for (const child of children) assert.deepEqual(byId.get(child.shardId)?.parentShardIds, [parent.shardId]);
  for (const child of grandchildren)
    assert.deepEqual(byId.get(child.shardId)?.parentShardIds, [children[0]!.shardId]);
  assert.ok(
    children[0]!.startingSequenceNumber > BigInt(lastOfParent!),
    'children start after the parent ends',
  );

  // Read the closed parent to its end in pages of 7: the last page has no NextShardIterator.
  const read1: _Record[] = [];
  let it: string | undefined = await iterator(model, parent.shardId, 'TRIM_HORIZON');
  let calls = 0;
  while (it !== undefined) {
    const page = await read(it, 7);
    read1.push(...page.records);
    it = page.next;
    calls += 1;
  }
  assert.equal(read1.length, 20);
  assert.equal(calls, 3);
  const afterEnd = await read(await iterator(model, parent.shardId, 'AFTER_SEQUENCE_NUMBER', lastOfParent));
  assert.deepEqual(
    afterEnd,
    { records: [], next: undefined },
    'after the end: nothing, and no next iterator',
  );
  assert.deepEqual(await read(await iterator(model, parent.shardId, 'LATEST')), {
    records: [],
    next: undefined,
  });

  // Every key's second change went to exactly one child.
  const childRecords = new Map<string, string>();
  for (const child of children) {
    for (const record of (await read(await iterator(model, child.shardId, 'TRIM_HORIZON'))).records) {
      const pk = record.dynamodb?.Keys?.pk?.S ?? '?';
      assert.equal(childRecords.has(pk), false, `${pk} is in one child only`);
      childRecords.set(pk, child.shardId);
    }
  }
  assert.equal(childRecords.size, 20);

  // A close with a successor: one child with the whole range; without: the keys have nowhere to go.
  const rolled = model.close(children[1]!.shardId);
  assert.equal(rolled?.parentShardId, children[1]!.shardId);
  model.close(rolled.shardId, { successor: false });
  const orphan = model.keysRoutedTo(grandchildren[0]!.shardId, 1, (i) => key(`x${i}`));
  assert.ok(orphan.length === 1);
  const homeless = [...childRecords].find(([, shardId]) => shardId === children[1]!.shardId)?.[0];
  assert.throws(() => model.append(key(homeless!), key(homeless!)), /no open shard/);
});

test('iterators expire on demand (all, or one shard) and with age', async () => {
  let now = Date.now();
  const model = server.addStream(
    StreamModel.forTable('expiring', { shards: 2, now: () => now, iteratorMaxAgeMs: 60_000 }),
  );
  const [a, b] = model.openShards();
  const itA = await iterator(model, a!.shardId, 'TRIM_HORIZON');
  const itB = await iterator(model, b!.shardId, 'TRIM_HORIZON');
  model.expireIterators(a!.shardId);
  await assert.rejects(read(itA), ExpiredIteratorException);
  await read(itB);
  model.expireIterators();
  await assert.rejects(read(itB), ExpiredIteratorException);
  const fresh = await iterator(model, b!.shardId, 'TRIM_HORIZON');
  now += 59_000;
  const next = (await read(fresh)).next!;
  now += 2_000;
  await assert.rejects(read(fresh), (err: unknown) => {
    assert.ok(err instanceof ExpiredIteratorException);
    assert.match(err.message, /tolerated delay of 60000 milliseconds/);
    return true;
  });
  await read(next);
  assert.equal(classifyError(await read(fresh).catch((e: unknown) => e)).kind, 'expired-iterator');
});

test('trimmed data: positions before the trim horizon fail, TRIM_HORIZON moves, removed shards vanish', async () => {
  const model = newStream(1);
  const shard = model.openShards()[0]!;
  const seq = Array.from({ length: 10 }, (_, i) => model.append(key(`t${i}`), key(`t${i}`)).sequenceNumber);
  const oldHorizon = await iterator(model, shard.shardId, 'TRIM_HORIZON');
  const atThree = await iterator(model, shard.shardId, 'AFTER_SEQUENCE_NUMBER', seq[2]);
  assert.equal(model.trimShard(shard.shardId, { count: 4 }), 4);

  await assert.rejects(read(oldHorizon), TrimmedDataAccessException);
  const trimmedRead = await read(atThree).catch((e: unknown) => e);
  assert.ok(trimmedRead instanceof TrimmedDataAccessException);
  assert.equal(classifyError(trimmedRead).kind, 'trimmed');
  await assert.rejects(
    iterator(model, shard.shardId, 'AFTER_SEQUENCE_NUMBER', seq[1]),
    TrimmedDataAccessException,
  );
  await assert.rejects(
    iterator(model, shard.shardId, 'AT_SEQUENCE_NUMBER', seq[3]),
    TrimmedDataAccessException,
  );
  // Right after the last trimmed record nothing was lost.
  assert.deepEqual(
    pks((await read(await iterator(model, shard.shardId, 'AFTER_SEQUENCE_NUMBER', seq[3]))).records).length,
    6,
  );
  assert.deepEqual(pks((await read(await iterator(model, shard.shardId, 'TRIM_HORIZON'))).records)[0], 't4');

  // Retention: a closed shard wholly older than the trim point leaves the stream.
  const [child] = model.split(shard.shardId);
  model.append(key('after'), key('after'));
  model.trimBefore(child!.startingSequenceNumber);
  const listed = (await new SdkStreamApi(client).listShards(model.streamArn)).shards.map((s) => s.shardId);
  assert.equal(listed.includes(shard.shardId), false);
  assert.equal(listed.length, 2);
  await assert.rejects(iterator(model, shard.shardId, 'TRIM_HORIZON'), ResourceNotFoundException);
});

test('faults: throttling and server errors on demand, per shard, counted; holds and delays', async () => {
  const model = newStream(2);
  const [a, b] = model.openShards();
  const itA = await iterator(model, a!.shardId, 'TRIM_HORIZON');
  const itB = await iterator(model, b!.shardId, 'TRIM_HORIZON');

  const throttle = server.faults.throttle({ operation: 'GetRecords', shardId: a!.shardId, count: 3 });
  const injectedBefore = server.log.count('GetRecords', 'LimitExceededException');
  for (let i = 0; i < 3; i++) {
    const err = await read(itA).catch((e: unknown) => e);
    assert.ok(err instanceof LimitExceededException);
    assert.deepEqual(classifyError(err), { kind: 'retriable', reason: 'throttled' });
    await read(itB); // the other shard is not throttled
  }
  await read(itA);
  assert.equal(throttle.hits, 3);
  assert.equal(throttle.active, false);
  assert.equal(server.log.count('GetRecords', 'LimitExceededException') - injectedBefore, 3);

  const failing = server.faults.internalError({ operation: 'GetShardIterator', count: 1 });
  const err = await iterator(model, b!.shardId, 'LATEST').catch((e: unknown) => e);
  assert.ok(err instanceof InternalServerError);
  assert.equal(err.$metadata.httpStatusCode, 500);
  assert.equal(classifyError(err).kind, 'retriable');
  assert.equal(failing.hits, 1);

  // A fraction of calls: the count of errors seen equals the rule's hits.
  const some = server.faults.throttle({ operation: 'DescribeStream', probability: 0.3 });
  let errors = 0;
  for (let i = 0; i < 100; i++) {
    await client.send(new DescribeStreamCommand({ StreamArn: model.streamArn })).catch(() => (errors += 1));
  }
  some.remove();
  assert.equal(errors, some.hits);
  assert.ok(errors > 10 && errors < 60, `about 30 of 100 throttled, got ${errors}`);

  // The SDK's own retries (default client) ride over a short throttle.
  const retrying = new DynamoDBStreamsClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const twice = server.faults.throttle({ operation: 'DescribeStream', count: 2 });
    await retrying.send(new DescribeStreamCommand({ StreamArn: model.streamArn }));
    assert.equal(twice.hits, 2);
  } finally {
    retrying.destroy();
  }

  // A held call is evaluated when released: it sees the record appended meanwhile.
  const hold = server.faults.hold({ operation: 'GetRecords', shardId: b!.shardId, count: 1 });
  let settled = false;
  const held = read(itB).finally(() => (settled = true));
  await waitFor('the call to be held', () => hold.hits === 1);
  const [bKey] = model.keysRoutedTo(b!.shardId, 1, (i) => key(`held-${i}`));
  model.append(bKey!, bKey);
  assert.equal(settled, false);
  hold.remove();
  assert.deepEqual(pks((await held).records), [bKey!.pk!.S!]);

  const delay = server.faults.delay(50, { operation: 'GetRecords', count: 2 });
  await read(itA);
  await read(itB);
  assert.equal(delay.hits, 2);
  assert.ok(server.faults.injected('delay') >= 2);
  assert.ok(server.faults.injected('hold') >= 1);
  assert.ok(server.faults.injected('LimitExceededException') >= 3 + errors + 2);
});

test('the feeder pumps a real DynamoDB Local stream into many shards, images and events intact', async () => {
  const fixture = await createFixture({ prefix: 'feed' });
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards: 8 });
  try {
    for (let i = 0; i < 40; i++) {
      await fixture.source.send(
        new PutItemCommand({
          TableName: fixture.sourceTable,
          Item: { pk: { S: `f${i}` }, v: { N: String(i) } },
        }),
      );
    }
    await fixture.source.send(
      new PutItemCommand({ TableName: fixture.sourceTable, Item: { pk: { S: 'f1' }, v: { N: '100' } } }),
    );
    await fixture.source.send(
      new DeleteItemCommand({ TableName: fixture.sourceTable, Key: { pk: { S: 'f2' } } }),
    );
    await served.feeder.caughtUp();
    assert.equal(served.feeder.fed, 42);
    assert.equal(served.model.appendedCount, 42);

    const records: _Record[] = [];
    const servedClient = new DynamoDBStreamsClient({
      endpoint: served.server.url,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
    });
    const api = new SdkStreamApi(servedClient);
    const { shards } = await api.listShards(served.streamArn);
    assert.equal(shards.length, 8);
    for (const shard of shards) {
      const it = await api.getShardIterator(served.streamArn, shard.shardId, { type: 'TRIM_HORIZON' });
      records.push(...(await api.getRecords(it!, 1000)).records);
    }
    assert.equal(records.length, 42);
    const used = shards.filter((s) => served.model.shard(s.shardId).recordCount > 0).length;
    assert.ok(used >= 6, `records spread over the shards (${used} of 8 used)`);
    const f1 = records.filter((r) => r.dynamodb?.Keys?.pk?.S === 'f1');
    assert.deepEqual(
      f1.map((r) => r.eventName),
      ['INSERT', 'MODIFY'],
    );
    assert.deepEqual(f1[1]?.dynamodb?.OldImage, { pk: { S: 'f1' }, v: { N: '1' } });
    assert.deepEqual(f1[1]?.dynamodb?.NewImage, { pk: { S: 'f1' }, v: { N: '100' } });
    const f2 = records.filter((r) => r.dynamodb?.Keys?.pk?.S === 'f2');
    assert.deepEqual(
      f2.map((r) => r.eventName),
      ['INSERT', 'REMOVE'],
    );
    assert.deepEqual(f2[1]?.dynamodb?.OldImage, { pk: { S: 'f2' }, v: { N: '2' } });
    servedClient.destroy();
  } finally {
    await served.close();
    await fixture.cleanup();
  }
});
