import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import type { ChangeImages } from './echo.js';
import {
  deletedUnderMark,
  deleteReplacedVersion,
  isUnstampedAppWrite,
  overwritesVersion,
  replacedAppWrite,
  type LostWrite,
} from './lost-writes.js';
import { DELETING, digestOf, markerNames, stampImage } from './markers.js';

const markers = markerNames();
const LOW = '1764720000000.0000#a';
const MID = '1764720000000.0001#b';
const HIGH = '1764720000005.0000#b';

const A: Item = { pk: { S: 'k' }, n: { N: '1' } };
const B: Item = { pk: { S: 'k' }, n: { N: '2' } };
const stamped = (content: Item, stamp: string): Item => stampImage(content, markers, stamp);
/** The app's write of `content` carrying the markers it read from `from` (read-modify-write). */
const copied = (content: Item, from: Item): Item => ({
  ...content,
  _ddbr_v: from._ddbr_v!,
  _ddbr_h: from._ddbr_h!,
});
const marked = (content: Item, stamp: string): Item => ({
  ...content,
  _ddbr_v: { S: stamp },
  _ddbr_h: { S: DELETING },
});
const modify = (oldImage: Item, newImage: Item): ChangeImages => ({
  eventName: 'MODIFY',
  oldImage,
  newImage,
});

describe('isUnstampedAppWrite', () => {
  const cases: [string, Item | undefined, boolean][] = [
    ['no item', undefined, false],
    ['unstamped', A, true],
    ['stamped, content its own', stamped(A, LOW), false],
    ['markers copied onto other content', copied(B, stamped(A, LOW)), true],
    ['marked for a delete', marked(A, LOW), false],
    ['a stamp that is not a string', { ...A, _ddbr_v: { N: '1' } }, true],
  ];
  for (const [name, image, expected] of cases)
    test(name, () => assert.equal(isUnstampedAppWrite(image, markers), expected));
});

describe('replacedAppWrite: from the record of a replicator write, the app write it replaced unstamped', () => {
  const lostPut = (content: Item, kind: 'put' | 'delete', stamp: string): LostWrite => ({
    loser: { kind: 'put', stamp: undefined, digest: digestOf(content, markers) },
    winner: { kind, stamp },
  });
  const cases: [string, ChangeImages, LostWrite | undefined][] = [
    ['the other side put over an unstamped write', modify(A, stamped(B, MID)), lostPut(A, 'put', MID)],
    [
      'the other side put over a read-modify-write copy',
      modify(copied(B, stamped(A, LOW)), stamped(A, MID)),
      lostPut(B, 'put', MID),
    ],
    ['a delete marked an unstamped write', modify(A, marked(A, MID)), lostPut(A, 'delete', MID)],
    [
      'a delete marked a read-modify-write copy',
      modify(copied(B, stamped(A, LOW)), marked(B, MID)),
      lostPut(B, 'delete', MID),
    ],
    ['the stamp of this very write (same content)', modify(A, stamped(A, LOW)), undefined],
    ['the same content from the other side (after a bootstrap)', modify(A, stamped(A, MID)), undefined],
    [
      'a put over a stamped version (its writer records it)',
      modify(stamped(A, LOW), stamped(B, MID)),
      undefined,
    ],
    ['a mark over a stamped version', modify(stamped(A, LOW), marked(A, MID)), undefined],
    ['a put over a marked item', modify(marked(A, LOW), stamped(B, MID)), undefined],
    ['an app write over an unstamped write', modify(A, B), undefined],
    [
      'an app write copying markers over an unstamped one',
      modify(copied(A, stamped(A, MID)), copied(B, stamped(A, MID))),
      undefined,
    ],
    ['an INSERT replaced nothing', { eventName: 'INSERT', newImage: stamped(B, MID) }, undefined],
    [
      'a REMOVE of a marked item',
      { eventName: 'REMOVE', oldImage: marked(A, MID), newImage: undefined },
      undefined,
    ],
    ['an app delete', { eventName: 'REMOVE', oldImage: A, newImage: undefined }, undefined],
    [
      'a stamp lowered by the app (stale copy) is no replicator write',
      modify(copied(A, stamped(A, HIGH)), stamped(B, MID)),
      undefined,
    ],
  ];
  for (const [name, change, expected] of cases)
    test(name, () => assert.deepEqual(replacedAppWrite(change, markers), expected));
});

describe('overwritesVersion: a stamped version below the put, to record once the put applies', () => {
  const cases: [string, Item | undefined, boolean][] = [
    ['absent', undefined, false],
    ['a lower stamped version', stamped(A, LOW), true],
    ['a higher stamped version (the put is refused)', stamped(A, HIGH), false],
    ['the put itself (already applied)', stamped(A, MID), false],
    ['unstamped (recorded from its side stream)', A, false],
    ['a read-modify-write copy (recorded from its side stream)', copied(B, stamped(A, LOW)), false],
    ['marked for a delete', marked(A, LOW), false],
  ];
  for (const [name, found, expected] of cases)
    test(name, () => assert.equal(overwritesVersion(found, MID, markers), expected));
});

describe('deleteReplacedVersion: the mark replaced a version the deleting app never saw', () => {
  const cases: [string, Item | undefined, string | undefined, boolean][] = [
    ['the version the app deleted', stamped(A, LOW), LOW, false],
    ['another stamped version', stamped(A, MID), LOW, true],
    ['a stamped version, the app deleted an unstamped item', stamped(A, MID), undefined, true],
    ['unstamped (recorded from its side stream)', A, undefined, false],
    ['a read-modify-write copy of what the app deleted', copied(B, stamped(A, LOW)), LOW, false],
    ['a read-modify-write copy of another version', copied(B, stamped(A, MID)), LOW, false],
    ['marked already', marked(A, MID), LOW, false],
    ['absent', undefined, LOW, false],
  ];
  for (const [name, old, seen, expected] of cases)
    test(name, () => assert.equal(deleteReplacedVersion(old, seen, markers), expected));
});

describe('deletedUnderMark: an app write under a copied delete mark, deleted with the mark', () => {
  const C = { pk: { S: 'k' }, n: { N: '3' } };
  const write = modify(marked(A, MID), marked(B, MID)); // the app wrote B over A marked at MID, copying the mark
  const removeOf = (old: Item): ChangeImages => ({ eventName: 'REMOVE', oldImage: old, newImage: undefined });
  const lost: LostWrite = {
    loser: { kind: 'put', stamp: undefined, digest: digestOf(B, markers) },
    winner: { kind: 'delete', stamp: MID },
  };
  const cases: [string, ChangeImages, ChangeImages | undefined, LostWrite | undefined][] = [
    ['deleted next, as written', write, removeOf(marked(B, MID)), lost],
    [
      're-created without an old image, deleted next',
      { eventName: 'INSERT', newImage: marked(B, MID) },
      removeOf(marked(B, MID)),
      lost,
    ],
    ['no next record in this flush', write, undefined, undefined],
    ['overwritten next by the app', write, modify(marked(B, MID), C), undefined],
    ['the next REMOVE is of other content', write, removeOf(marked(C, MID)), undefined],
    ['the next REMOVE is of another mark', write, removeOf(marked(B, HIGH)), undefined],
    ['the mark itself, then its delete', modify(A, marked(A, MID)), removeOf(marked(A, MID)), undefined],
    [
      'the app wrote back what it read',
      modify(marked(A, MID), marked(A, MID)),
      removeOf(marked(A, MID)),
      undefined,
    ],
    ['an app write without a mark', modify(A, B), removeOf(B), undefined],
    ['a REMOVE', removeOf(marked(B, MID)), removeOf(marked(B, MID)), undefined],
  ];
  for (const [name, record, next, expected] of cases)
    test(name, () => assert.deepEqual(deletedUnderMark(record, next, markers), expected));
});
