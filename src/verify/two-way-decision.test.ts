import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DELETING, markerNames, stampImage } from '../twoway/markers.js';
import type { Side } from '../twoway/version-stamp.js';
import type { Item } from './item-compare.js';
import { decideTwoWay, deleteStamp, type KeyState, type TwoWayDecision } from './two-way-decision.js';

const markers = markerNames();
const S1 = '1764720000000.0001#a';
const S2 = '1764720000000.0002#b';
const S3 = '1764720000001.0000#a';

const content = (n: number): Item => ({ pk: { S: 'k' }, n: { N: String(n) } });
const stamped = (n: number, stamp: string): Item => stampImage(content(n), markers, stamp);
/** An app's write that copied the markers of another content: its digest does not match. */
const copiedMarkers = (n: number, stamp: string): Item => ({
  ...content(n),
  _ddbr_v: { S: stamp },
  _ddbr_h: stamped(n + 1, stamp)._ddbr_h ?? { S: '' },
});
const marked = (n: number, stamp: string): Item => ({
  ...content(n),
  _ddbr_v: { S: stamp },
  _ddbr_h: { S: DELETING },
});

function state(a: Item | undefined, b: Item | undefined, ta?: string, tb?: string): KeyState {
  return { a, b, tombstones: { a: ta, b: tb } };
}

function decide(s: KeyState, prefer?: Side): TwoWayDecision {
  return decideTwoWay(s, markers, prefer);
}

const put = (from: Side, stamp = false, preferred = false): TwoWayDecision => ({
  kind: 'put',
  from,
  stamp,
  preferred,
});
const del = (on: Side[], stamp: string, preferred = false): TwoWayDecision => ({
  kind: 'delete',
  on,
  stamp,
  preferred,
});
const NEEDS = { kind: 'needs-preference' } as const;

describe('decideTwoWay: the stamps decide', () => {
  test('the higher stamp wins, whichever side holds it', () => {
    assert.deepEqual(decide(state(stamped(1, S1), stamped(2, S2))), put('b'));
    assert.deepEqual(decide(state(stamped(1, S3), stamped(2, S2))), put('a'));
    // --prefer does not overrule an order the stamps give.
    assert.deepEqual(decide(state(stamped(1, S1), stamped(2, S2)), 'a'), put('b'));
  });

  test('a stamped item against nothing goes to the other side', () => {
    assert.deepEqual(decide(state(stamped(1, S1), undefined)), put('a'));
    assert.deepEqual(decide(state(undefined, stamped(1, S2)), 'a'), put('b'));
  });

  test('a tombstone on either side below the stamp does not stop it', () => {
    assert.deepEqual(decide(state(stamped(1, S2), undefined, undefined, S1)), put('a'));
  });

  test('a tombstone at or above the stamp, on either side: the item should be absent', () => {
    assert.deepEqual(decide(state(stamped(1, S1), undefined, undefined, S2)), del(['a'], S2));
    assert.deepEqual(decide(state(stamped(1, S2), undefined, S2)), del(['a'], S2));
    // Both sides hold (different) items below the delete: both go.
    assert.deepEqual(decide(state(stamped(1, S1), stamped(2, S2), S3)), del(['a', 'b'], S3));
    // The higher item survives the delete; the lower one, below it, is replaced.
    assert.deepEqual(decide(state(stamped(1, S1), stamped(2, S3), S2)), put('b'));
  });

  test('an item marked delete stands for its delete', () => {
    assert.deepEqual(decide(state(marked(1, S2), stamped(1, S1))), del(['a', 'b'], S2));
    assert.deepEqual(decide(state(marked(1, S2), undefined)), del(['a'], S2));
    assert.deepEqual(decide(state(marked(1, S2), stamped(1, S3))), put('b'));
    assert.equal(deleteStamp(state(marked(1, S2), undefined, S1, S3), markers), S3);
  });
});

describe('decideTwoWay: unstamped items need --prefer', () => {
  test('an unstamped item against nothing, no delete on record: copied stamped, no preference needed', () => {
    assert.deepEqual(decide(state(content(1), undefined)), put('a', true));
    assert.deepEqual(decide(state(undefined, content(1))), put('b', true));
  });

  test('stamped against unstamped, two unstamped, unstamped against a delete: a preference is needed', () => {
    const cases: KeyState[] = [
      state(stamped(1, S1), content(2)),
      state(content(1), stamped(2, S3)),
      state(content(1), content(2)),
      state(content(1), undefined, S1),
      state(content(1), stamped(2, S1), undefined, S2),
    ];
    for (const s of cases) assert.deepEqual(decide(s), NEEDS, JSON.stringify(s));
  });

  test('an item whose content does not match its digest counts as unstamped', () => {
    assert.deepEqual(decide(state(copiedMarkers(1, S3), stamped(2, S2))), NEEDS);
    assert.deepEqual(decide(state(copiedMarkers(1, S3), stamped(2, S2)), 'a'), put('a', true, true));
  });

  test('--prefer: the preferred side goes to the other, stamped if it is not', () => {
    assert.deepEqual(decide(state(stamped(1, S1), content(2)), 'a'), put('a', false, true));
    assert.deepEqual(decide(state(stamped(1, S1), content(2)), 'b'), put('b', true, true));
    assert.deepEqual(decide(state(content(1), content(2)), 'b'), put('b', true, true));
  });

  test('--prefer for the side that holds nothing under a delete: the other side deletes', () => {
    assert.deepEqual(decide(state(content(1), undefined, S1), 'b'), del(['a'], S1, true));
    assert.deepEqual(decide(state(content(1), undefined, S1), 'a'), put('a', true, true));
    assert.deepEqual(
      decide(state(content(1), stamped(2, S1), undefined, S2), 'b'),
      del(['a', 'b'], S2, true),
    );
  });

  test('equal stamps on different content cannot be ordered', () => {
    const forged = { ...stamped(2, S1), _ddbr_h: stamped(2, S1)._ddbr_h ?? { S: '' } };
    const s = state(stamped(1, S1), { ...forged, n: { N: '1' }, extra: { S: 'x' } });
    // The second item's content changed: unstamped; the first is stamped.
    assert.deepEqual(decide(s), NEEDS);
  });

  test('nothing on either side, or only dead items under no delete: no decision is invented', () => {
    assert.deepEqual(decide(state(undefined, undefined)), { kind: 'equal' });
    assert.deepEqual(decide(state(undefined, undefined, S1)), { kind: 'equal' });
  });
});
