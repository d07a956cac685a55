// dynamodb-local: shared
// The conditional writes of two-way replication (src/twoway/conditional-apply.ts) on real tables: what a mock
// would get wrong is whether DynamoDB evaluates the conditions as the rule says. A table only moves up the order
// of stamps: a lower stamp loses (ConditionalCheckFailedException, naming the winner), a higher one wins, an
// equal (ms, counter) is ordered by side, an unstamped item is overwritten; DynamoDB's order of stamps is the one
// compareStamps computes; a delete is a mark then a delete of the marked item; a put older than a delete's
// tombstone loses inside its transaction; the local stamp touches markers only and never re-creates a deleted item.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createTable } from '../../src/local/local-tables.js';
import type { Item } from '../../src/stream/change-record.js';
import {
  deleteMarked,
  markDeleting,
  putIfNewer,
  putIfNewerThanTombstone,
  putTombstone,
  refusal,
  stampIfUnchanged,
} from '../../src/twoway/conditional-apply.js';
import { classifyChange } from '../../src/twoway/echo.js';
import { DELETING, markerNames, matchesItsStamp, readStamp, stampImage } from '../../src/twoway/markers.js';
import { tombstoneKey, tombstoneTableInput } from '../../src/twoway/tombstone.js';
import { compareStamps } from '../../src/twoway/version-stamp.js';
import { PAIR_KEY, TwoWayPair } from '../support/twoway-fixture.js';

// Side A of a pair alone: its table (no stream: the conditions are the subject, not their records) and tombstones.
const pair = new TwoWayPair('twc');
const client = pair.a;
const tableName = pair.tableA;
const tombstoneTable = pair.tombstoneTable('a');
const markers = markerNames();
const target = { tableName, markers };
const tombstones = { tableName: tombstoneTable, keyAttributes: ['pk'] };

const V1 = '1764720000000.0001#a';
const V2 = '1764720000005.0000#b';
const V3 = '1764720000009.0000#a';

before(async () => {
  await createTable(client, tableName, PAIR_KEY);
  await client.send(new CreateTableCommand(tombstoneTableInput(tombstoneTable)));
});

after(() => pair.cleanup());

const keyOf = (pk: string): Item => ({ pk: { S: pk } });
const stamped = (pk: string, n: number, stamp: string): Item =>
  stampImage({ ...keyOf(pk), n: { N: String(n) } }, markers, stamp);

async function read(pk: string, table = tableName): Promise<Item | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: keyOf(pk), ConsistentRead: true }),
  );
  return out.Item;
}

async function readTombstone(pk: string): Promise<Item | undefined> {
  const out = await client.send(
    new GetItemCommand({
      TableName: tombstoneTable,
      Key: tombstoneKey(keyOf(pk), ['pk']),
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

/** Sends a conditional write; 'applied', or the item DynamoDB returned with its refusal. */
async function attempt(
  command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
): Promise<'applied' | { refused: Item | undefined }> {
  try {
    await client.send(command as PutItemCommand);
    return 'applied';
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return { refused: err.Item };
    throw err;
  }
}

/** Sends a transaction; 'applied', or the cancellation reason codes in order. */
async function transact(command: TransactWriteItemsCommand): Promise<'applied' | string[]> {
  try {
    await client.send(command);
    return 'applied';
  } catch (err) {
    if (err instanceof TransactionCanceledException) {
      return (err.CancellationReasons ?? []).map((r) => r.Code ?? '?');
    }
    throw err;
  }
}

describe('putIfNewer', () => {
  test('an absent item is written', async () => {
    assert.equal(await attempt(new PutItemCommand(putIfNewer(target, stamped('absent', 1, V1)))), 'applied');
    assert.deepEqual(await read('absent'), stamped('absent', 1, V1));
  });

  test('a lower stamp loses and is told the winner; a higher one wins', async () => {
    await client.send(new PutItemCommand({ TableName: tableName, Item: stamped('order', 2, V2) }));
    const lower = await attempt(new PutItemCommand(putIfNewer(target, stamped('order', 1, V1))));
    assert.notEqual(lower, 'applied');
    assert.deepEqual(lower, { refused: stamped('order', 2, V2) });
    assert.deepEqual(refusal(V1, lower.refused, markers), {
      kind: 'lost',
      winner: V2,
    });
    assert.deepEqual(await read('order'), stamped('order', 2, V2), 'the loser left nothing');

    assert.equal(await attempt(new PutItemCommand(putIfNewer(target, stamped('order', 3, V3)))), 'applied');
    assert.deepEqual(await read('order'), stamped('order', 3, V3));
  });

  test('the same stamp again (a retry) is refused, and known as applied', async () => {
    await client.send(new PutItemCommand(putIfNewer(target, stamped('retry', 1, V2))));
    const again = await attempt(new PutItemCommand(putIfNewer(target, stamped('retry', 1, V2))));
    assert.notEqual(again, 'applied');
    assert.deepEqual(refusal(V2, (again as { refused: Item }).refused, markers), { kind: 'already-applied' });
  });

  test('an equal (ms, counter) is ordered by side: b wins over a, a loses to b', async () => {
    const tieA = '1764720000007.0004#a';
    const tieB = '1764720000007.0004#b';
    await client.send(new PutItemCommand(putIfNewer(target, stamped('tie', 1, tieA))));
    assert.equal(await attempt(new PutItemCommand(putIfNewer(target, stamped('tie', 2, tieB)))), 'applied');
    assert.notEqual(
      await attempt(new PutItemCommand(putIfNewer(target, stamped('tie', 3, tieA)))),
      'applied',
    );
    assert.deepEqual(await read('tie'), stamped('tie', 2, tieB));
  });

  test('an unstamped item, or one whose stamp is not a string, is overwritten', async () => {
    await client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...keyOf('plain'), n: { N: '0' } } }),
    );
    assert.equal(await attempt(new PutItemCommand(putIfNewer(target, stamped('plain', 1, V1)))), 'applied');
    assert.deepEqual(await read('plain'), stamped('plain', 1, V1));

    const forged = { ...keyOf('forged'), n: { N: '0' }, [markers.version]: { N: '99999999999999999' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: forged }));
    assert.equal(await attempt(new PutItemCommand(putIfNewer(target, stamped('forged', 1, V1)))), 'applied');
    assert.deepEqual(await read('forged'), stamped('forged', 1, V1));
  });

  test("DynamoDB's order of stamps is compareStamps' (UTF-8 bytes), for every pair", async () => {
    const stamps = [
      '0000000000000.0000#a',
      '1764720000000.0001#a',
      '1764720000000.0001#b',
      '1764720000000.0002#a',
      '1764720000001.0000#a',
      '9999999999999.9999#b',
      'hello', // what an app might write into the marker
      '\uff5e', // UTF-16 order and UTF-8 order of these two differ
      '\u{1f600}',
    ];
    for (const [i, held] of stamps.entries()) {
      for (const [j, offered] of stamps.entries()) {
        const pk = `pair-${i}-${j}`;
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...keyOf(pk), [markers.version]: { S: held } },
          }),
        );
        const outcome = await attempt(
          new PutItemCommand(putIfNewer(target, { ...keyOf(pk), [markers.version]: { S: offered } })),
        );
        const expected = compareStamps(offered, held) > 0 ? 'applied' : 'refused';
        assert.equal(outcome === 'applied' ? 'applied' : 'refused', expected, `${offered} over ${held}`);
      }
    }
  });
});

describe('puts against tombstones, and the delete', () => {
  test('a put older than the tombstone loses inside its transaction; a newer one re-creates the item', async () => {
    const keys = keyOf('tomb');
    await client.send(new PutItemCommand(putTombstone(tombstones, keys, V2)));
    const older = await transact(
      new TransactWriteItemsCommand(
        putIfNewerThanTombstone(target, tombstones, keys, stamped('tomb', 1, V1)),
      ),
    );
    assert.deepEqual(older, ['ConditionalCheckFailed', 'None']);
    assert.equal(await read('tomb'), undefined, 'the deleted item did not come back');
    // Stamps are unique per write, so a put never carries its delete's stamp; if one did, the delete would stand.
    const equal = await transact(
      new TransactWriteItemsCommand(
        putIfNewerThanTombstone(target, tombstones, keys, stamped('tomb', 2, V2)),
      ),
    );
    assert.deepEqual(equal, ['ConditionalCheckFailed', 'None']);

    const newer = await transact(
      new TransactWriteItemsCommand(
        putIfNewerThanTombstone(target, tombstones, keys, stamped('tomb', 3, V3)),
      ),
    );
    assert.equal(newer, 'applied');
    assert.deepEqual(await read('tomb'), stamped('tomb', 3, V3));
  });

  test('the same transaction sent again (its answer lost) succeeds by its token, and changes nothing', async () => {
    const keys = keyOf('tx-retry');
    const input = putIfNewerThanTombstone(target, tombstones, keys, stamped('tx-retry', 1, V2));
    assert.equal(await transact(new TransactWriteItemsCommand(input)), 'applied');
    assert.equal(await transact(new TransactWriteItemsCommand(input)), 'applied');
    assert.deepEqual(await read('tx-retry'), stamped('tx-retry', 1, V2));
    // Without the token the retry fails its own condition (the item holds its stamp): the case refusal() reads.
    const withoutToken = { ...input, ClientRequestToken: undefined };
    assert.deepEqual(await transact(new TransactWriteItemsCommand(withoutToken)), [
      'None',
      'ConditionalCheckFailed',
    ]);
  });

  test('the transaction also refuses a put lower than the item, with no tombstone', async () => {
    const keys = keyOf('tx-item');
    await client.send(new PutItemCommand({ TableName: tableName, Item: stamped('tx-item', 2, V2) }));
    const outcome = await transact(
      new TransactWriteItemsCommand(
        putIfNewerThanTombstone(target, tombstones, keys, stamped('tx-item', 1, V1)),
      ),
    );
    assert.deepEqual(outcome, ['None', 'ConditionalCheckFailed']);
    assert.deepEqual(await read('tx-item'), stamped('tx-item', 2, V2));
  });

  test('a tombstone is only replaced by a newer delete', async () => {
    const keys = keyOf('tomb-order');
    await client.send(new PutItemCommand(putTombstone(tombstones, keys, V2)));
    assert.notEqual(await attempt(new PutItemCommand(putTombstone(tombstones, keys, V1))), 'applied');
    assert.deepEqual((await readTombstone('tomb-order'))?.v, { S: V2 });
    assert.equal(await attempt(new PutItemCommand(putTombstone(tombstones, keys, V3))), 'applied');
    assert.deepEqual((await readTombstone('tomb-order'))?.v, { S: V3 });
  });

  test('delete vs an older put: tombstone, mark, delete; the older put that comes late loses', async () => {
    const keys = keyOf('race');
    await client.send(new PutItemCommand(putIfNewer(target, stamped('race', 1, V1))));
    await client.send(new PutItemCommand(putTombstone(tombstones, keys, V3)));
    assert.equal(await attempt(new UpdateItemCommand(markDeleting(target, keys, V3))), 'applied');
    const marked = await read('race');
    assert.deepEqual(marked, {
      ...keyOf('race'),
      n: { N: '1' },
      _ddbr_v: { S: V3 },
      _ddbr_h: { S: DELETING },
    });
    // The REMOVE this makes is an echo by its old image alone.
    assert.deepEqual(
      classifyChange({ eventName: 'REMOVE', oldImage: marked, newImage: undefined }, markers),
      {
        kind: 'echo',
        reason: 'replicated-delete',
      },
    );
    assert.equal(await attempt(new DeleteItemCommand(deleteMarked(target, keys, V3))), 'applied');
    assert.equal(await read('race'), undefined);

    const late = await transact(
      new TransactWriteItemsCommand(
        putIfNewerThanTombstone(target, tombstones, keys, stamped('race', 2, V2)),
      ),
    );
    assert.deepEqual(late, ['ConditionalCheckFailed', 'None']);
    assert.equal(await read('race'), undefined, 'no resurrection');
  });

  test('a delete older than the item loses at its mark; the item stays as it was', async () => {
    const keys = keyOf('newer-item');
    await client.send(new PutItemCommand(putIfNewer(target, stamped('newer-item', 3, V3))));
    const outcome = await attempt(new UpdateItemCommand(markDeleting(target, keys, V2)));
    assert.deepEqual(outcome, { refused: stamped('newer-item', 3, V3) });
    assert.deepEqual(await read('newer-item'), stamped('newer-item', 3, V3));
  });

  test('marking an absent item creates nothing', async () => {
    assert.deepEqual(await attempt(new UpdateItemCommand(markDeleting(target, keyOf('nothing'), V2))), {
      refused: undefined,
    });
    assert.equal(await read('nothing'), undefined);
  });

  test('a write between the mark and the delete wins: the delete is refused', async () => {
    const keys = keyOf('between');
    await client.send(new PutItemCommand(putIfNewer(target, stamped('between', 1, V1))));
    await client.send(new UpdateItemCommand(markDeleting(target, keys, V2)));
    await client.send(new PutItemCommand(putIfNewer(target, stamped('between', 3, V3))));
    assert.notEqual(await attempt(new DeleteItemCommand(deleteMarked(target, keys, V2))), 'applied');
    assert.deepEqual(await read('between'), stamped('between', 3, V3));
  });
});

describe('stampIfUnchanged: the local stamp of an app write', () => {
  test('stamps an unstamped write on its markers, returning the item as stamped', async () => {
    const image = { ...keyOf('stamp'), n: { N: '5' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: image }));
    const out = await client.send(new UpdateItemCommand(stampIfUnchanged(target, keyOf('stamp'), image, V2)));
    assert.deepEqual(out.Attributes, stampImage(image, markers, V2));
    assert.deepEqual(await read('stamp'), stampImage(image, markers, V2));
    assert.equal(matchesItsStamp(out.Attributes, markers), true);
  });

  test('a newer app write that arrived meanwhile is stamped, never overwritten', async () => {
    const first = { ...keyOf('meanwhile'), n: { N: '1' } };
    const second = { ...keyOf('meanwhile'), n: { N: '2' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: first }));
    await client.send(new PutItemCommand({ TableName: tableName, Item: second }));
    // The stream showed `first`; the table holds `second`.
    const out = await client.send(
      new UpdateItemCommand(stampIfUnchanged(target, keyOf('meanwhile'), first, V2)),
    );
    assert.deepEqual(
      out.Attributes?.n,
      { N: '2' },
      'the newer content stays, and is what goes to the other side',
    );
    assert.equal(readStamp(out.Attributes, markers), V2);
    // Its digest is of the content the stream showed: the runtime stamps it again at once, on the stamp it just
    // wrote, and sends only an item that matches its digest.
    assert.equal(matchesItsStamp(out.Attributes, markers), false);
    const again = await client.send(
      new UpdateItemCommand(stampIfUnchanged(target, keyOf('meanwhile'), out.Attributes, V3)),
    );
    assert.equal(matchesItsStamp(again.Attributes, markers), true);
    assert.deepEqual(await read('meanwhile'), stampImage(second, markers, V3));
  });

  test('refused when the item no longer holds the stamp the stream showed', async () => {
    const seen = stamped('moved', 1, V1);
    await client.send(new PutItemCommand({ TableName: tableName, Item: stamped('moved', 2, V2) }));
    const copy = { ...seen, n: { N: '9' } }; // the app's write as the stream showed it: markers of V1 copied
    const outcome = await attempt(new UpdateItemCommand(stampIfUnchanged(target, keyOf('moved'), copy, V3)));
    assert.deepEqual(outcome, { refused: stamped('moved', 2, V2) });
    assert.deepEqual(await read('moved'), stamped('moved', 2, V2));
  });

  test('refused, creating nothing, when the item was deleted meanwhile', async () => {
    const image = { ...keyOf('gone'), n: { N: '1' } };
    const outcome = await attempt(new UpdateItemCommand(stampIfUnchanged(target, keyOf('gone'), image, V2)));
    assert.deepEqual(outcome, { refused: undefined });
    assert.equal(await read('gone'), undefined);
  });
});
