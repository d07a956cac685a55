import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CopySegment } from './bootstrap-items.js';
import { chooseSegmentsToTake, workersCopying } from './segment-decision.js';

function seg(segment: number, fields: Partial<CopySegment> = {}): CopySegment {
  return {
    segment,
    leaseOwner: undefined,
    leaseCounter: 0,
    lastEvaluatedKey: undefined,
    done: false,
    itemsCopied: 0,
    bytesCopied: 0,
    ...fields,
  };
}

const none = new Set<number>();
const take = (input: Partial<Parameters<typeof chooseSegmentsToTake>[0]> & { segments: CopySegment[] }) =>
  chooseSegmentsToTake({ workerId: 'me', held: none, expired: none, slots: 8, ...input }).map(
    (s) => s.segment,
  );

test('unowned segments are taken, lowest first, up to the free slots', () => {
  const segments = [seg(3), seg(0), seg(2), seg(1)];
  assert.deepEqual(take({ segments, slots: 2 }), [0, 1]);
  assert.deepEqual(take({ segments, slots: 3, held: new Set([9]) }), [0, 1]);
  assert.deepEqual(take({ segments, slots: 1, held: new Set([9]) }), []);
});

test('done segments and segments held here are never taken', () => {
  const segments = [seg(0, { done: true }), seg(1, { leaseOwner: 'me' }), seg(2)];
  assert.deepEqual(take({ segments, held: new Set([1]) }), [2]);
});

test("a live owner's segment is left alone; an expired one is taken after the unowned ones", () => {
  const segments = [seg(0, { leaseOwner: 'other' }), seg(1, { leaseOwner: 'gone' }), seg(2)];
  assert.deepEqual(take({ segments }), [2]);
  assert.deepEqual(take({ segments, expired: new Set([1]) }), [2, 1]);
  assert.deepEqual(take({ segments, expired: new Set([1]), slots: 1 }), [2]);
});

test("a segment under this worker's own name (a restart with the same id) is taken at once", () => {
  assert.deepEqual(take({ segments: [seg(4, { leaseOwner: 'me' })] }), [4]);
});

test('workers copying: live owners of unfinished segments, this worker when it holds any, at least 1', () => {
  const segments = [
    seg(0, { leaseOwner: 'a' }),
    seg(1, { leaseOwner: 'b' }),
    seg(2, { leaseOwner: 'c', done: true }),
    seg(3, { leaseOwner: 'dead' }),
    seg(4),
  ];
  assert.equal(workersCopying(segments, 'me', true, new Set([3])), 3);
  assert.equal(workersCopying(segments, 'a', true, new Set([3])), 2);
  assert.equal(workersCopying([], 'me', false, none), 1);
});
