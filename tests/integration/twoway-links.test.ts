// dynamodb-local: shared
// Records read late, or again by another process. A refused stamp at the end of a flush's run for its key leaves
// what the key's next record needs as a link in this side's tombstone table (src/twoway/key-link.ts); a put of the
// other side below this side's tombstone is undone when its record is read, whatever the item became since. Here
// the records are written by fresh sinks, as after a restart or a lease moving between the flushes: a sink has
// nothing of the one before in memory. The records are built by hand (the stream cannot be made to cut a flush
// between them on cue); the tables, conditions and the link item are DynamoDB Local's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { conflictTableInput } from '../../src/twoway/conflict-log.js';
import { HybridClock } from '../../src/twoway/hybrid-clock.js';
import { LINK, linkKey, linkOf } from '../../src/twoway/key-link.js';
import { DELETING, digestOf, readStamp, stampImage } from '../../src/twoway/markers.js';
import { tombstoneTableInput } from '../../src/twoway/tombstone.js';
import { TwoWaySink } from '../../src/twoway/twoway-sink.js';
import { createTable } from '../../src/local/local-tables.js';
import { EventBus } from '../../src/observability/events.js';
import type { ChangeRecord, Item } from '../../src/stream/change-record.js';
import { Semaphore } from '../../src/util/semaphore.js';
import { PAIR_KEY, TwoWayPair } from '../support/twoway-fixture.js';

const pair = new TwoWayPair('twl');
const markers = pair.markers;
const V0_STAMP = '1764720000009.0000#a';
/** The other side's delete, stamped below V0: it reached A over an app write that had replaced V0. */
const THEIRS = '1764720000005.0000#b';

before(async () => {
  await createTable(pair.a, pair.tableA, PAIR_KEY);
  await createTable(pair.b, pair.tableB, PAIR_KEY);
  await pair.a.send(new CreateTableCommand(tombstoneTableInput(pair.tombstoneTable('a'))));
  await pair.b.send(new CreateTableCommand(tombstoneTableInput(pair.tombstoneTable('b'))));
  await pair.a.send(new CreateTableCommand(conflictTableInput(pair.conflictTable('a-b'))));
  await pair.b.send(new CreateTableCommand(conflictTableInput(pair.conflictTable('b-a'))));
});

after(() => pair.cleanup());

/** A fresh sink of direction A → B: a process that knows nothing of any before it. */
function sink(): TwoWaySink {
  return new TwoWaySink({
    side: 'a',
    local: { client: pair.a, tableName: pair.tableA, tombstoneTable: pair.tombstoneTable('a') },
    remote: { client: pair.b, tableName: pair.tableB, tombstoneTable: pair.tombstoneTable('b') },
    conflicts: { client: pair.a, tableName: pair.conflictTable('a-b') },
    keyAttributes: ['pk'],
    markers,
    clock: new HybridClock('a'),
    horizonMs: 3_600_000,
    ttlDeletes: 'replicate',
    writeSlots: new Semaphore(8),
    requestTimeoutMs: 10_000,
    events: new EventBus(),
    logger: pino({ level: 'silent' }),
  });
}

/** A stream record as the sink reads it, keyed by the image it has last. */
function record(
  eventName: ChangeRecord['eventName'],
  sequenceNumber: string,
  images: { readonly oldImage?: Item; readonly newImage?: Item },
): ChangeRecord {
  const { oldImage, newImage } = images;
  return {
    sequenceNumber,
    eventName,
    keys: { pk: (newImage ?? oldImage)?.pk ?? { S: '?' } },
    oldImage,
    newImage,
    createdAtMs: undefined,
    sizeBytes: 100,
  };
}

async function write(records: ChangeRecord[]): Promise<void> {
  const [last, ...rest] = [...records].reverse();
  if (last === undefined) return;
  const change = rest.length === 0 ? last : { ...last, earlier: rest.reverse() };
  await sink().write([change], { signal: new AbortController().signal });
}

async function itemOn(side: 'a' | 'b', pk: string): Promise<Item | undefined> {
  const out = await pair
    .client(side)
    .send(new GetItemCommand({ TableName: pair.table(side), Key: { pk: { S: pk } }, ConsistentRead: true }));
  return out.Item;
}

async function linkOn(pk: string): Promise<Item | undefined> {
  const out = await pair.a.send(
    new GetItemCommand({
      TableName: pair.tombstoneTable('a'),
      Key: linkKey({ pk: { S: pk } }, ['pk']),
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

const content = (pk: string, n: number): Item => ({ pk: { S: pk }, n: { N: String(n) } });

test("the other side's delete below the version an app write replaced, read after a restart: that version back", async () => {
  const pk = 'gone';
  const v0 = stampImage(content(pk, 0), markers, V0_STAMP);
  const w1 = content(pk, 1);
  // The app replaced V0 with W1; the other side's delete (stamped below V0) marked W1 and deleted it before this
  // direction stamped W1. The stamp finds the item gone; what took it is the key's next record, not read yet.
  await write([record('MODIFY', '0100', { oldImage: v0, newImage: w1 })]);
  assert.equal(await itemOn('a', pk), undefined, 'the stamp re-created nothing');
  const link = linkOf(await linkOn(pk));
  assert.deepEqual(link, { kind: 'gone', follows: digestOf(w1, markers), replaced: v0, takenBy: undefined });

  // Another process reads the mark's record: V0 is put back on A (B never went below it). On record: the app's
  // W1, lost to the delete, and the delete, lost to V0.
  const marked = { ...w1, _ddbr_v: { S: THEIRS }, _ddbr_h: { S: DELETING } };
  const follow = [record('MODIFY', '0200', { oldImage: w1, newImage: marked })];
  await write(follow);
  assert.deepEqual(await itemOn('a', pk), v0);
  assert.equal((await linkOn(pk))?.[LINK.takenBy]?.S, '0200', 'the link is taken by the mark');
  const lost = (await pair.conflicts()).filter((c) => c.keys.pk?.S === pk);
  assert.deepEqual(
    lost.map((c) => [c.loser.kind, c.loser.stamp ?? c.loser.digest, c.winner.kind, c.winner.stamp]).sort(),
    [
      ['delete', THEIRS, 'put', V0_STAMP],
      ['put', digestOf(w1, markers), 'delete', THEIRS],
    ],
  );

  // A replay of that record (its flush not checkpointed) takes the link again and changes nothing; a later record
  // over the same content is not the one the link was made for.
  await write(follow);
  assert.deepEqual(await itemOn('a', pk), v0);
  await pair.a.send(new PutItemCommand({ TableName: pair.tableA, Item: w1 }));
  await write([record('MODIFY', '0300', { oldImage: w1, newImage: marked })]);
  assert.deepEqual(await itemOn('a', pk), w1, 'a record the link was not made for puts nothing back');
  assert.equal((await linkOn(pk))?.[LINK.takenBy]?.S, '0200');
  assert.equal((await pair.conflicts()).filter((c) => c.keys.pk?.S === pk).length, 2);
});

test('an app write replaced before its stamp, its successor read after a restart: no conflict with the version both saw', async () => {
  const pk = 'over';
  const v0 = stampImage(content(pk, 0), markers, V0_STAMP);
  const w1 = content(pk, 1);
  // An app that read V0 and wrote its markers back (read-modify-write): W1 was never stamped, so W2 carries V0's.
  const w2 = { ...content(pk, 2), _ddbr_v: v0._ddbr_v!, _ddbr_h: v0._ddbr_h! };
  await pair.b.send(new PutItemCommand({ TableName: pair.tableB, Item: v0 }));
  // The app wrote W1 over V0, then W2 over W1, before this direction stamped W1: the stamp finds W2.
  await pair.a.send(new PutItemCommand({ TableName: pair.tableA, Item: w2 }));
  await write([record('MODIFY', '0100', { oldImage: v0, newImage: w1 })]);
  assert.equal(linkOf(await linkOn(pk))?.kind, 'over');

  // Another process reads W2's record: W2 replaced V0 through W1, which was never stamped, so its put on B is
  // over the version the app saw, not a conflict.
  await write([record('MODIFY', '0200', { oldImage: w1, newImage: w2 })]);
  const onB = await itemOn('b', pk);
  assert.equal(onB?.n?.N, '2');
  assert.deepEqual(await itemOn('a', pk), onB);
  assert.deepEqual(
    (await pair.conflicts()).filter((c) => c.keys.pk?.S === pk),
    [],
    'W2 is recorded as overwriting V0 when the link is forgotten',
  );
});

/** B's put, stamped before A's delete (THEIRS is below any stamp the clock gives now), that reached A before A's
 * tombstone did; then, in one test, B's next version (above the delete) and an app write over it on A. */
async function stalePutRead(pk: string, onA: Item[]): Promise<{ b1: Item; deleteStamp: string | undefined }> {
  const v0 = stampImage(content(pk, 0), markers, V0_STAMP);
  const b1 = stampImage(content(pk, 1), markers, THEIRS);
  await write([record('REMOVE', '0100', { oldImage: v0 })]);
  for (const item of onA) await pair.a.send(new PutItemCommand({ TableName: pair.tableA, Item: item }));
  // This direction reads B1's INSERT late (it was behind, or this is a replay): B1 is below A's tombstone.
  await write([record('INSERT', '0200', { newImage: b1 })]);
  return { b1, deleteStamp: (await pair.tombstones('a')).get(pk) };
}

test("a put of the other side below this side's tombstone, read while A still holds it: deleted, recorded", async () => {
  const pk = 'stale';
  const { b1, deleteStamp } = await stalePutRead(pk, [stampImage(content(pk, 1), markers, THEIRS)]);
  assert.equal(await itemOn('a', pk), undefined);
  const lost = (await pair.conflicts()).filter((c) => c.keys.pk?.S === pk);
  assert.deepEqual(
    lost.map((c) => [c.loser.kind, c.loser.stamp, c.winner.kind]),
    [['put', readStamp(b1, markers), 'delete']],
  );
  assert.equal(lost[0]?.winner.stamp, deleteStamp);
});

test('that put read after B wrote higher and the app wrote over it on A: the app write stays (it is above both)', async () => {
  const pk = 'stale-over';
  const b2 = stampImage(content(pk, 2), markers, '2999999999999.0000#b');
  const app = content(pk, 3); // a plain put: no markers, not stamped yet
  await stalePutRead(pk, [stampImage(content(pk, 1), markers, THEIRS), b2, app]);
  // Marking the app's write with the delete's stamp would take A below B2, which B keeps: the tables would differ.
  assert.deepEqual(await itemOn('a', pk), app);
  assert.deepEqual(
    (await pair.conflicts()).filter((c) => c.keys.pk?.S === pk),
    [],
    'nothing lost: B1 was replaced by B2 on A before its record was read',
  );
});
