import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ABSENT,
  canonicalImage,
  classifyPair,
  differingAttributes,
  identicalAsRead,
  imageDigest,
  keyOfItem,
  kindOfImages,
  type Item,
} from './item-compare.js';

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe('canonicalImage: equal exactly when DynamoDB holds the same item', () => {
  test('attribute order does not matter, at any depth', () => {
    const a: Item = { pk: { S: 'k' }, m: { M: { x: { N: '1' }, y: { S: 'y' } } }, z: { BOOL: true } };
    const b: Item = { z: { BOOL: true }, m: { M: { y: { S: 'y' }, x: { N: '1' } } }, pk: { S: 'k' } };
    assert.equal(canonicalImage(a), canonicalImage(b));
  });

  test('set order does not matter (string, number and binary sets)', () => {
    const a: Item = {
      ss: { SS: ['a', 'b', 'c'] },
      ns: { NS: ['1', '2.5'] },
      bs: { BS: [bytes(1), bytes(2)] },
    };
    const b: Item = {
      ss: { SS: ['c', 'a', 'b'] },
      ns: { NS: ['2.50', '1'] },
      bs: { BS: [bytes(2), bytes(1)] },
    };
    assert.equal(canonicalImage(a), canonicalImage(b));
  });

  test('numbers compare by value: "1.30" after arithmetic equals a put "1.3"', () => {
    for (const [x, y] of [
      ['1.30', '1.3'],
      ['100', '1E2'],
      ['0.0', '-0'],
      ['+5', '5.000'],
    ] as const) {
      assert.equal(canonicalImage({ n: { N: x } }), canonicalImage({ n: { N: y } }), `${x} = ${y}`);
    }
    assert.notEqual(canonicalImage({ n: { N: '1.3' } }), canonicalImage({ n: { N: '1.31' } }));
    // 38 digits, beyond a double's precision.
    assert.notEqual(
      canonicalImage({ n: { N: '12345678901234567890123456789012345678' } }),
      canonicalImage({ n: { N: '12345678901234567890123456789012345679' } }),
    );
  });

  test('binary compares by bytes, whatever the buffer type', () => {
    assert.equal(
      canonicalImage({ b: { B: Buffer.from([1, 2, 3]) } }),
      canonicalImage({ b: { B: bytes(1, 2, 3) } }),
    );
    assert.notEqual(
      canonicalImage({ b: { B: bytes(1, 2, 3) } }),
      canonicalImage({ b: { B: bytes(1, 2, 4) } }),
    );
  });

  test('list order, types and a changed nested value all matter', () => {
    assert.notEqual(
      canonicalImage({ l: { L: [{ S: 'a' }, { S: 'b' }] } }),
      canonicalImage({ l: { L: [{ S: 'b' }, { S: 'a' }] } }),
    );
    assert.notEqual(canonicalImage({ v: { S: '1' } }), canonicalImage({ v: { N: '1' } }));
    assert.notEqual(canonicalImage({ v: { SS: ['1'] } }), canonicalImage({ v: { NS: ['1'] } }));
    const deep = (leaf: string): Item => ({ m: { M: { a: { L: [{ M: { b: { S: leaf } } }] } } } });
    assert.notEqual(canonicalImage(deep('x')), canonicalImage(deep('y')));
    assert.notEqual(canonicalImage({ a: { NULL: true } }), canonicalImage({ a: { BOOL: false } }));
  });

  test('an extra or missing attribute makes items differ; an absent item has its own image', () => {
    assert.notEqual(canonicalImage({ a: { S: '' } }), canonicalImage({}));
    assert.equal(canonicalImage(undefined), ABSENT);
    assert.notEqual(canonicalImage({}), ABSENT);
  });
});

describe('classifyPair and kindOfImages', () => {
  const item: Item = { pk: { S: 'k' }, v: { N: '1' } };
  test('missing, extra, different, equal', () => {
    assert.equal(classifyPair(item, undefined), 'missing');
    assert.equal(classifyPair(undefined, item), 'extra');
    assert.equal(classifyPair(item, { ...item, v: { N: '2' } }), 'different');
    assert.equal(classifyPair(item, { v: { N: '1.0' }, pk: { S: 'k' } }), undefined);
    assert.equal(classifyPair(undefined, undefined), undefined);
  });
  test('kindOfImages agrees with classifyPair', () => {
    const other = { ...item, v: { N: '2' } };
    for (const [s, d] of [
      [item, undefined],
      [undefined, item],
      [item, other],
      [item, item],
      [undefined, undefined],
    ] as const) {
      assert.equal(kindOfImages(canonicalImage(s), canonicalImage(d)), classifyPair(s, d));
    }
  });
});

test('imageDigest: equal images, equal digests; ABSENT stays ABSENT', () => {
  const a = canonicalImage({ x: { SS: ['a', 'b'] } });
  const b = canonicalImage({ x: { SS: ['b', 'a'] } });
  assert.equal(imageDigest(a), imageDigest(b));
  assert.notEqual(imageDigest(a), imageDigest(canonicalImage({ x: { SS: ['a'] } })));
  assert.equal(imageDigest(ABSENT), ABSENT);
});

test('differingAttributes names the top-level attributes that differ, sorted', () => {
  const source: Item = {
    pk: { S: 'k' },
    doc: { M: { inner: { M: { level: { N: '1' } } } } },
    tags: { SS: ['a', 'b'] },
    same: { N: '1.30' },
    onlySource: { S: 'x' },
  };
  const destination: Item = {
    pk: { S: 'k' },
    doc: { M: { inner: { M: { level: { N: '2' } } } } },
    tags: { SS: ['b', 'a', 'c'] },
    same: { N: '1.3' },
    onlyDestination: { S: 'y' },
  };
  assert.deepEqual(differingAttributes(source, destination), [
    'doc',
    'onlyDestination',
    'onlySource',
    'tags',
  ]);
});

test('keyOfItem keeps the key attributes only, and refuses an item without them', () => {
  assert.deepEqual(keyOfItem({ pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'v' } }, ['pk', 'sk']), {
    pk: { S: 'a' },
    sk: { N: '1' },
  });
  assert.throws(() => keyOfItem({ pk: { S: 'a' } }, ['pk', 'sk']), TypeError);
});

describe('identicalAsRead: a cheap test that never calls different items equal', () => {
  test('the same attributes and values as read are identical; a number spelling is left to canonicalImage', () => {
    const a: Item = { pk: { S: 'k' }, n: { N: '1.3' }, b: { B: bytes(1, 2) } };
    assert.equal(identicalAsRead(a, { pk: { S: 'k' }, n: { N: '1.3' }, b: { B: bytes(1, 2) } }), true);
    assert.equal(identicalAsRead(a, { pk: { S: 'k' }, n: { N: '1.3' }, b: { B: bytes(1, 3) } }), false);
    assert.equal(identicalAsRead(a, { b: { B: bytes(1, 2) }, n: { N: '1.3' }, pk: { S: 'k' } }), true);
    assert.equal(identicalAsRead(a, { pk: { S: 'k' }, n: { S: '1.3' }, b: { B: bytes(1, 2) } }), false);
    assert.equal(identicalAsRead(a, { pk: { S: 'k' }, n: { N: '1.3' } }), false);
    assert.equal(identicalAsRead(a, { pk: { S: 'k' }, n: { N: '1.3' }, c: { B: bytes(1, 2) } }), false);
    const respelled: Item = { n: { N: '1.30' }, pk: { S: 'k' }, b: { B: bytes(1, 2) } };
    assert.equal(identicalAsRead(a, respelled), false);
    assert.equal(canonicalImage(a), canonicalImage(respelled));
  });
});
