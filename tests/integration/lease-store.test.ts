// dynamodb-local: shared
// The lease store's conditional writes against DynamoDB Local: what a mock would get wrong. Renewal is
// conditional on the counter this worker last saw; a renewal applied while its answer was lost (a timeout on a
// busy machine) must not make the next one drop a lease that is still ours, and a lease another worker took
// must not be renewed. A take is conditional on the counter too: sent again after its answer was lost, it must
// still see the lease as taken.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { TRIM_HORIZON, newLease, type Lease } from '../../src/lease/lease.js';
import { DynamoLeaseStore } from '../../src/lease/dynamo-lease-store.js';
import { sourceClient, uniqueName } from '../support/local-env.js';

const client = sourceClient();
const tableName = uniqueName('leases');
after(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  client.destroy();
});

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000';

async function heldLease(store: DynamoLeaseStore, shardId: string, owner: string) {
  assert.equal(await store.create(newLease(shardId, [], TRIM_HORIZON, STREAM)), true);
  const [created] = (await store.list()).filter((l) => l.leaseKey === shardId);
  assert.ok(created !== undefined);
  const taken = await store.take(created, owner);
  assert.ok(taken !== undefined, 'an unowned lease can be taken');
  return taken;
}

test('a renewal whose answer was lost does not cost the lease; the next renewal goes on from the new counter', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const held = await heldLease(store, 'shard-lost-answer', 'w1');
  // The first renewal is applied; its answer "never arrives": the worker still holds the lease it saw before.
  const applied = await store.renew(held);
  assert.equal(applied?.leaseCounter, held.leaseCounter + 1);
  const renewed = await store.renew(held);
  assert.equal(renewed?.leaseOwner, 'w1');
  assert.equal(renewed?.leaseCounter, held.leaseCounter + 2);
});

test('a take whose answer was lost and that was sent again still gets the lease, and only its taker does', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  assert.equal(await store.create(newLease('shard-take-twice', [], TRIM_HORIZON, STREAM)), true);
  const [seen] = (await store.list()).filter((l) => l.leaseKey === 'shard-take-twice');
  assert.ok(seen !== undefined);
  // The first take is applied; its answer "never arrives" and the same take (same counter seen) goes again.
  const first = await store.take(seen, 'w1');
  assert.equal(first?.leaseOwner, 'w1');
  const again = await store.take(seen, 'w1');
  assert.equal(again?.leaseOwner, 'w1', 'the lease in our name is ours, not a lost race');
  assert.equal(again?.leaseCounter, seen.leaseCounter + 2, 'and renewed at once: its validity starts now');
  // Another worker that raced on the same counter lost: it gets nothing, and the lease stays with w1.
  assert.equal(await store.take(seen, 'w2'), undefined);
  const [now] = (await store.list()).filter((l) => l.leaseKey === 'shard-take-twice');
  assert.equal(now?.leaseOwner, 'w1');
  assert.equal(now?.leaseCounter, seen.leaseCounter + 2);
});

test('a lease another worker took is not renewed by its former owner', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const held = await heldLease(store, 'shard-taken', 'w1');
  const takenOver = await store.take(held, 'w2');
  assert.equal(takenOver?.leaseOwner, 'w2');
  assert.equal(await store.renew(held), undefined);
  const [now] = (await store.list()).filter((l) => l.leaseKey === 'shard-taken');
  assert.equal(now?.leaseOwner, 'w2');
  assert.equal(now?.leaseCounter, takenOver?.leaseCounter, 'the refused renewal changed nothing');
});

test('a released lease is not renewed', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const held = await heldLease(store, 'shard-released', 'w1');
  assert.equal(await store.release('shard-released', 'w1'), true);
  assert.equal(await store.renew(held), undefined);
});

test('a release sent again after its answer was lost is still done; one for a lease another worker holds is not', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  await heldLease(store, 'shard-release-twice', 'w1');
  assert.equal(await store.release('shard-release-twice', 'w1'), true);
  assert.equal(await store.release('shard-release-twice', 'w1'), true, 'no owner left: released');
  const [free] = (await store.list()).filter((l) => l.leaseKey === 'shard-release-twice');
  assert.ok(free !== undefined);
  assert.equal(free.leaseOwner, undefined);
  assert.equal(free.leaseCounter, 2, 'taken once, released once: the second call changed nothing');
  assert.ok((await store.take(free, 'w2')) !== undefined);
  assert.equal(await store.release('shard-release-twice', 'w1'), false);
  const [now] = (await store.list()).filter((l) => l.leaseKey === 'shard-release-twice');
  assert.equal(now?.leaseOwner, 'w2');
});

test('a hand-over sent again after its answer was lost is still done; one to a worker that did not ask is not', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const held = await heldLease(store, 'shard-handover-twice', 'w1');
  // Not asked for: refused.
  assert.equal(await store.handOver('shard-handover-twice', 'w1', 'w2'), false);
  assert.equal(await store.requestHandover(held, 'w2'), true);
  assert.equal(await store.handOver('shard-handover-twice', 'w1', 'w3'), false, 'w3 did not ask');
  assert.equal(await store.handOver('shard-handover-twice', 'w1', 'w2'), true);
  assert.equal(await store.handOver('shard-handover-twice', 'w1', 'w2'), true, 'w2 owns it: handed over');
  const [handed] = (await store.list()).filter((l) => l.leaseKey === 'shard-handover-twice');
  assert.equal(handed?.leaseOwner, 'w2');
  assert.equal(handed?.pendingOwner, undefined);
  assert.equal(handed?.leaseCounter, held.leaseCounter + 1, 'applied once');
  // Still done after w2 took it; not for a worker that never got it.
  assert.ok(handed !== undefined && (await store.take(handed, 'w2')) !== undefined);
  assert.equal(await store.handOver('shard-handover-twice', 'w1', 'w2'), true);
  assert.equal(await store.handOver('shard-handover-twice', 'w1', 'w3'), false);
});

test('a hand-over request reaches the owner the look saw, renewed since or not; not another owner, nor a second asker', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const seen = await heldLease(store, 'shard-ask-renewed', 'w1');
  // The owner renewed after the look that chose the lease: the request still stands.
  assert.ok((await store.renew(seen)) !== undefined);
  assert.equal(await store.requestHandover(seen, 'w2'), true);
  assert.equal(await store.requestHandover(seen, 'w3'), false, 'asked for already');
  const [asked] = (await store.list()).filter((l) => l.leaseKey === 'shard-ask-renewed');
  assert.equal(asked?.pendingOwner, 'w2');
  // Another worker took it since the look: the request was for w1, and is refused.
  const other = await heldLease(store, 'shard-ask-moved', 'w1');
  assert.ok((await store.take(other, 'w4')) !== undefined);
  assert.equal(await store.requestHandover(other, 'w2'), false);
});

test('presence items: a heartbeat creates and bumps one, list() leaves them out, removal is conditional on the heartbeat seen', async () => {
  const store = new DynamoLeaseStore(client, tableName, { failoverMs: 7_000, now: () => 1_234 });
  await store.ensureTable();
  await heldLease(store, 'shard-with-presence', 'w1');
  await store.heartbeat('w-presence');
  await store.heartbeat('w-presence');
  const fleet = await store.listFleet();
  const presence = fleet.workers.find((w) => w.workerId === 'w-presence');
  assert.deepEqual(presence, { workerId: 'w-presence', heartbeat: 2, lastSeenAt: 1_234, failoverMs: 7_000 });
  assert.ok(fleet.leases.some((l) => l.leaseKey === 'shard-with-presence'));
  assert.ok(!fleet.leases.some((l) => l.leaseKey.startsWith('worker#')), 'no presence item among the leases');
  assert.ok(!(await store.list()).some((l) => l.leaseKey.startsWith('worker#')));
  // Another worker saw heartbeat 1 (older than now): the worker is back, its item stays.
  assert.equal(await store.removeWorker('w-presence', 1), false);
  assert.equal(await store.removeWorker('w-presence', 2), true);
  assert.ok(!(await store.listFleet()).workers.some((w) => w.workerId === 'w-presence'));
  // A worker's own removal on a clean stop needs no heartbeat; removing a missing item is no error.
  await store.heartbeat('w-own');
  assert.equal(await store.removeWorker('w-own'), true);
  assert.equal(await store.removeWorker('w-own'), true);
  assert.ok(!(await store.listFleet()).workers.some((w) => w.workerId === 'w-own'));
});

test("a renewal records the owner's lag for status; one without a lag removes it, and a take clears the last owner's", async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const held = await heldLease(store, 'shard-lag', 'w1');
  assert.equal(held.behindMs, undefined);
  const behind = await store.renew(held, undefined, 1234.4);
  assert.equal(behind?.behindMs, 1234);
  const read = (await store.list()).find((l) => l.leaseKey === 'shard-lag');
  assert.equal(read?.behindMs, 1234, 'the lag is in the lease table, where any reader sees it');
  assert.ok(behind !== undefined);
  const caughtUp = await store.renew(behind, undefined, 0);
  assert.equal(caughtUp?.behindMs, 0);
  assert.ok(caughtUp !== undefined);
  const unknown = await store.renew(caughtUp);
  assert.equal(unknown?.behindMs, undefined);
  assert.ok(unknown !== undefined);
  const lagging = await store.renew(unknown, undefined, 500);
  assert.ok(lagging !== undefined);
  const taken = await store.take(lagging, 'w2');
  assert.equal(taken?.leaseOwner, 'w2');
  assert.equal(taken?.behindMs, undefined, "w1's lag is not w2's");
});

test('takeAll takes every lease seen in one transaction, as take would, or none of them when one moved', async () => {
  const store = new DynamoLeaseStore(client, tableName, { failoverMs: 7_000 });
  await store.ensureTable();
  const ids = ['shard-all-1', 'shard-all-2', 'shard-all-3'];
  for (const id of ids) assert.equal(await store.create(newLease(id, [], TRIM_HORIZON, STREAM)), true);
  const seen = (await store.list()).filter((l) => ids.includes(l.leaseKey));
  assert.equal(seen.length, 3);
  // What the store hands back is what the table holds: the next renewal goes on from it.
  const taken = await store.takeAll(seen, 'w1');
  assert.ok(taken !== undefined);
  const stored = (await store.list()).filter((l) => ids.includes(l.leaseKey));
  assert.deepEqual(
    [...taken].sort((a, b) => a.leaseKey.localeCompare(b.leaseKey)),
    [...stored].sort((a, b) => a.leaseKey.localeCompare(b.leaseKey)),
  );
  assert.ok(stored.every((l) => l.leaseOwner === 'w1' && l.ownerSwitchesSinceCheckpoint === 1));
  for (const lease of taken) assert.equal((await store.renew(lease))?.leaseOwner, 'w1');

  // Another worker's transaction on the counters seen before: one lease moved, so none is taken.
  assert.equal(await store.takeAll(seen, 'w2'), undefined);
  // w2 sees the table now, but w1 renews one lease first: the whole transaction is refused, nothing moves.
  const now = (await store.list()).filter((l) => ids.includes(l.leaseKey));
  const first = now.find((l) => l.leaseKey === 'shard-all-1');
  assert.ok(first !== undefined);
  await store.renew(first);
  assert.equal(await store.takeAll(now, 'w2'), undefined);
  const after = (await store.list()).filter((l) => ids.includes(l.leaseKey));
  assert.ok(after.every((l) => l.leaseOwner === 'w1'));
  assert.deepEqual(
    after.filter((l) => l.leaseKey !== 'shard-all-1').map((l) => l.leaseCounter),
    now.filter((l) => l.leaseKey !== 'shard-all-1').map((l) => l.leaseCounter),
    'the leases that were as seen did not move either',
  );
  assert.deepEqual(await store.takeAll([], 'w2'), []);
});

test('createAll creates every lease in one transaction, or none of them when one exists', async () => {
  const store = new DynamoLeaseStore(client, tableName, { failoverMs: 7_000 });
  await store.ensureTable();
  const lease = (id: string) => newLease(id, [], TRIM_HORIZON, STREAM);
  const first = ['shard-made-1', 'shard-made-2', 'shard-made-3'];
  assert.equal(await store.createAll(first.map(lease)), true);
  const made = (await store.list()).filter((l) => first.includes(l.leaseKey));
  assert.deepEqual(
    made.map((l) => l.leaseKey).sort(),
    first,
    'every lease of the transaction is in the table',
  );
  // One of them exists (another worker made it, with a checkpoint since): nothing of the transaction is written.
  const holder = made.find((l) => l.leaseKey === 'shard-made-2');
  assert.ok(holder !== undefined);
  const taken = await store.take(holder, 'w1');
  assert.ok(taken !== undefined);
  assert.equal(await store.checkpoint('shard-made-2', 'w1', '500'), true);
  assert.equal(await store.createAll(['shard-made-4', 'shard-made-2'].map(lease)), false);
  const after = await store.list();
  assert.equal(
    after.find((l) => l.leaseKey === 'shard-made-4'),
    undefined,
    'the new lease was not made',
  );
  assert.equal(
    after.find((l) => l.leaseKey === 'shard-made-2')?.checkpoint,
    '500',
    'the existing one kept its checkpoint',
  );
  assert.equal(await store.createAll([]), true);
});

test('renewAll renews every lease seen in one transaction, as renew would, or none, naming those that moved or were asked for', async () => {
  const store = new DynamoLeaseStore(client, tableName);
  await store.ensureTable();
  const held = [
    await heldLease(store, 'shard-renew-all-1', 'w1'),
    await heldLease(store, 'shard-renew-all-2', 'w1'),
    await heldLease(store, 'shard-renew-all-3', 'w1'),
  ];
  const stored = async (): Promise<Lease[]> =>
    (await store.list())
      .filter((l) => l.leaseKey.startsWith('shard-renew-all-'))
      .sort((x, y) => x.leaseKey.localeCompare(y.leaseKey));
  const renewed = await store.renewAll(
    held.map((lease, i) => ({ lease, behindMs: i === 1 ? undefined : 40.4 + i })),
  );
  assert.ok('renewed' in renewed);
  assert.deepEqual(
    renewed.renewed.map((l) => [l.leaseKey, l.leaseCounter, l.behindMs]),
    held.map((l, i) => [l.leaseKey, l.leaseCounter + 1, i === 1 ? undefined : Math.round(40.4 + i)]),
  );
  // What it returns is what the table holds.
  const fields = (l: Lease): unknown[] => [
    l.leaseKey,
    l.leaseOwner,
    l.leaseCounter,
    l.behindMs,
    l.lastRenewedAt,
  ];
  assert.deepEqual((await stored()).map(fields), renewed.renewed.map(fields));

  // The same renewal again (its answer lost): every counter moved, so it renews nothing and names them all.
  assert.deepEqual(await store.renewAll(held.map((lease) => ({ lease }))), { refused: [0, 1, 2] });
  const before = await stored();
  assert.deepEqual(
    before.map((l) => l.leaseCounter),
    renewed.renewed.map((l) => l.leaseCounter),
  );

  // A lease another worker asked for is named (renewed alone, its answer carries the request); nothing else moves.
  const [first, second] = before;
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(await store.requestHandover(second, 'w2'), true);
  assert.deepEqual(await store.renewAll(before.map((lease) => ({ lease }))), { refused: [1] });
  assert.deepEqual(
    (await stored()).map((l) => l.leaseCounter),
    before.map((l) => l.leaseCounter),
  );
  assert.equal((await store.renew(second))?.pendingOwner, 'w2');

  // A lease another worker took is named, and the taker keeps it.
  const now = await stored();
  const taken = await store.take(now[0] ?? first, 'w3');
  assert.equal(taken?.leaseOwner, 'w3');
  assert.deepEqual(await store.renewAll([{ lease: now[2] ?? first }, { lease: first }]), { refused: [1] });
  assert.equal((await stored())[0]?.leaseOwner, 'w3');
  assert.deepEqual(await store.renewAll([]), { renewed: [] });
});
