// dynamodb-local: shared
// `verify --two-way` as users run it, on two DynamoDB Local instances holding two non-empty tables that overlap
// and differ: stamped and unstamped items on both sides, keys on one side only, and a key whose tombstone (on B)
// is above A's item. Verify reports each difference's winner and, with unstamped pairs, asks for --prefer (exit
// 1); --repair --prefer b writes every winner to its losing side; a second verify finds the tables equal; then a
// replicate --two-way run reads both streams from their start (every write the repair made) and writes nothing:
// each repair write is an echo, so the streams end where the repair left them (its status page shows both
// directions, no conflict recorded), and verify still finds them equal.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  CreateTableCommand,
  PutItemCommand,
  UpdateTableCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Item } from '../../src/stream/change-record.js';
import { conflictLine, readConflicts } from '../../src/twoway/conflict-log.js';
import { matchesItsStamp, readStamp, stampImage } from '../../src/twoway/markers.js';
import { tombstoneItem, tombstoneTableInput } from '../../src/twoway/tombstone.js';
import type { VerifySummary } from '../../src/verify/verify-summary.js';
import { canonicalItem } from '../support/replication-fixture.js';
import { reportedErrors, runUntilExit } from '../support/run-replicator.js';
import { isAtOrAfter, readCheckpoint, streamRecordsOf } from '../support/stream-inspection.js';
import { TwoWayPair } from '../support/twoway-fixture.js';
import { waitFor } from '../support/wait-for.js';

const pair = new TwoWayPair('twv');
const { a, b, tableA, tableB, task, markers } = pair;

after(() => pair.cleanup());

const LOW = '1764720000000.0001#a';
const HIGH = '1764720000005.0000#b';
const content = (pk: string, v: string): Item => ({ pk: { S: pk }, v: { S: v } });
const stamped = (pk: string, v: string, stamp: string): Item => stampImage(content(pk, v), markers, stamp);

/** Each key as the two sides hold it before verify (undefined: no item). */
const FIXTURE: Record<string, [Item | undefined, Item | undefined]> = {
  'a-newer': [stamped('a-newer', 'A', HIGH), stamped('a-newer', 'B', LOW)],
  'b-newer': [stamped('b-newer', 'A', LOW), stamped('b-newer', 'B', HIGH)],
  'only-a': [stamped('only-a', 'A', LOW), undefined],
  'only-b-plain': [undefined, content('only-b-plain', 'B')],
  mixed: [stamped('mixed', 'A', LOW), content('mixed', 'B')],
  'both-plain': [content('both-plain', 'A'), content('both-plain', 'B')],
  // B's tombstone (HIGH) is above A's item: the key should be absent.
  deleted: [stamped('deleted', 'A', LOW), undefined],
};
const EQUAL_KEYS = 20;

type VerifyJson = VerifySummary & { result: string; exitCode: number };

async function verify(extra: readonly string[]): Promise<{ code: number | null; summary: VerifyJson }> {
  const { worker, code } = await runUntilExit(
    [
      'verify',
      '--two-way',
      ...pair.flags(),
      ...['--recheck-delay-ms', '50', '--recheck-rounds', '1', '--show', '10', '--json'],
      ...extra,
    ],
    60_000,
  );
  assert.deepEqual(reportedErrors(worker), [], worker.describe());
  return { code, summary: JSON.parse(worker.stdout) as VerifyJson };
}

async function put(client: DynamoDBClient, table: string, item: Item): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: item }));
}

async function assertEqualTables(): Promise<Map<string, Item>> {
  const [itemsA, itemsB] = await Promise.all([pair.itemsByKey('a'), pair.itemsByKey('b')]);
  assert.deepEqual(
    [...itemsA.entries()].map(([k, v]) => [k, canonicalItem(v)]).sort(),
    [...itemsB.entries()].map(([k, v]) => [k, canonicalItem(v)]).sort(),
  );
  return itemsA;
}

async function enableStream(client: DynamoDBClient, table: string): Promise<void> {
  await client.send(
    new UpdateTableCommand({
      TableName: table,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: table });
}

test('verify --two-way decides each difference, --repair --prefer b makes the sides equal, and replication writes nothing back', async (t) => {
  await pair.createTables('no-stream');
  // B's tombstone table, named as replicate --two-way names it, holding a delete of `deleted` above A's item.
  const tombstonesB = pair.tombstoneTable('b');
  await b.send(new CreateTableCommand(tombstoneTableInput(tombstonesB)));
  await waitUntilTableExists({ client: b, maxWaitTime: 60, minDelay: 1 }, { TableName: tombstonesB });
  await put(b, tombstonesB, tombstoneItem({ pk: { S: 'deleted' } }, ['pk'], HIGH));
  for (const [itemA, itemB] of Object.values(FIXTURE)) {
    if (itemA !== undefined) await put(a, tableA, itemA);
    if (itemB !== undefined) await put(b, tableB, itemB);
  }
  for (let i = 0; i < EQUAL_KEYS; i += 1) {
    const item = i % 2 === 0 ? stamped(`same-${i}`, 'x', LOW) : content(`same-${i}`, 'x');
    await put(a, tableA, item);
    await put(b, tableB, item);
  }
  // The streams start after the fixture: what they hold is what the repair writes.
  await Promise.all([enableStream(a, tableA), enableStream(b, tableB)]);

  const first = await verify([]);
  assert.equal(first.code, 1, JSON.stringify(first.summary));
  assert.equal(first.summary.result, 'needs-preference');
  assert.deepEqual(
    { missing: first.summary.missing, extra: first.summary.extra, different: first.summary.different },
    { missing: 2, extra: 1, different: 4 },
  );
  assert.deepEqual(first.summary.twoWay?.winners, { a: 2, b: 2, absent: 1 });
  assert.equal(first.summary.twoWay?.needPreference, 2);
  assert.deepEqual(first.summary.twoWay?.needPreferenceKeys.map((k) => k.pk?.S).sort(), [
    'both-plain',
    'mixed',
  ]);
  assert.equal(first.summary.twoWay?.repair, undefined);

  const repaired = await verify(['--repair', '--prefer', 'b']);
  assert.equal(repaired.code, 0, JSON.stringify(repaired.summary));
  assert.equal(repaired.summary.result, 'repaired');
  assert.deepEqual(repaired.summary.twoWay?.winners, { a: 2, b: 4, absent: 1 });
  assert.equal(repaired.summary.twoWay?.byPreference, 2);
  assert.deepEqual(repaired.summary.twoWay?.repair, {
    written: 6,
    stamped: 3,
    deleted: 1,
    changed: 0,
    failed: 0,
    failures: [],
  });

  const again = await verify([]);
  assert.equal(again.code, 0, JSON.stringify(again.summary));
  assert.equal(again.summary.result, 'equal');
  const items = await assertEqualTables();
  assert.equal(items.has('deleted'), false);
  assert.equal(items.get('a-newer')?.v?.S, 'A');
  assert.equal(items.get('b-newer')?.v?.S, 'B');
  for (const pk of ['mixed', 'both-plain', 'only-b-plain']) {
    const item = items.get(pk);
    assert.equal(item?.v?.S, 'B', pk);
    // Stamped above what the key showed, with the digest of its content: an echo for replication.
    assert.ok(matchesItsStamp(item, markers), pk);
    assert.ok((readStamp(item, markers) ?? '') > HIGH, pk);
  }

  // Replication from both streams' start: every record is one of the repair's writes, each an echo.
  const before = {
    a: (await streamRecordsOf(a, pair.streams('a'), tableA)).length,
    b: (await streamRecordsOf(b, pair.streams('b'), tableB)).length,
  };
  assert.ok(before.a > 0 && before.b > 0, JSON.stringify(before));
  const worker = pair.start([
    ...['replicate', '--two-way', ...pair.flags()],
    ...['--metrics-port', '0', '--metrics-host', '127.0.0.1'],
  ]);
  const url = String((await worker.waitForLog('status page')).url);
  // Drained: each direction's checkpoint (read first) is at its stream's last record (read after it). A write
  // caused by a record lands in a stream before that record's checkpoint moves, so nothing more is coming.
  await waitFor(
    'both directions to read their streams to the end',
    async () => {
      for (const [client, streams, table, direction] of [
        [a, pair.streams('a'), tableA, 'a-b'],
        [b, pair.streams('b'), tableB, 'b-a'],
      ] as const) {
        const checkpoint = await readCheckpoint(client, `${task}.${direction}`);
        const records = await streamRecordsOf(client, streams, table);
        const last = records.at(-1)?.dynamodb?.SequenceNumber ?? '';
        if (!isAtOrAfter(checkpoint, last)) return false;
      }
      return true;
    },
    { timeoutMs: 45_000, intervalMs: 250 },
  );
  const afterRun = {
    a: (await streamRecordsOf(a, pair.streams('a'), tableA)).length,
    b: (await streamRecordsOf(b, pair.streams('b'), tableB)).length,
  };
  assert.deepEqual(afterRun, before, 'replication wrote to a table: a repair write was not an echo');
  // Its status page names both directions, each with the conflicts its log holds (the unstamped app write on A
  // that the repair replaced with B's version is recorded by A→B as it reads that write's record).
  const logged = {
    'a-b': await readConflicts(a, pair.conflictTable('a-b')),
    'b-a': await readConflicts(b, pair.conflictTable('b-a')),
  };
  const expected = [
    [`${task}.a-b`, `A → B (${tableA} → ${tableB})`, logged['a-b'].length],
    [`${task}.b-a`, `B → A (${tableB} → ${tableA})`, logged['b-a'].length],
  ];
  t.diagnostic(`conflicts recorded: ${[...logged['a-b'], ...logged['b-a']].map(conflictLine).join('; ')}`);
  let shown: unknown[] = [];
  await waitFor("the page's two directions, with the conflicts their logs hold", async () => {
    const body = (await (await fetch(new URL('status.json', url))).json()) as {
      tasks: { taskName: string; twoWay?: { direction: string; conflicts?: { count: number } } }[];
    };
    shown = body.tasks.map((t) => [t.taskName, t.twoWay?.direction, t.twoWay?.conflicts?.count]).sort();
    return JSON.stringify(shown) === JSON.stringify(expected);
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}: ${JSON.stringify({ shown, logged })}`, { cause: err });
  });
  await worker.kill();
  assert.deepEqual(reportedErrors(worker), [], worker.describe());
  await assertEqualTables();
  const last = await verify([]);
  assert.equal(last.code, 0, JSON.stringify(last.summary));
});
