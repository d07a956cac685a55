// dynamodb-local: shared
// Proves that replication is exact for every attribute type at its limits (38-digit and extreme numbers, binary,
// sets, deep nesting, empty values, items near 400 KB), for S, N and B hash keys and composite keys, and that
// an insert-modify-remove and an insert-modify-modify squashed in one batch end on the source's final state.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { normalizeNumber } from '../../src/buffer/item-key.js';
import type { TableKey } from '../../src/local/local-tables.js';
import {
  EDGE_NUMBERS,
  NEAR_LIMIT_BYTES,
  allTypesItems,
  deleteItem,
  emptyMapItems,
  keyValues,
  nested,
  putItems,
  setValue,
  type KeyType,
} from '../support/attribute-items.js';
import { createFixture, type Item, type ReplicationFixture } from '../support/replication-fixture.js';
import type { ReplicatorProcess } from '../support/replicator-process.js';
import { replicateToConvergence } from '../support/run-replicator.js';

const fixtures: ReplicationFixture[] = [];
after(async () => {
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

async function fixtureWith(key: TableKey, prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ key, prefix });
  fixtures.push(fixture);
  return fixture;
}

async function destinationItem(fixture: ReplicationFixture, key: Item): Promise<Item | undefined> {
  const out = await fixture.destination.send(
    new GetItemCommand({ TableName: fixture.destTable, Key: key, ConsistentRead: true }),
  );
  return out.Item;
}

/**
 * Three spellings of one key value (numbers: "1.50", "1.5", "15E-1" are one key to DynamoDB). DynamoDB Local
 * hands the stream the normalised form, so on it this checks the writes more than the squash buffer's key.
 */
function spellings(type: KeyType, label: 'gone' | 'kept'): AttributeValue[] {
  if (type === 'N')
    return (label === 'gone' ? ['1.50', '1.5', '15E-1'] : ['77.70', '77.7', '7.77E1']).map((N) => ({ N }));
  const value: AttributeValue = type === 'S' ? { S: label } : { B: new Uint8Array(Buffer.from(label)) };
  return [value, value, value];
}

/** Writes, before any worker runs, an insert-modify-remove of one key and an insert-modify-modify of another. */
async function writeSquashedChanges(
  fixture: ReplicationFixture,
  keyFor: (label: 'gone' | 'kept') => Item[],
): Promise<{ gone: Item; kept: Item }> {
  const { source, sourceTable } = fixture;
  const [goneInsert, goneModify, goneRemove] = keyFor('gone');
  const [keptInsert, keptModify, keptModifyAgain] = keyFor('kept');
  await putItems(source, sourceTable, [{ ...goneInsert!, v: { S: 'first' } }]);
  await setValue(source, sourceTable, goneModify!, { S: 'second' });
  await deleteItem(source, sourceTable, goneRemove!);
  await putItems(source, sourceTable, [{ ...keptInsert!, v: { S: 'first' } }]);
  await setValue(source, sourceTable, keptModify!, { S: 'second' });
  await setValue(source, sourceTable, keptModifyAgain!, { M: { last: { S: 'third' }, deep: nested(2) } });
  return { gone: goneRemove!, kept: keptModifyAgain! };
}

/** The six records of `gone` and `kept` met in one flush (debug log): four of them were squashed away. */
function assertSquashedInOneFlush(worker: ReplicatorProcess): void {
  const squashed = worker.logs
    .filter((l) => l.msg === 'flushed')
    .map((l) => Number(l.records) - Number(l.puts) - Number(l.deletes));
  assert.ok(
    squashed.some((n) => n >= 4),
    `one flush squashed the changes of each key (records - writes per flush: ${squashed.join(', ')})`,
  );
}

test('every attribute type at its limits replicates exactly, and squashed changes end on the last image', async () => {
  const fixture = await fixtureWith({ hash: { name: 'pk', type: 'S' } }, 'types');
  const { source, sourceTable } = fixture;
  // First, so that all six records fall in the first GetRecords page, ahead of the ~400 KB records.
  const { gone, kept } = await writeSquashedChanges(fixture, (label) =>
    spellings('S', label).map((S) => ({ pk: S })),
  );
  const items = allTypesItems();
  await putItems(source, sourceTable, items);
  // A MODIFY of a ~395 KB item: its record carries two images of that size.
  await setValue(source, sourceTable, { pk: { S: 'big-string' } }, { N: '2' });

  const { diff, worker } = await replicateToConvergence(fixture, ['--log-level', 'debug']);
  assert.equal(diff.compared, items.length + 1, 'every item written, plus the kept one, was compared');
  assertSquashedInOneFlush(worker);

  assert.equal(await destinationItem(fixture, gone), undefined, 'the removed item is not in the destination');
  const keptCopy = await destinationItem(fixture, kept);
  assert.equal(keptCopy?.v?.M?.last?.S, 'third', 'the kept item is on its last image');

  const numbers = await destinationItem(fixture, { pk: { S: 'numbers' } });
  EDGE_NUMBERS.forEach((n, i) => {
    const copied = numbers?.[`n${i}`]?.N;
    assert.ok(copied !== undefined, `number ${n} is in the destination`);
    assert.equal(normalizeNumber(copied), normalizeNumber(n), `number ${n} keeps its value`);
  });
  const written = items.find((item) => item.pk?.S === 'big-binary')?.b?.B;
  const copied = (await destinationItem(fixture, { pk: { S: 'big-binary' } }))?.b?.B;
  assert.equal(copied?.length, NEAR_LIMIT_BYTES);
  assert.ok(
    written !== undefined && Buffer.from(copied).equals(Buffer.from(written)),
    'binary keeps its bytes',
  );
  const bigString = await destinationItem(fixture, { pk: { S: 'big-string' } });
  assert.equal(bigString?.s?.S?.length, NEAR_LIMIT_BYTES);
  assert.equal(bigString.v?.N, '2');
});

test(
  'empty maps, at the top level and nested, replicate exactly',
  // DynamoDB Local 3.3.0 streams an empty map as {} without its M (awslabs/amazon-dynamodb-local-samples#37):
  // the replicator restores it (src/stream/empty-map-repair.ts).
  async () => {
    const fixture = await fixtureWith({ hash: { name: 'pk', type: 'S' } }, 'emptymap');
    const items = emptyMapItems();
    await putItems(fixture.source, fixture.sourceTable, items);
    const { diff } = await replicateToConvergence(fixture);
    assert.equal(diff.compared, items.length);
  },
);

const KEY_SHAPES: { name: string; key: TableKey; hashes: number; ranges: number }[] = [
  { name: 'hash key S', key: { hash: { name: 'id', type: 'S' } }, hashes: 12, ranges: 0 },
  { name: 'hash key N', key: { hash: { name: 'id', type: 'N' } }, hashes: 16, ranges: 0 },
  { name: 'hash key B', key: { hash: { name: 'id', type: 'B' } }, hashes: 12, ranges: 0 },
  {
    name: 'hash key S + range key N',
    key: { hash: { name: 'h', type: 'S' }, range: { name: 'r', type: 'N' } },
    hashes: 4,
    ranges: 14,
  },
  {
    name: 'hash key B + range key S',
    key: { hash: { name: 'h', type: 'B' }, range: { name: 'r', type: 'S' } },
    hashes: 4,
    ranges: 6,
  },
];

for (const shape of KEY_SHAPES) {
  test(`a table with ${shape.name} replicates exactly, squashed changes included`, async () => {
    const { key } = shape;
    const fixture = await fixtureWith(key, 'keys');
    const range = key.range;
    const keyFor = (label: 'gone' | 'kept'): Item[] =>
      spellings(key.hash.type, label).map((h, i) => {
        if (range === undefined) return { [key.hash.name]: h };
        return { [key.hash.name]: h, [range.name]: spellings(range.type, label)[i]! };
      });
    const { gone, kept } = await writeSquashedChanges(fixture, keyFor);

    const items: Item[] = [];
    for (const h of keyValues(key.hash.type, shape.hashes)) {
      const ranges = range === undefined ? [undefined] : keyValues(range.type, shape.ranges);
      for (const r of ranges) {
        const itemKey: Item =
          r === undefined || range === undefined
            ? { [key.hash.name]: h }
            : { [key.hash.name]: h, [range.name]: r };
        items.push({ ...itemKey, v: { N: String(items.length) }, body: nested(2) });
      }
    }
    await putItems(fixture.source, fixture.sourceTable, items);

    const { diff, worker } = await replicateToConvergence(fixture, ['--log-level', 'debug']);
    assertSquashedInOneFlush(worker);
    assert.equal(diff.compared, items.length + 1, 'every item written, plus the kept one, was compared');
    assert.equal(
      await destinationItem(fixture, gone),
      undefined,
      'the removed item is not in the destination',
    );
    assert.equal((await destinationItem(fixture, kept))?.v?.M?.last?.S, 'third');
  });
}
