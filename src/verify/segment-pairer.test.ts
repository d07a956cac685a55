import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SegmentPairer } from './segment-pairer.js';

const item = (k: string, v = 'x') => ({ pk: { S: k }, v: { S: v } });
const keys = (items: readonly { pk?: { S?: string } }[]) => items.map((i) => i.pk?.S);

describe('SegmentPairer: pairs the same segment of both scans, looks up what finds no partner', () => {
  test('pages in the same order pair up with nothing left waiting', () => {
    const p = new SegmentPairer(['pk'], { items: 10, bytes: 1e6 });
    const a = p.add('source', [item('a'), item('b')]);
    assert.deepEqual([a.pairs.length, a.sourceLookups.length], [0, 0]);
    const b = p.add('destination', [item('b', 'y'), item('a'), item('c')]);
    assert.deepEqual(
      b.pairs.map(([s, d]) => [s.pk?.S, d.pk?.S, d.v?.S]),
      [
        ['b', 'b', 'y'],
        ['a', 'a', 'x'],
      ],
    );
    assert.equal(p.waiting, 1);
    const c = p.add('source', [item('c')]);
    assert.deepEqual(keys(c.pairs.map(([s]) => s)), ['c']);
    assert.equal(p.waiting, 0);
  });

  test('a finished side hands the other side its waiting items and every later one for lookup', () => {
    const p = new SegmentPairer(['pk'], { items: 10, bytes: 1e6 });
    p.add('source', [item('a'), item('b')]);
    p.add('destination', [item('a'), item('z')]);
    const finished = p.finish('source');
    assert.deepEqual(keys(finished.destinationLookups), ['z']);
    const later = p.add('destination', [item('b'), item('y')]);
    assert.deepEqual(keys(later.pairs.map(([s]) => s)), ['b']);
    assert.deepEqual(keys(later.destinationLookups), ['y']);
    const end = p.finish('destination');
    assert.deepEqual([end.sourceLookups.length, p.waiting], [0, 0]);
  });

  test('a side past twice the limit looks its oldest items up; ahead() holds a side that runs ahead', () => {
    const p = new SegmentPairer(['pk'], { items: 2, bytes: 1e6 });
    p.add('source', [item('a'), item('b')]);
    assert.equal(p.ahead('source'), true);
    assert.equal(p.ahead('destination'), false);
    const over = p.add('source', [item('c'), item('d'), item('e')]);
    assert.deepEqual(keys(over.sourceLookups), ['a']);
    p.add('destination', [item('q'), item('r')]);
    // Both sides ahead: the scans do not line up, so neither waits.
    assert.deepEqual([p.ahead('source'), p.ahead('destination')], [false, false]);
    p.finish('destination');
    assert.equal(p.ahead('source'), false);
  });

  test('the byte limit holds back a side of few large items', () => {
    const p = new SegmentPairer(['pk'], { items: 1000, bytes: 100 });
    p.add('source', [item('a', 'x'.repeat(60))]);
    assert.equal(p.ahead('source'), false);
    const over = p.add('source', [item('b', 'x'.repeat(60)), item('c', 'x'.repeat(100))]);
    assert.equal(p.ahead('source'), true);
    assert.deepEqual(keys(over.sourceLookups), ['a']);
  });
});
