// dynamodb-local: shared
// The streams client's attribute value fast path (src/stream/stream-codec.ts) against the SDK's own reading of the
// same GetRecords pages from DynamoDB Local: every attribute type (binary values and sets, nested lists and maps,
// empty values), old and new images, removes and creation times come out identical; errors keep their classes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';
import { SdkStreamApi } from '../../src/stream/stream-api.js';
import { readAttributeValue, streamsProtocol } from '../../src/stream/stream-codec.js';
import { allTypesItems, deleteItem, emptyMapItems, putItems, setValue } from '../support/attribute-items.js';
import { SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import { createFixture, type ReplicationFixture } from '../support/replication-fixture.js';

let fixture: ReplicationFixture;
let streamArn: string;
let sdk: DynamoDBStreamsClient;
let fast: DynamoDBStreamsClient;

before(async () => {
  fixture = await createFixture({ prefix: 'codec' });
  const { source, sourceTable } = fixture;
  await putItems(source, sourceTable, [...allTypesItems(), ...emptyMapItems()]);
  await setValue(source, sourceTable, { pk: { S: 'big-binary' } }, { BS: [new Uint8Array([0, 255, 7])] });
  await deleteItem(source, sourceTable, { pk: { S: 'numbers' } });
  const table = await source.send(new DescribeTableCommand({ TableName: sourceTable }));
  streamArn = table.Table?.LatestStreamArn ?? '';
  const common = { endpoint: sourceEndpoint(), region: SOURCE_REGION, credentials: LOCAL_CREDENTIALS };
  sdk = new DynamoDBStreamsClient(common);
  fast = new DynamoDBStreamsClient({ ...common, protocol: streamsProtocol() });
});

after(async () => {
  sdk.destroy();
  fast.destroy();
  await fixture.cleanup();
});

/** Every record of the table's one shard, in pages of `limit`, through `client`. */
async function readShard(client: DynamoDBStreamsClient, limit: number): Promise<_Record[]> {
  const shards = await new SdkStreamApi(client).listShards(streamArn);
  const shardId = shards.shards[0]?.shardId;
  let iterator = (
    await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    )
  ).ShardIterator;
  const records: _Record[] = [];
  while (iterator !== undefined) {
    const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    records.push(...(page.Records ?? []));
    if ((page.Records ?? []).length === 0) break;
    iterator = page.NextShardIterator;
  }
  return records;
}

test('GetRecords pages read with the fast path equal the SDK reading of the same pages', async () => {
  const [expected, actual] = await Promise.all([readShard(sdk, 1000), readShard(fast, 7)]);
  const items = allTypesItems().length + emptyMapItems().length;
  assert.equal(expected.length, items + 2, 'one record per put, the modify and the remove');
  assert.deepStrictEqual(actual, expected);
  const modify = actual.find((r) => r.eventName === 'MODIFY');
  const binarySet = modify?.dynamodb?.NewImage?.v?.BS?.[0];
  assert.ok(binarySet instanceof Uint8Array, 'a binary set holds bytes');
  assert.deepStrictEqual([...binarySet], [0, 255, 7]);
  assert.ok(modify?.dynamodb?.OldImage?.b?.B instanceof Uint8Array, 'the old image is read too');
  assert.ok(modify?.dynamodb?.ApproximateCreationDateTime instanceof Date, 'creation time is a Date');
});

test('errors keep their SDK classes through the fast path', async () => {
  const missing = `${streamArn.slice(0, streamArn.lastIndexOf('/'))}/2000-01-01T00:00:00.000`;
  await assert.rejects(
    fast.send(
      new GetShardIteratorCommand({
        StreamArn: missing,
        ShardId: 'shardId-00000000000000000000-00000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    ),
    (err: unknown) => err instanceof ResourceNotFoundException,
  );
});

test('readAttributeValue decodes binary values at any depth and leaves the rest as parsed', () => {
  const decode = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
  const parsed = JSON.parse(
    '{"M":{"b":{"B":"AQI="},"l":{"L":[{"BS":["AA==","/w=="]},{"S":"x"},{"M":{}}]},"n":{"N":"1"},"e":{}}}',
  ) as unknown;
  const read = readAttributeValue(parsed, decode);
  assert.equal(read, parsed, 'read in place');
  assert.deepStrictEqual(read, {
    M: {
      b: { B: new Uint8Array([1, 2]) },
      l: { L: [{ BS: [new Uint8Array([0]), new Uint8Array([255])] }, { S: 'x' }, { M: {} }] },
      n: { N: '1' },
      e: {},
    },
  });
});
