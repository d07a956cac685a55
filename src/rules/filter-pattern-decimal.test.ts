// Exact decimal parsing and ordering for numeric filter rules, including values a double cannot hold.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareDecimal, decimalOfNumber, parseDecimal, type Decimal } from './filter-pattern-decimal.js';

function dec(text: string): Decimal {
  const value = parseDecimal(text);
  assert.ok(value !== undefined, `${text} should parse`);
  return value;
}

const order = (a: string, b: string): number => compareDecimal(dec(a), dec(b));

describe('parseDecimal', () => {
  test('normalises zeros, signs and exponents', () => {
    assert.deepEqual(dec('0'), { sign: 0, digits: '', exponent: 0 });
    assert.deepEqual(dec('-0.000'), { sign: 0, digits: '', exponent: 0 });
    assert.deepEqual(dec('007.50'), { sign: 1, digits: '75', exponent: -1 });
    assert.deepEqual(dec('1200'), { sign: 1, digits: '12', exponent: 2 });
    assert.deepEqual(dec('-1.5E+3'), { sign: -1, digits: '15', exponent: 2 });
    assert.deepEqual(dec('.5'), { sign: 1, digits: '5', exponent: -1 });
    assert.deepEqual(dec('5.'), { sign: 1, digits: '5', exponent: 0 });
  });
  test('refuses what is not a number', () => {
    for (const text of [
      '',
      '-',
      '.',
      'abc',
      '1.2.3',
      '1e',
      ' 1',
      'NaN',
      'Infinity',
      '0x10',
      '1e99999999999999999',
    ]) {
      assert.equal(parseDecimal(text), undefined, text);
    }
  });
  test('JS numbers convert through their shortest text', () => {
    assert.equal(compareDecimal(decimalOfNumber(0.1) as Decimal, dec('0.1')), 0);
    assert.equal(decimalOfNumber(Number.NaN), undefined);
    assert.equal(decimalOfNumber(Infinity), undefined);
  });
});

describe('compareDecimal', () => {
  test('orders by sign, then magnitude, then digits', () => {
    assert.equal(order('-1', '1'), -1);
    assert.equal(order('0', '-0.1'), 1);
    assert.equal(order('10', '9.99'), 1);
    assert.equal(order('-10', '-9.99'), -1);
    assert.equal(order('0.01', '0.1'), -1);
    assert.equal(order('1.10', '1.1'), 0);
    assert.equal(order('1e2', '100'), 0);
    assert.equal(order('123', '124'), -1);
  });
  test('is exact at 38 digits', () => {
    const big = '12345678901234567890123456789012345678';
    assert.equal(order(big, '12345678901234567890123456789012345679'), -1);
    assert.equal(order(`-${big}`, '-12345678901234567890123456789012345679'), 1);
    assert.equal(order(big, '1.2345678901234567890123456789012345678E37'), 0);
    assert.equal(order('0.00000000000000000000000000000000000001', '0'), 1);
  });
});
