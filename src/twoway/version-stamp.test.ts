import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_COUNTER,
  MAX_MS,
  compareMaybeStamps,
  compareStamps,
  formatStamp,
  parseStamp,
  type Version,
} from './version-stamp.js';

describe('formatStamp / parseStamp', () => {
  const cases: [Version, string][] = [
    [{ ms: 1764720000000, counter: 3, side: 'a' }, '1764720000000.0003#a'],
    [{ ms: 0, counter: 0, side: 'b' }, '0000000000000.0000#b'],
    [{ ms: 5, counter: 42, side: 'a' }, '0000000000005.0042#a'],
    [{ ms: MAX_MS, counter: MAX_COUNTER, side: 'b' }, '9999999999999.9999#b'],
  ];
  for (const [version, stamp] of cases) {
    test(`${JSON.stringify(version)} <-> ${stamp}`, () => {
      assert.equal(formatStamp(version), stamp);
      assert.deepEqual(parseStamp(stamp), version);
    });
  }

  test('values a stamp cannot hold are refused, not written out of order', () => {
    assert.throws(() => formatStamp({ ms: MAX_MS + 1, counter: 0, side: 'a' }), RangeError);
    assert.throws(() => formatStamp({ ms: -1, counter: 0, side: 'a' }), RangeError);
    assert.throws(() => formatStamp({ ms: 1.5, counter: 0, side: 'a' }), RangeError);
    assert.throws(() => formatStamp({ ms: 1, counter: MAX_COUNTER + 1, side: 'a' }), RangeError);
    assert.throws(() => formatStamp({ ms: 1, counter: -1, side: 'a' }), RangeError);
    assert.throws(() => formatStamp({ ms: 1, counter: 0, side: 'c' as 'a' }), RangeError);
  });

  for (const text of [
    '',
    'hello',
    '1764720000000.0003',
    '1764720000000.0003#c',
    '176472000000.0003#a',
    '17647200000000.0003#a',
    '1764720000000.003#a',
    '1764720000000.0003#a ',
    '1764720000000-0003#a',
  ]) {
    test(`${JSON.stringify(text)} is not a version`, () => {
      assert.equal(parseStamp(text), undefined);
    });
  }
});

describe('compareStamps: string order is (ms, counter, side) order', () => {
  const ordered: Version[] = [
    { ms: 0, counter: 0, side: 'a' },
    { ms: 0, counter: 0, side: 'b' },
    { ms: 0, counter: 1, side: 'a' },
    { ms: 0, counter: 9, side: 'b' },
    { ms: 0, counter: 10, side: 'a' },
    { ms: 0, counter: MAX_COUNTER, side: 'b' },
    { ms: 1, counter: 0, side: 'a' },
    { ms: 9, counter: 5, side: 'b' },
    { ms: 10, counter: 0, side: 'a' },
    { ms: 1764720000000, counter: 0, side: 'b' },
    { ms: 1764720000001, counter: 0, side: 'a' },
    { ms: MAX_MS, counter: MAX_COUNTER, side: 'b' },
  ];
  test('every pair of versions compares as its tuple', () => {
    for (const [i, x] of ordered.entries()) {
      for (const [j, y] of ordered.entries()) {
        assert.equal(compareStamps(formatStamp(x), formatStamp(y)), Math.sign(i - j), `${i} vs ${j}`);
      }
    }
  });

  test('a tie in (ms, counter) is broken by side: b above a', () => {
    assert.equal(compareStamps('1764720000000.0003#b', '1764720000000.0003#a'), 1);
  });

  test('any strings compare by UTF-8 bytes as DynamoDB does, where UTF-16 order differs', () => {
    // U+FF5E is above U+1F600 in UTF-16 units (0xFF5E > 0xD83D) but below it in UTF-8 bytes (EF < F0).
    assert.equal('\uff5e' < '\u{1f600}', false);
    assert.equal(compareStamps('\uff5e', '\u{1f600}'), -1);
    assert.equal(compareStamps('hello', '1764720000000.0003#a'), 1);
    assert.equal(compareStamps('same', 'same'), 0);
  });

  test('unstamped is below every stamp', () => {
    assert.equal(compareMaybeStamps(undefined, '0000000000000.0000#a'), -1);
    assert.equal(compareMaybeStamps('0000000000000.0000#a', undefined), 1);
    assert.equal(compareMaybeStamps(undefined, undefined), 0);
    assert.equal(compareMaybeStamps('', undefined), 1);
  });
});
