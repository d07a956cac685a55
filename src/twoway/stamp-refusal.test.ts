import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import type { ChangeImages } from './echo.js';
import { DELETING, digestOf, markerNames, stampImage } from './markers.js';
import { deletedBelow, nearestVersion, stampRefusal, type StampRefusal } from './stamp-refusal.js';

const markers = markerNames();
const OURS = '1764720000000.0001#a';
const THEIRS = '1764720000000.0002#b';
const A: Item = { pk: { S: 'k' }, n: { N: '1' } };
const B: Item = { pk: { S: 'k' }, n: { N: '2' } };
const stamped = (content: Item, stamp: string): Item => stampImage(content, markers, stamp);

const cases: [string, Item | undefined, StampRefusal][] = [
  ['gone', undefined, { kind: 'nothing', why: 'gone' }],
  ['a newer app write, unstamped', B, { kind: 'nothing', why: 'app-write-follows' }],
  [
    'a newer app write copying the markers',
    { ...B, _ddbr_v: { S: OURS }, _ddbr_h: stamped(A, OURS)._ddbr_h! },
    { kind: 'nothing', why: 'app-write-follows' },
  ],
  [
    'marked by a delete',
    { ...A, _ddbr_v: { S: THEIRS }, _ddbr_h: { S: DELETING } },
    { kind: 'nothing', why: 'replaced' },
  ],
  ['the other side version put over it', stamped(B, THEIRS), { kind: 'nothing', why: 'replaced' }],
  ['the other side version of the same content', stamped(A, THEIRS), { kind: 'nothing', why: 'replaced' }],
  ['a later write of ours, stamped already', stamped(B, OURS), { kind: 'nothing', why: 'stamped-later' }],
  [
    'our own stamp of this content (a replay)',
    stamped(A, OURS),
    { kind: 'send-own-stamp', stamped: stamped(A, OURS) },
  ],
];
/** The app's write of B under a delete mark of THEIRS it read and copied. */
const underMark: Item = { ...B, _ddbr_v: { S: THEIRS }, _ddbr_h: { S: DELETING } };
const LATER = '1764720000009.0000#a';
const underMarkCases: [string, Item | undefined, StampRefusal][] = [
  ['gone: the mark took it', undefined, { kind: 'lost', winner: { kind: 'delete', stamp: THEIRS } }],
  [
    'marked by a later delete',
    { ...B, _ddbr_v: { S: LATER }, _ddbr_h: { S: DELETING } },
    { kind: 'lost', winner: { kind: 'delete', stamp: LATER } },
  ],
  [
    'the app wrote under the same mark again',
    { ...A, _ddbr_v: { S: THEIRS }, _ddbr_h: { S: DELETING } },
    { kind: 'nothing', why: 'replaced' },
  ],
  [
    'the other side put over it',
    stamped(A, '1764720000009.0000#b'),
    { kind: 'lost', winner: { kind: 'put', stamp: '1764720000009.0000#b' } },
  ],
  ['a newer app write', A, { kind: 'nothing', why: 'app-write-follows' }],
  ['a later write of ours, stamped', stamped(A, LATER), { kind: 'nothing', why: 'stamped-later' }],
];
for (const [name, found, expected] of underMarkCases)
  test(`a refused stamp of a write under a copied delete mark, the item ${name}`, () =>
    assert.deepEqual(stampRefusal(underMark, found, markers, 'a'), expected));

test('a refused stamp, the other side put below the version the app write replaced: that version put back', () => {
  const version = stamped(B, '1764720000005.0000#a');
  const over = stamped(A, THEIRS);
  assert.deepEqual(stampRefusal(A, over, markers, 'a', version), {
    kind: 'restore',
    version,
    over,
    overStamp: THEIRS,
  });
});
test('a refused stamp, the other side put above the version the app write replaced: nothing', () => {
  const version = stamped(B, '1764720000000.0000#a');
  assert.deepEqual(stampRefusal(A, stamped(A, THEIRS), markers, 'a', version), {
    kind: 'nothing',
    why: 'replaced',
  });
});
test('a refused stamp, the app write replaced an unstamped item: nothing to put back', () => {
  assert.deepEqual(stampRefusal(A, stamped(A, THEIRS), markers, 'a', B), {
    kind: 'nothing',
    why: 'replaced',
  });
});

for (const [name, found, expected] of cases)
  test(`a refused stamp, the item ${name}`, () =>
    assert.deepEqual(stampRefusal(A, found, markers, 'a'), expected));

describe('deletedBelow: the other side deleted the app write below the version it had replaced', () => {
  const version = stamped(B, '1764720000005.0000#a'); // the version the app's write (A, unstamped) replaced
  const markOf = (content: Item, stamp: string): ChangeImages => ({
    eventName: 'MODIFY',
    oldImage: content,
    newImage: { ...content, _ddbr_v: { S: stamp }, _ddbr_h: { S: DELETING } },
  });
  const cases: [string, ChangeImages | undefined, Item, ReturnType<typeof deletedBelow>][] = [
    ['marked below it', markOf(A, THEIRS), version, { version, deleteStamp: THEIRS }],
    ['marked above it', markOf(A, '1764720000009.0000#b'), version, undefined],
    ['marked by a delete of this side', markOf(A, '1764720000001.0000#a'), version, undefined],
    ['the mark of other content', markOf(B, THEIRS), version, undefined],
    ['no next record in this flush', undefined, version, undefined],
    ['the app deleted it', { eventName: 'REMOVE', oldImage: A, newImage: undefined }, version, undefined],
    ['the write had replaced an unstamped item', markOf(A, THEIRS), B, undefined],
  ];
  for (const [name, next, replaced, expected] of cases)
    test(name, () =>
      assert.deepEqual(deletedBelow(digestOf(A, markers), replaced, next, markers, 'a'), expected),
    );
});

describe("a refused stamp, the other side's delete marked the app write (A, unstamped) and has not deleted it yet", () => {
  const version = stamped(B, '1764720000005.0000#a'); // the version the app's write replaced
  const mark = (content: Item, stamp: string): Item => ({
    ...content,
    _ddbr_v: { S: stamp },
    _ddbr_h: { S: DELETING },
  });
  const cases: [string, Item, Item, StampRefusal][] = [
    [
      'below that version: put back over the mark',
      mark(A, THEIRS),
      version,
      { kind: 'restore', version, over: mark(A, THEIRS), overStamp: THEIRS },
    ],
    [
      'above it: the delete wins',
      mark(A, '1764720000009.0000#b'),
      version,
      { kind: 'nothing', why: 'replaced' },
    ],
    [
      'a mark of this side: not the case',
      mark(A, '1764720000001.0000#a'),
      version,
      { kind: 'nothing', why: 'replaced' },
    ],
    ['a mark over other content', mark(B, THEIRS), version, { kind: 'nothing', why: 'replaced' }],
    ['the write had replaced an unstamped item', mark(A, THEIRS), B, { kind: 'nothing', why: 'replaced' }],
  ];
  for (const [name, found, replaced, expected] of cases)
    test(name, () => assert.deepEqual(stampRefusal(A, found, markers, 'a', replaced), expected));
});

describe('nearestVersion: the version an app write replaced, through app writes never stamped', () => {
  const version = stamped(B, '1764720000005.0000#a');
  const carried = stamped(A, '1764720000003.0000#b');
  const cases: [string, ChangeImages, Item | undefined, Item | undefined][] = [
    [
      'over a stamped version: that one',
      { eventName: 'MODIFY', oldImage: version, newImage: A },
      carried,
      version,
    ],
    [
      'over an unstamped write, carrying a version: the carried one',
      { eventName: 'MODIFY', oldImage: B, newImage: A },
      carried,
      carried,
    ],
    [
      'over an unstamped write, nothing carried: its old image',
      { eventName: 'MODIFY', oldImage: B, newImage: A },
      undefined,
      B,
    ],
    [
      'over a copy of markers whose content changed: the carried one',
      {
        eventName: 'MODIFY',
        oldImage: { ...A, _ddbr_v: version._ddbr_v!, _ddbr_h: version._ddbr_h! },
        newImage: A,
      },
      carried,
      carried,
    ],
    [
      'a new item (after a delete): nothing, whatever was carried',
      { eventName: 'INSERT', newImage: A },
      carried,
      undefined,
    ],
    ['a delete: its old image', { eventName: 'REMOVE', oldImage: B, newImage: undefined }, carried, B],
  ];
  for (const [name, record, carry, expected] of cases)
    test(name, () => assert.deepEqual(nearestVersion(record, carry, markers), expected));
});
