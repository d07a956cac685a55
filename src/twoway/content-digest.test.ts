import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import { DIGEST_LENGTH, contentDigest } from './content-digest.js';

const SKIP = ['_ddbr_v', '_ddbr_h'];

describe('contentDigest', () => {
  const base: Item = {
    pk: { S: 'k' },
    n: { N: '1.50' },
    b: { B: new Uint8Array([1, 2, 3]) },
    ss: { SS: ['x', 'y'] },
    ns: { NS: ['1', '2.0'] },
    bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    l: { L: [{ S: 'a' }, { N: '2' }] },
    m: { M: { a: { S: '1' }, z: { BOOL: false } } },
    nul: { NULL: true },
    t: { BOOL: true },
  };

  test(`is ${DIGEST_LENGTH} base64url characters`, () => {
    assert.match(contentDigest(base, SKIP), /^[A-Za-z0-9_-]{22}$/);
  });

  test('images DynamoDB holds as equal give one digest', () => {
    const same: Item = {
      t: { BOOL: true },
      m: { M: { z: { BOOL: false }, a: { S: '1' } } },
      nul: { NULL: true },
      l: { L: [{ S: 'a' }, { N: '2.000' }] },
      bs: { BS: [new Uint8Array([2]), new Uint8Array([1])] },
      ns: { NS: ['2', '1e0'] },
      ss: { SS: ['y', 'x'] },
      b: { B: Buffer.from([1, 2, 3]) },
      n: { N: '1.5' },
      pk: { S: 'k' },
    };
    assert.equal(contentDigest(same, SKIP), contentDigest(base, SKIP));
  });

  test('the marker attributes do not count', () => {
    const marked: Item = { ...base, _ddbr_v: { S: '1764720000000.0000#a' }, _ddbr_h: { S: 'x' } };
    assert.equal(contentDigest(marked, SKIP), contentDigest(base, SKIP));
  });

  const changes: [string, Item][] = [
    ['a string', { ...base, pk: { S: 'K' } }],
    ['a number', { ...base, n: { N: '1.51' } }],
    ['a type (N "1" vs S "1")', { ...base, n: { S: '1.5' } }],
    ['binary bytes', { ...base, b: { B: new Uint8Array([1, 2, 4]) } }],
    ['a set member', { ...base, ss: { SS: ['x', 'z'] } }],
    ['list order', { ...base, l: { L: [{ N: '2' }, { S: 'a' }] } }],
    ['a nested value', { ...base, m: { M: { a: { S: '1' }, z: { BOOL: true } } } }],
    ['an attribute added', { ...base, extra: { S: '' } }],
    ['an attribute removed', Object.fromEntries(Object.entries(base).filter(([name]) => name !== 't'))],
    [
      'an attribute renamed',
      { ...Object.fromEntries(Object.entries(base).filter(([n]) => n !== 't')), u: { BOOL: true } },
    ],
    ['NULL vs BOOL', { ...base, nul: { BOOL: true } }],
  ];
  for (const [what, changed] of changes) {
    test(`changes with ${what}`, () => {
      assert.notEqual(contentDigest(changed, SKIP), contentDigest(base, SKIP));
    });
  }

  test('a value of no known type is a programmer error', () => {
    assert.throws(() => contentDigest({ x: {} as never }, SKIP), TypeError);
  });
});
