// dynamodb-local: shared
// The echo decision on real stream records: a pair's two tables with NEW_AND_OLD_IMAGES streams (side A and side
// B on two DynamoDB Local instances, as in the CLI's two-way tests), and the test plays the replicators' part by
// hand with the builders of conditional-apply.ts. What only real records show: the digest of an item as the stream
// renders it equals the digest of the item as UpdateItem returns it (numbers, sets, binary, an empty map), so a
// stamp's own record is an echo and so is the apply on the other side; an app's read-modify-write that copies the
// markers is an app write; a replicated delete's two records are echoes; a stale copy re-created after the delete
// is an app write. The cycle ends: every record is classified, none is sent back, and both tables end equal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { toChangeRecord, type ChangeRecord, type Item } from '../../src/stream/change-record.js';
import {
  deleteMarked,
  markDeleting,
  putIfNewerThanTombstone,
  putTombstone,
  stampIfUnchanged,
} from '../../src/twoway/conditional-apply.js';
import { classifyChange, needsTombstone, type ChangeOrigin } from '../../src/twoway/echo.js';
import { HybridClock } from '../../src/twoway/hybrid-clock.js';
import { matchesItsStamp, readStamp } from '../../src/twoway/markers.js';
import { TOMBSTONE, tombstoneKey, tombstoneTableInput } from '../../src/twoway/tombstone.js';
import { streamRecordsOf } from '../support/stream-inspection.js';
import { TwoWayPair, type SideName } from '../support/twoway-fixture.js';

const pair = new TwoWayPair('twe');
const { markers } = pair;
const KEY = ['pk'];

interface Side {
  readonly client: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly table: string;
  readonly tombstones: string;
  readonly clock: HybridClock;
  readonly seen: Set<string>;
}

const side = (name: SideName): Side => ({
  client: pair.client(name),
  streams: pair.streams(name),
  table: pair.table(name),
  tombstones: pair.tombstoneTable(name),
  clock: new HybridClock(name),
  seen: new Set<string>(),
});
const sides = { a: side('a'), b: side('b') };

before(async () => {
  await pair.createTables();
  for (const { client, tombstones } of Object.values(sides)) {
    await client.send(new CreateTableCommand(tombstoneTableInput(tombstones)));
  }
});

after(() => pair.cleanup());

/** The side's stream records not returned before, oldest first (DynamoDB Local: one shard per new table). */
async function newChanges(side: Side): Promise<ChangeRecord[]> {
  const changes: ChangeRecord[] = [];
  for (const record of await streamRecordsOf(side.client, side.streams, side.table)) {
    const change = toChangeRecord(record, true);
    if (side.seen.has(change.sequenceNumber)) continue;
    side.seen.add(change.sequenceNumber);
    changes.push(change);
  }
  return changes;
}

/** classifyChange as the runtime will call it: the clock observes both images, the tombstone is read if needed. */
async function classify(side: Side, change: ChangeRecord): Promise<ChangeOrigin> {
  for (const image of [change.oldImage, change.newImage]) {
    const stamp = readStamp(image, markers);
    if (stamp !== undefined) side.clock.observe(stamp);
  }
  if (!needsTombstone(change, markers)) return classifyChange(change, markers);
  const out = await side.client.send(
    new GetItemCommand({
      TableName: side.tombstones,
      Key: tombstoneKey(change.keys, KEY),
      ConsistentRead: true,
    }),
  );
  return classifyChange(change, markers, { stamp: out.Item?.[TOMBSTONE.stamp]?.S });
}

async function origins(side: Side): Promise<[string, ChangeOrigin['kind'], string][]> {
  const out: [string, ChangeOrigin['kind'], string][] = [];
  for (const change of await newChanges(side)) {
    const origin = await classify(side, change);
    out.push([
      change.eventName,
      origin.kind,
      origin.kind === 'app-delete' ? String(origin.ttl) : origin.reason,
    ]);
  }
  return out;
}

/** The replicator's part for an app put on `from`: stamp it there, apply the item as stamped to `to`. */
async function replicatePut(from: Side, to: Side, keys: Item, newImage: Item): Promise<Item> {
  const stamp = from.clock.nextStamp();
  const stamped = await from.client.send(
    new UpdateItemCommand(stampIfUnchanged({ tableName: from.table, markers }, keys, newImage, stamp)),
  );
  const item = stamped.Attributes;
  assert.ok(item !== undefined);
  assert.equal(matchesItsStamp(item, markers), true, 'the item as stamped matches its digest');
  await to.client.send(
    new TransactWriteItemsCommand(
      putIfNewerThanTombstone(
        { tableName: to.table, markers },
        { tableName: to.tombstones, keyAttributes: KEY },
        keys,
        item,
      ),
    ),
  );
  return item;
}

async function scan(side: Side): Promise<Item[]> {
  const out = await side.client.send(new ScanCommand({ TableName: side.table, ConsistentRead: true }));
  return (out.Items ?? []).sort((x, y) => (x.pk?.S ?? '').localeCompare(y.pk?.S ?? ''));
}

const keys: Item = { pk: { S: 'k1' } };

test('put, read-modify-write copying the markers, delete, stale re-creation: every record classified, no loop, tables equal', async () => {
  const { a, b } = sides;
  // 1. An app puts an item with values whose rendering may differ between the API and the stream.
  const written: Item = {
    ...keys,
    price: { N: '1.50' },
    tags: { SS: ['z', 'a', 'm'] },
    sizes: { NS: ['10', '2.0', '3e0'] },
    blob: { B: new Uint8Array([0, 255, 7]) },
    empty: { M: {} },
    nested: { M: { list: { L: [{ N: '007' }, { NULL: true }, { BOOL: false }] } } },
  };
  await a.client.send(new PutItemCommand({ TableName: a.table, Item: written }));
  const [insert] = await newChanges(a);
  assert.ok(insert !== undefined && insert.newImage !== undefined);
  assert.deepEqual(await classify(a, insert), { kind: 'app-put', reason: 'unstamped', seenStamp: undefined });
  const v1 = await replicatePut(a, b, keys, insert.newImage);

  // The stamp's own record on A and the apply's on B are echoes: nothing goes back.
  assert.deepEqual(await origins(a), [['MODIFY', 'echo', 'replicated-put']]);
  assert.deepEqual(await origins(b), [['INSERT', 'echo', 'replicated-put']]);

  // 2. An app on B reads the item and writes it back changed, markers copied.
  const read = (
    await b.client.send(new GetItemCommand({ TableName: b.table, Key: keys, ConsistentRead: true }))
  ).Item;
  assert.ok(read !== undefined);
  assert.deepEqual(read, v1);
  await b.client.send(new PutItemCommand({ TableName: b.table, Item: { ...read, price: { N: '2' } } }));
  const [rmw] = await newChanges(b);
  assert.ok(rmw !== undefined && rmw.newImage !== undefined);
  assert.deepEqual(await classify(b, rmw), {
    kind: 'app-put',
    reason: 'stamp-not-raised',
    seenStamp: readStamp(v1, markers),
  });
  const v2 = await replicatePut(b, a, keys, rmw.newImage);
  assert.deepEqual(await origins(b), [['MODIFY', 'echo', 'replicated-put']]);
  assert.deepEqual(await origins(a), [['MODIFY', 'echo', 'replicated-put']]);
  assert.deepEqual(await scan(a), [v2]);
  assert.deepEqual(await scan(b), [v2]);

  // 3. An app on A deletes the item: tombstones on both sides, then mark and delete on B.
  await a.client.send(new DeleteItemCommand({ TableName: a.table, Key: keys }));
  const [removed] = await newChanges(a);
  assert.ok(removed !== undefined);
  const origin = await classify(a, removed);
  assert.deepEqual(origin, { kind: 'app-delete', ttl: false, seenStamp: readStamp(v2, markers) });
  const deleteStamp = a.clock.nextStamp();
  for (const side of [a, b]) {
    await side.client.send(
      new PutItemCommand(putTombstone({ tableName: side.tombstones, keyAttributes: KEY }, keys, deleteStamp)),
    );
  }
  await b.client.send(
    new UpdateItemCommand(markDeleting({ tableName: b.table, markers }, keys, deleteStamp)),
  );
  await b.client.send(
    new DeleteItemCommand(deleteMarked({ tableName: b.table, markers }, keys, deleteStamp)),
  );
  assert.deepEqual(await origins(b), [
    ['MODIFY', 'echo', 'marked-deleting'],
    ['REMOVE', 'echo', 'replicated-delete'],
  ]);
  assert.deepEqual(await origins(a), []);

  // 4. The apply of v2 to A delivered again (at least once) after the delete: the tombstone keeps it out.
  await assert.rejects(
    a.client.send(
      new TransactWriteItemsCommand({
        ...putIfNewerThanTombstone(
          { tableName: a.table, markers },
          { tableName: a.tombstones, keyAttributes: KEY },
          keys,
          v2,
        ),
        ClientRequestToken: undefined,
      }),
    ),
    { name: 'TransactionCanceledException' },
  );
  assert.deepEqual(await scan(a), []);

  // 5. The app on B re-creates the item from the copy it read before the delete (markers and all): an app write.
  await b.client.send(new PutItemCommand({ TableName: b.table, Item: v2 }));
  const [recreated] = await newChanges(b);
  assert.ok(recreated !== undefined && recreated.newImage !== undefined);
  assert.deepEqual(await classify(b, recreated), {
    kind: 'app-put',
    reason: 'not-above-tombstone',
    seenStamp: readStamp(v2, markers),
  });
  const v3 = await replicatePut(b, a, keys, recreated.newImage);
  assert.ok((readStamp(v3, markers) ?? '') > deleteStamp, 'stamped above the delete');
  assert.deepEqual(await origins(b), [['MODIFY', 'echo', 'replicated-put']]);
  assert.deepEqual(await origins(a), [['INSERT', 'echo', 'replicated-put']]);

  assert.deepEqual(await scan(a), [v3]);
  assert.deepEqual(await scan(b), [v3]);
});
