import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeRecord } from '../stream/change-record.js';
import { splitByOverlap } from './flush-overlap.js';

function change(key: string): ChangeRecord {
  return {
    sequenceNumber: '100',
    eventName: 'MODIFY',
    keys: { pk: { S: key } },
    newImage: { pk: { S: key } },
    createdAtMs: undefined,
    sizeBytes: 10,
  };
}

function flush(keys: readonly string[]): Map<string, ChangeRecord> {
  return new Map(keys.map((key) => [key, change(key)]));
}

const keysOf = (changes: readonly ChangeRecord[]): string[] => changes.map((c) => c.keys.pk?.S ?? '?');

test('every change of a flush is either sent now or after the flush in flight, and only overlapping keys wait', () => {
  // Every subset of four keys against every subset of four (two shared): 256 pairs, all checked.
  const universe = ['a', 'b', 'c', 'd', 'e', 'f'];
  const subsets = (pool: readonly string[]): string[][] =>
    Array.from({ length: 1 << pool.length }, (_, mask) => pool.filter((_, i) => (mask & (1 << i)) !== 0));
  for (const nextKeys of subsets(universe.slice(0, 4))) {
    for (const inFlightKeys of subsets(universe.slice(2, 6))) {
      const { now, after } = splitByOverlap(flush(nextKeys), [flush(inFlightKeys)]);
      const label = `next [${nextKeys.join()}] in flight [${inFlightKeys.join()}]`;
      assert.deepEqual(
        keysOf(after),
        nextKeys.filter((k) => inFlightKeys.includes(k)),
        label,
      );
      assert.deepEqual(
        keysOf(now),
        nextKeys.filter((k) => !inFlightKeys.includes(k)),
        label,
      );
    }
  }
});

test('with nothing in flight the whole flush goes now, in its order', () => {
  const next = flush(['c', 'a', 'b']);
  assert.deepEqual(keysOf(splitByOverlap(next, []).now), ['c', 'a', 'b']);
  assert.deepEqual(splitByOverlap(next, []).after, []);
  assert.deepEqual(keysOf(splitByOverlap(next, [new Map()]).now), ['c', 'a', 'b']);
});

test('the changes are the flush’s own records, not copies', () => {
  const next = flush(['a', 'b']);
  const { now, after } = splitByOverlap(next, [flush(['b'])]);
  assert.equal(now[0], next.get('a'));
  assert.equal(after[0], next.get('b'));
});

test('a key waits when any of the flushes in flight writes it, not only the last one', () => {
  const { now, after } = splitByOverlap(flush(['a', 'b', 'c', 'd']), [flush(['a']), flush(['x', 'c'])]);
  assert.deepEqual(keysOf(after), ['a', 'c']);
  assert.deepEqual(keysOf(now), ['b', 'd']);
});
