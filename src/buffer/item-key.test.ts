import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemKey, normalizeNumber } from './item-key.js';

describe('normalizeNumber', () => {
  const cases: [string, string][] = [
    ['1.50', '15e-1'],
    ['15e-1', '15e-1'],
    ['+1.5', '15e-1'],
    ['1.5', '15e-1'],
    ['0.15E1', '15e-1'],
    ['0.0', '0'],
    ['0', '0'],
    ['-0', '0'],
    ['+0', '0'],
    ['-0.000e10', '0'],
    ['00012', '12e0'],
    ['12', '12e0'],
    ['1E+3', '1e3'],
    ['1e3', '1e3'],
    ['1000', '1e3'],
    ['1000.000', '1e3'],
    ['0.001', '1e-3'],
    ['.5', '5e-1'],
    ['-1.50', '-15e-1'],
    ['-1000', '-1e3'],
    ['-0.001', '-1e-3'],
    ['-1E-130', '-1e-130'],
    ['9.9999999999999999999999999999999999999E+125', '99999999999999999999999999999999999999e88'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678e0'],
    ['-12345678901234567890123456789012345678', '-12345678901234567890123456789012345678e0'],
    ['1.2345678901234567890123456789012345678', '12345678901234567890123456789012345678e-37'],
    ['10000000000000000000000000000000000000', '1e37'],
    [' 42 ', '42e0'],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} -> ${expected}`, () => {
      assert.equal(normalizeNumber(input), expected);
    });
  }

  test('38-digit numbers that differ in the last digit stay different', () => {
    assert.notEqual(
      normalizeNumber('12345678901234567890123456789012345678'),
      normalizeNumber('12345678901234567890123456789012345679'),
    );
  });

  test('equal values written differently give one form', () => {
    const forms = ['1.50', '15e-1', '+1.5', '0.15e1', '150E-2', '001.5000'].map(normalizeNumber);
    assert.equal(new Set(forms).size, 1);
  });

  test('a number and its negation differ', () => {
    assert.notEqual(normalizeNumber('1.5'), normalizeNumber('-1.5'));
  });

  for (const input of [
    'abc',
    '1.2.3',
    '1e',
    '1e+',
    '--1',
    '+-1',
    '0x10',
    'NaN',
    'Infinity',
    '1,000',
    '1 000',
    '1e1.5',
  ]) {
    test(`${JSON.stringify(input)} throws`, () => {
      assert.throws(() => normalizeNumber(input), TypeError);
    });
  }

  // Every part of the pattern is optional, so inputs without a digit must be refused explicitly.
  for (const input of ['', ' ', '.', '+', '-', 'e5']) {
    test(`${JSON.stringify(input)} throws`, () => {
      assert.throws(() => normalizeNumber(input), TypeError);
    });
  }
});

describe('itemKey', () => {
  test('a string key', () => {
    assert.equal(itemKey({ pk: { S: 'abc' } }, ['pk']), itemKey({ pk: { S: 'abc' } }, ['pk']));
    assert.notEqual(itemKey({ pk: { S: 'abc' } }, ['pk']), itemKey({ pk: { S: 'abd' } }, ['pk']));
  });

  test('a number key is compared by value', () => {
    assert.equal(itemKey({ pk: { N: '1.50' } }, ['pk']), itemKey({ pk: { N: '1.5' } }, ['pk']));
    assert.equal(itemKey({ pk: { N: '1' } }, ['pk']), itemKey({ pk: { N: '1.0' } }, ['pk']));
    assert.notEqual(itemKey({ pk: { N: '1' } }, ['pk']), itemKey({ pk: { N: '10' } }, ['pk']));
  });

  test('a binary key is compared by its bytes', () => {
    const a = itemKey({ pk: { B: new Uint8Array([1, 2, 3]) } }, ['pk']);
    assert.equal(a, itemKey({ pk: { B: new Uint8Array([1, 2, 3]) } }, ['pk']));
    assert.equal(a, itemKey({ pk: { B: Buffer.from([1, 2, 3]) } }, ['pk']));
    assert.notEqual(a, itemKey({ pk: { B: new Uint8Array([1, 2, 4]) } }, ['pk']));
    assert.notEqual(a, itemKey({ pk: { B: new Uint8Array([1, 2]) } }, ['pk']));
  });

  test('the same text in different types gives different keys', () => {
    const s = itemKey({ pk: { S: '1' } }, ['pk']);
    const n = itemKey({ pk: { N: '1' } }, ['pk']);
    assert.notEqual(s, n);
    const bytes = new Uint8Array([1, 2]);
    const base64 = Buffer.from(bytes).toString('base64');
    assert.notEqual(itemKey({ pk: { B: bytes } }, ['pk']), itemKey({ pk: { S: base64 } }, ['pk']));
    // A string that looks like the encoding of a number is still a string.
    assert.notEqual(itemKey({ pk: { S: '1e0' } }, ['pk']), n);
  });

  test('a composite key uses both attributes', () => {
    const key = (pk: string, sk: string): string => itemKey({ pk: { S: pk }, sk: { N: sk } }, ['pk', 'sk']);
    assert.equal(key('a', '1'), key('a', '1.0'));
    assert.notEqual(key('a', '1'), key('a', '2'));
    assert.notEqual(key('a', '1'), key('b', '1'));
  });

  test('parts of a composite key cannot run into each other', () => {
    const key = (pk: string, sk: string): string => itemKey({ pk: { S: pk }, sk: { S: sk } }, ['pk', 'sk']);
    assert.notEqual(key('ab', 'c'), key('a', 'bc'));
    assert.notEqual(key('aSb', 'c'), key('a', 'bSc'));
  });

  test('the order of key attributes is the given order, not the record’s', () => {
    const record = { sk: { S: 'x' }, pk: { S: 'y' } };
    const swapped = { pk: { S: 'y' }, sk: { S: 'x' } };
    assert.equal(itemKey(record, ['pk', 'sk']), itemKey(swapped, ['pk', 'sk']));
    assert.notEqual(itemKey({ pk: { S: 'x' }, sk: { S: 'y' } }, ['pk', 'sk']), itemKey(record, ['pk', 'sk']));
  });

  test('attributes that are not part of the key are ignored', () => {
    assert.equal(
      itemKey({ pk: { S: 'a' }, other: { S: 'x' } }, ['pk']),
      itemKey({ pk: { S: 'a' }, other: { S: 'y' } }, ['pk']),
    );
  });

  test('a missing key attribute throws and names it', () => {
    assert.throws(() => itemKey({ pk: { S: 'a' } }, ['pk', 'sk']), {
      name: 'TypeError',
      message: /\bsk\b/,
    });
  });

  test('a key attribute of another type throws', () => {
    assert.throws(() => itemKey({ pk: { BOOL: true } }, ['pk']), TypeError);
  });

  test('an invalid number in a key throws', () => {
    assert.throws(() => itemKey({ pk: { N: 'abc' } }, ['pk']), TypeError);
  });

  test('an empty string key is a key of its own', () => {
    assert.notEqual(itemKey({ pk: { S: '' } }, ['pk']), itemKey({ pk: { S: ' ' } }, ['pk']));
  });
});
