import type {
  AttributeDefinition,
  GlobalSecondaryIndexDescription,
  LocalSecondaryIndexDescription,
  TableDescription,
} from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeIndexDifferences, indexDifferences, type IndexDifferences } from './index-differences.js';

const DEFINITIONS: AttributeDefinition[] = [
  { AttributeName: 'pk', AttributeType: 'S' },
  { AttributeName: 'sk', AttributeType: 'N' },
  { AttributeName: 'g', AttributeType: 'S' },
  { AttributeName: 'l', AttributeType: 'S' },
];

function gsi(
  name: string,
  extra: Partial<GlobalSecondaryIndexDescription> = {},
): GlobalSecondaryIndexDescription {
  return {
    IndexName: name,
    KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }],
    Projection: { ProjectionType: 'ALL' },
    IndexStatus: 'ACTIVE',
    ...extra,
  };
}

function lsi(
  name: string,
  extra: Partial<LocalSecondaryIndexDescription> = {},
): LocalSecondaryIndexDescription {
  return {
    IndexName: name,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'l', KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'KEYS_ONLY' },
    ...extra,
  };
}

function table(
  globals: GlobalSecondaryIndexDescription[] | undefined,
  locals: LocalSecondaryIndexDescription[] | undefined,
  definitions = DEFINITIONS,
): TableDescription {
  return {
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: definitions,
    GlobalSecondaryIndexes: globals,
    LocalSecondaryIndexes: locals,
  };
}

const NONE: IndexDifferences = { missing: [], extra: [], differentKeys: [], differentProjection: [] };

describe('indexDifferences', () => {
  test('the same indexes (statuses, counts and listing order aside) differ in nothing', () => {
    const source = table([gsi('a'), gsi('b', { IndexStatus: 'CREATING', ItemCount: 3 })], [lsi('c')]);
    const destination = table([gsi('b'), gsi('a', { ItemCount: 0 })], [lsi('c')]);
    assert.deepEqual(indexDifferences(source, destination), NONE);
  });

  test('no indexes on either side differ in nothing', () => {
    assert.deepEqual(indexDifferences(table(undefined, undefined), table([], [])), NONE);
  });

  test('indexes the destination lacks are missing, by kind and name', () => {
    const source = table([gsi('a'), gsi('b')], [lsi('c')]);
    assert.deepEqual(indexDifferences(source, table([gsi('a')], undefined)), {
      ...NONE,
      missing: ['GSI b', 'LSI c'],
    });
  });

  test('indexes only the destination has are extra', () => {
    const destination = table([gsi('a'), gsi('x')], [lsi('y')]);
    assert.deepEqual(indexDifferences(table([gsi('a')], undefined), destination), {
      ...NONE,
      extra: ['GSI x', 'LSI y'],
    });
  });

  test('a global index on one side and a local one of the same name on the other is missing and extra', () => {
    assert.deepEqual(indexDifferences(table([gsi('same')], undefined), table(undefined, [lsi('same')])), {
      ...NONE,
      missing: ['GSI same'],
      extra: ['LSI same'],
    });
  });

  test('other key attribute, key type, attribute type or an added range key: other keys, with both sides', () => {
    const cases: [
      string,
      Partial<GlobalSecondaryIndexDescription>,
      TableDescription['AttributeDefinitions'],
      string,
    ][] = [
      ['attribute', { KeySchema: [{ AttributeName: 'sk', KeyType: 'HASH' }] }, DEFINITIONS, 'sk N HASH'],
      [
        'range key added',
        {
          KeySchema: [
            { AttributeName: 'g', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        },
        DEFINITIONS,
        'g S HASH, sk N RANGE',
      ],
      [
        'attribute type',
        {},
        DEFINITIONS.map((d) => (d.AttributeName === 'g' ? { ...d, AttributeType: 'N' as const } : d)),
        'g N HASH',
      ],
    ];
    for (const [label, change, definitions, theirs] of cases) {
      const diff = indexDifferences(
        table([gsi('a')], undefined),
        table([gsi('a', change)], undefined, definitions),
      );
      assert.deepEqual(
        diff,
        { ...NONE, differentKeys: [`GSI a (source g S HASH; destination ${theirs})`] },
        label,
      );
    }
  });

  test('key order in the description does not matter', () => {
    const reversed = gsi('a', {
      KeySchema: [
        { AttributeName: 'sk', KeyType: 'RANGE' },
        { AttributeName: 'g', KeyType: 'HASH' },
      ],
    });
    const ordered = gsi('a', {
      KeySchema: [
        { AttributeName: 'g', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    });
    assert.deepEqual(indexDifferences(table([reversed], undefined), table([ordered], undefined)), NONE);
  });

  test('another projection type or other included attributes: other projection; their order does not matter', () => {
    const include = (attrs: string[]) => ({
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: attrs },
    });
    assert.deepEqual(
      indexDifferences(
        table([gsi('a', include(['x', 'y']))], undefined),
        table([gsi('a', include(['y', 'x']))], undefined),
      ),
      NONE,
    );
    assert.deepEqual(
      indexDifferences(
        table([gsi('a', include(['x', 'y']))], undefined),
        table([gsi('a', include(['x']))], undefined),
      ),
      { ...NONE, differentProjection: ['GSI a (source INCLUDE [x, y]; destination INCLUDE [x])'] },
    );
    assert.deepEqual(
      indexDifferences(
        table(undefined, [lsi('c')]),
        table(undefined, [lsi('c', { Projection: { ProjectionType: 'ALL' } })]),
      ),
      { ...NONE, differentProjection: ['LSI c (source KEYS_ONLY; destination ALL)'] },
    );
  });

  test('keys and projection both different: listed under both', () => {
    const other = gsi('a', {
      KeySchema: [{ AttributeName: 'sk', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    const diff = indexDifferences(table([gsi('a')], undefined), table([other], undefined));
    assert.equal(diff.differentKeys.length, 1);
    assert.equal(diff.differentProjection.length, 1);
  });

  test('an index without a name, keys or projection in the description still compares', () => {
    const bare: GlobalSecondaryIndexDescription = {};
    assert.deepEqual(indexDifferences(table([bare], undefined), table([bare], undefined)), NONE);
    assert.deepEqual(indexDifferences(table([bare], undefined), table([], undefined)), {
      ...NONE,
      missing: ['GSI ?'],
    });
  });
});

describe('describeIndexDifferences', () => {
  test('no differences: no line', () => {
    assert.equal(describeIndexDifferences(NONE, 'src', 'dst'), undefined);
  });

  test('one line naming both tables and every difference, with what it means', () => {
    const line = describeIndexDifferences(
      {
        missing: ['GSI a', 'LSI b'],
        extra: ['GSI x'],
        differentKeys: ['GSI k (source g S HASH; destination g N HASH)'],
        differentProjection: ['GSI p (source ALL; destination KEYS_ONLY)'],
      },
      'src',
      'dst',
    );
    assert.ok(line !== undefined);
    assert.ok(!line.includes('\n'), 'one line');
    for (const text of [
      'destination table dst',
      'source table src',
      'missing GSI a, LSI b',
      'extra GSI x',
      'other keys: GSI k (source g S HASH; destination g N HASH)',
      'other projection: GSI p (source ALL; destination KEYS_ONLY)',
      'Replication goes on',
      'is refused',
    ])
      assert.ok(line.includes(text), `"${line}" mentions "${text}"`);
  });

  test('only missing indexes or other projections: no word about refused writes', () => {
    for (const diff of [
      { ...NONE, missing: ['GSI a'] },
      { ...NONE, differentProjection: ['GSI p (source ALL; destination KEYS_ONLY)'] },
    ]) {
      const line = describeIndexDifferences(diff, 'src', 'dst') ?? '';
      assert.ok(line.includes('Replication goes on'), line);
      assert.ok(!line.includes('refused'), line);
      assert.ok(!line.includes('extra') && !line.includes('other keys'), line);
    }
  });

  test('an extra index or other keys: warns that writes can be refused', () => {
    for (const diff of [
      { ...NONE, extra: ['GSI x'] },
      { ...NONE, differentKeys: ['GSI k (source g S HASH; destination g N HASH)'] },
    ]) {
      assert.ok(describeIndexDifferences(diff, 'src', 'dst')?.includes('is refused'));
    }
  });
});
