import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MalformedRecordError, type Item } from '../stream/change-record.js';
import {
  classifyChange,
  needsTombstone,
  type ChangeImages,
  type ChangeOrigin,
  type TombstoneRead,
} from './echo.js';
import { DELETING, markerNames, stampImage } from './markers.js';

const markers = markerNames();
const V0 = '1764720000000.0000#b';
const V1 = '1764720000000.0001#a';
const V2 = '1764720000005.0000#a';

const A: Item = { pk: { S: 'k' }, n: { N: '1' } };
const B: Item = { pk: { S: 'k' }, n: { N: '2' } };
const C: Item = { pk: { S: 'k' }, n: { N: '3' } };
const stamped = (content: Item, stamp: string): Item => stampImage(content, markers, stamp);
/** The app's write of `content` carrying the markers it read from `from` (read-modify-write). */
const copied = (content: Item, from: Item): Item => ({
  ...content,
  _ddbr_v: from._ddbr_v!,
  _ddbr_h: from._ddbr_h!,
});
const deleting = (content: Item, stamp: string): Item => ({
  ...content,
  _ddbr_v: { S: stamp },
  _ddbr_h: { S: DELETING },
});

interface Case {
  readonly name: string;
  readonly change: ChangeImages;
  readonly tombstone?: TombstoneRead;
  readonly expected: ChangeOrigin;
}

const echo = (reason: 'replicated-put' | 'marked-deleting' | 'replicated-delete'): ChangeOrigin => ({
  kind: 'echo',
  reason,
});
const app = (
  reason: 'unstamped' | 'stamp-not-raised' | 'content-not-stamped' | 'not-above-tombstone',
  seenStamp: string | undefined,
): ChangeOrigin => ({ kind: 'app-put', reason, seenStamp });
const appDelete = (ttl: boolean, seenStamp: string | undefined): ChangeOrigin => ({
  kind: 'app-delete',
  ttl,
  seenStamp,
});
const insert = (newImage: Item): ChangeImages => ({ eventName: 'INSERT', newImage });
const modify = (oldImage: Item, newImage: Item): ChangeImages => ({
  eventName: 'MODIFY',
  oldImage,
  newImage,
});
const remove = (oldImage: Item, ttlDelete = false): ChangeImages => ({
  eventName: 'REMOVE',
  oldImage,
  newImage: undefined,
  ttlDelete,
});
const NONE: TombstoneRead = { stamp: undefined };

const cases: Case[] = [
  // INSERT: no old image; a stamped one is compared with the key's tombstone.
  { name: 'INSERT unstamped (app put)', change: insert(A), expected: app('unstamped', undefined) },
  {
    name: 'INSERT with a stamp that is not a string',
    change: insert({ ...A, _ddbr_v: { N: '1' } }),
    expected: app('unstamped', undefined),
  },
  {
    name: 'INSERT stamped, no tombstone (replicated put)',
    change: insert(stamped(A, V1)),
    tombstone: NONE,
    expected: echo('replicated-put'),
  },
  {
    name: 'INSERT stamped above the tombstone (put after a delete)',
    change: insert(stamped(A, V1)),
    tombstone: { stamp: V0 },
    expected: echo('replicated-put'),
  },
  {
    name: 'INSERT stamped at the tombstone',
    change: insert(stamped(A, V1)),
    tombstone: { stamp: V1 },
    expected: app('not-above-tombstone', V1),
  },
  {
    name: 'INSERT stamped below the tombstone (app re-created an item from a copy read before its delete)',
    change: insert(stamped(A, V1)),
    tombstone: { stamp: V2 },
    expected: app('not-above-tombstone', V1),
  },
  {
    name: 'INSERT with markers copied onto other content',
    change: insert(copied(B, stamped(A, V1))),
    expected: app('content-not-stamped', V1),
  },
  {
    name: 'INSERT marked DELETING (never made by a replicator)',
    change: insert(deleting(A, V1)),
    expected: app('content-not-stamped', V1),
  },

  // MODIFY: an echo raises the stamp and carries the digest of its content.
  { name: 'MODIFY unstamped -> unstamped', change: modify(A, B), expected: app('unstamped', undefined) },
  {
    name: 'MODIFY stamped -> unstamped (app put without markers)',
    change: modify(stamped(A, V1), B),
    expected: app('unstamped', undefined),
  },
  {
    name: 'MODIFY same stamp, same content (app rewrote the item as read)',
    change: modify(stamped(A, V1), stamped(A, V1)),
    expected: app('stamp-not-raised', V1),
  },
  {
    name: 'MODIFY same stamp, new content (read-modify-write copying the markers)',
    change: modify(stamped(A, V1), copied(B, stamped(A, V1))),
    expected: app('stamp-not-raised', V1),
  },
  {
    name: 'MODIFY same stamp, app update not touching the markers',
    change: modify(stamped(A, V1), { ...stamped(A, V1), n: { N: '9' } }),
    expected: app('stamp-not-raised', V1),
  },
  {
    name: 'MODIFY unstamped -> stamped, same content (local stamp)',
    change: modify(A, stamped(A, V1)),
    expected: echo('replicated-put'),
  },
  {
    name: 'MODIFY unstamped -> stamped, other content (remote put over an unstamped item)',
    change: modify(A, stamped(B, V1)),
    expected: echo('replicated-put'),
  },
  {
    name: 'MODIFY stamp raised, new content (remote put)',
    change: modify(stamped(A, V1), stamped(B, V2)),
    expected: echo('replicated-put'),
  },
  {
    name: 'MODIFY stamp raised, same content (restamp)',
    change: modify(stamped(A, V1), stamped(A, V2)),
    expected: echo('replicated-put'),
  },
  {
    name: 'MODIFY stamp lowered, content matching it (stale read-modify-write written back as read)',
    change: modify(stamped(B, V2), stamped(A, V1)),
    expected: app('stamp-not-raised', V1),
  },
  {
    name: 'MODIFY stamp lowered, new content (stale read-modify-write copying the markers)',
    change: modify(stamped(B, V2), copied(C, stamped(A, V1))),
    expected: app('stamp-not-raised', V1),
  },
  {
    name: "MODIFY stamp raised by a stale copy over another stale copy, content not the stamp's",
    change: modify(copied(B, stamped(A, V0)), copied(C, stamped(A, V1))),
    expected: app('content-not-stamped', V1),
  },
  {
    name: 'MODIFY unstamped -> a copy of markers onto new content (read-modify-write racing an unstamped put)',
    change: modify(B, copied(C, stamped(A, V1))),
    expected: app('content-not-stamped', V1),
  },
  {
    name: 'MODIFY marked DELETING, stamp raised, same content (before a replicated delete)',
    change: modify(stamped(A, V1), deleting(A, V2)),
    expected: echo('marked-deleting'),
  },
  {
    name: 'MODIFY unstamped -> marked DELETING, same content',
    change: modify(A, deleting(A, V2)),
    expected: echo('marked-deleting'),
  },
  {
    name: 'MODIFY marked DELETING with new content',
    change: modify(stamped(A, V1), deleting(B, V2)),
    expected: app('content-not-stamped', V2),
  },
  {
    name: 'MODIFY of an item marked DELETING keeping the mark (app copy)',
    change: modify(deleting(A, V2), deleting(B, V2)),
    expected: app('stamp-not-raised', V2),
  },
  {
    name: 'MODIFY of an item marked DELETING, remote put above it',
    change: modify(deleting(A, V1), stamped(B, V2)),
    expected: echo('replicated-put'),
  },
  {
    name: 'MODIFY to a stamp that is not a string',
    change: modify(stamped(A, V1), { ...B, _ddbr_v: { N: '2' } }),
    expected: app('unstamped', undefined),
  },
  {
    name: 'MODIFY stamp raised, digest missing (app wrote a stamp)',
    change: modify(stamped(A, V1), { ...B, _ddbr_v: { S: V2 } }),
    expected: app('content-not-stamped', V2),
  },

  // REMOVE: an echo only when the replicators marked the item DELETING first.
  { name: 'REMOVE unstamped', change: remove(A), expected: appDelete(false, undefined) },
  { name: 'REMOVE stamped', change: remove(stamped(A, V1)), expected: appDelete(false, V1) },
  { name: 'REMOVE of a copy', change: remove(copied(B, stamped(A, V1))), expected: appDelete(false, V1) },
  {
    name: 'REMOVE marked DELETING (replicated delete)',
    change: remove(deleting(A, V2)),
    expected: echo('replicated-delete'),
  },
  {
    name: 'REMOVE with DELETING but no stamp',
    change: remove({ ...A, _ddbr_h: { S: DELETING } }),
    expected: appDelete(false, undefined),
  },
  { name: 'TTL REMOVE stamped', change: remove(stamped(A, V1), true), expected: appDelete(true, V1) },
  { name: 'TTL REMOVE unstamped', change: remove(A, true), expected: appDelete(true, undefined) },
  {
    name: 'TTL REMOVE marked DELETING',
    change: remove(deleting(A, V2), true),
    expected: echo('replicated-delete'),
  },
];

describe('classifyChange', () => {
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(classifyChange(c.change, markers, c.tombstone), c.expected);
      // The tombstone is asked for exactly where it decides.
      assert.equal(needsTombstone(c.change, markers), c.tombstone !== undefined);
    });
  }

  test('an INSERT that matches its stamp without the tombstone read is a programmer error', () => {
    assert.throws(() => classifyChange(insert(stamped(A, V1)), markers), TypeError);
  });

  test('MODIFY and REMOVE without an old image: the stream is not NEW_AND_OLD_IMAGES', () => {
    assert.throws(
      () => classifyChange({ eventName: 'MODIFY', newImage: stamped(A, V2) }, markers),
      (err: unknown) => err instanceof MalformedRecordError && err.message.includes('NEW_AND_OLD_IMAGES'),
    );
    assert.throws(
      () => classifyChange({ eventName: 'REMOVE', newImage: undefined }, markers),
      MalformedRecordError,
    );
    assert.throws(
      () => classifyChange({ eventName: 'INSERT', newImage: undefined }, markers),
      MalformedRecordError,
    );
  });

  test("another prefix: the default markers are the app's own attributes", () => {
    const other = markerNames('rep');
    assert.deepEqual(classifyChange(modify(A, stamped(A, V1)), other), app('unstamped', undefined));
  });
});
