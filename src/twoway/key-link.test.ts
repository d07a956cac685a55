import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemKey } from '../buffer/item-key.js';
import type { ChangeEvent, Item } from '../stream/change-record.js';
import type { ChangeImages } from './echo.js';
import {
  isLinkItem,
  LINK,
  linkFor,
  linkKey,
  linkOf,
  mayTakeLink,
  takeLink,
  writeLink,
  type KeyLink,
} from './key-link.js';
import { DELETING, digestOf, markerNames, stampImage } from './markers.js';
import { tombstoneKey } from './tombstone.js';

const markers = markerNames();
const KEYS: Item = { pk: { S: 'k' } };
const W1: Item = { ...KEYS, n: { N: '1' } };
const W2: Item = { ...KEYS, n: { N: '2' } };
const V0 = stampImage({ ...KEYS, n: { N: '0' } }, markers, '1764720000000.0001#a');
const THEIRS = '1764720000005.0000#b';
const mark = (content: Item): Item => ({ ...content, _ddbr_v: { S: THEIRS }, _ddbr_h: { S: DELETING } });
const copied = (content: Item): Item => ({ ...content, _ddbr_v: V0._ddbr_v!, _ddbr_h: V0._ddbr_h! });

/** The item an UpdateItem of writeLink leaves on an empty key (its SET values under their names). */
function written(input: ReturnType<typeof writeLink>): Item {
  const item: Item = { ...input.Key };
  const names = input.ExpressionAttributeNames ?? {};
  const values = input.ExpressionAttributeValues ?? {};
  const sets = /^SET (.*) REMOVE/.exec(input.UpdateExpression ?? '')?.[1] ?? '';
  for (const part of sets.split(', ')) {
    const [name = '', value = ''] = part.split(' = ');
    const attribute = names[name];
    const v = values[value];
    if (attribute !== undefined && v !== undefined) item[attribute] = v;
  }
  return item;
}

describe('the link item', () => {
  test('its key is the item key behind a prefix no tombstone key has', () => {
    const key = linkKey(KEYS, ['pk']);
    assert.equal(key.k?.S, `${LINK.prefix}${itemKey(KEYS, ['pk'])}`);
    assert.notEqual(key.k?.S, tombstoneKey(KEYS, ['pk']).k?.S);
    assert.equal(isLinkItem(key), true);
    assert.equal(isLinkItem(tombstoneKey(KEYS, ['pk'])), false);
    // Every form an item key takes (S, N, B hash keys; a JSON array for hash and range) starts elsewhere.
    for (const keys of [{ pk: { N: '5' } }, { pk: { B: new Uint8Array([126]) } }, { pk: { S: '~x' } }])
      assert.equal(isLinkItem(tombstoneKey(keys, ['pk'])), false, JSON.stringify(keys));
    assert.equal(isLinkItem(tombstoneKey({ pk: { S: 'a' }, sk: { N: '1' } }, ['pk', 'sk'])), false);
  });

  test('written and read back: the same link, untaken, expiring a horizon after it was made', () => {
    const link = { kind: 'gone', follows: digestOf(W1, markers), replaced: V0 } as const;
    const input = writeLink('t-tombstones', KEYS, ['pk'], link, 1_764_720_000_000, 3_600_000);
    assert.equal(input.TableName, 't-tombstones');
    // A link made again (a replay of the flush that made it) is untaken again.
    assert.match(input.UpdateExpression ?? '', / REMOVE #by$/);
    const item = written(input);
    assert.deepEqual(linkOf(item), { ...link, takenBy: undefined });
    assert.equal(item[LINK.expires]?.N, String(1_764_720_000 + 3_600));
    assert.deepEqual(item[LINK.itemKeys], { M: KEYS });
    assert.deepEqual(linkOf({ ...item, [LINK.takenBy]: { S: '000123' } })?.takenBy, '000123');
  });

  test('a missing or partial item is no link', () => {
    const item = written(writeLink('t', KEYS, ['pk'], { kind: 'over', follows: 'd', replaced: V0 }, 0, 1000));
    assert.equal(linkOf(undefined), undefined);
    for (const attribute of [LINK.kind, LINK.follows, LINK.replaced]) {
      const partial = Object.fromEntries(Object.entries(item).filter(([name]) => name !== attribute));
      assert.equal(linkOf(partial), undefined, attribute);
    }
    assert.equal(linkOf({ ...item, [LINK.kind]: { S: 'other' } }), undefined);
  });

  test('taking it writes the record and never re-creates an expired link', () => {
    const input = takeLink('t', KEYS, ['pk'], '000777');
    assert.deepEqual(input.Key, linkKey(KEYS, ['pk']));
    assert.equal(input.ExpressionAttributeValues?.[':by']?.S, '000777');
    assert.equal(input.ConditionExpression, 'attribute_exists(#d)');
    assert.equal(input.ExpressionAttributeNames?.['#d'], LINK.follows);
  });
});

describe('mayTakeLink: which records read their key link', () => {
  const images: [string, Item | undefined][] = [
    ['none', undefined],
    ['unstamped', W1],
    ['stamped', V0],
    ['copying markers', copied(W2)],
    ['marked', mark(W1)],
  ];
  const events: ChangeEvent[] = ['INSERT', 'MODIFY', 'REMOVE'];
  for (const eventName of events)
    for (const [oldName, oldImage] of images)
      for (const [newName, newImage] of images) {
        // A MODIFY from a content that is not a stamped version into one that is not either.
        const expected =
          eventName === 'MODIFY' &&
          oldImage !== undefined &&
          oldName !== 'stamped' &&
          newName !== 'stamped' &&
          newImage !== undefined;
        test(`${eventName}, old ${oldName}, new ${newName}: ${expected ? 'reads' : 'does not read'}`, () =>
          assert.equal(mayTakeLink({ eventName, oldImage, newImage }, markers), expected));
      }
});

describe('linkFor: the link holds for the record it was made for', () => {
  const link: KeyLink = { kind: 'over', follows: digestOf(W1, markers), replaced: V0 };
  const next = (
    oldImage: Item,
    newImage: Item,
    sequenceNumber = '0200',
  ): ChangeImages & {
    sequenceNumber: string;
  } => ({ eventName: 'MODIFY', oldImage, newImage, sequenceNumber });

  test('the next app write over the refused content', () =>
    assert.equal(linkFor(link, next(W1, W2), markers), link));
  test("the other side's delete mark over it", () =>
    assert.equal(linkFor(link, next(W1, mark(W1)), markers), link));
  test('over the refused content that copied markers', () => {
    const made: KeyLink = { ...link, follows: digestOf(copied(W1), markers) };
    assert.equal(linkFor(made, next(copied(W1), W2), markers), made);
  });
  test('a record over another content: not for it', () =>
    assert.equal(linkFor(link, next(W2, W1), markers), undefined));
  test('a stamp of the refused content: not for it', () =>
    assert.equal(linkFor(link, next(W1, stampImage(W1, markers, THEIRS)), markers), undefined));
  test('no link', () => assert.equal(linkFor(undefined, next(W1, W2), markers), undefined));
  test('taken by this very record (a replay): holds', () => {
    const taken = { ...link, takenBy: '0200' };
    assert.equal(linkFor(taken, next(W1, W2, '0200'), markers), taken);
  });
  test('taken by another record: not for this one', () =>
    assert.equal(linkFor({ ...link, takenBy: '0100' }, next(W1, W2, '0300'), markers), undefined));
});
