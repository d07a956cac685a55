import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globMistake, isGlob, tableMatcher } from './table-glob.js';

describe('isGlob', () => {
  test('a name, a name with dots and dashes, and an ARN are single tables', () => {
    for (const name of ['orders', 'my.table-1_x', 'arn:aws:dynamodb:us-east-1:123456789012:table/orders']) {
      assert.equal(isGlob(name), false, name);
    }
  });
  test('any glob character makes a glob, a broken one too', () => {
    for (const pattern of ['audit-*', 'a?c', '[ab]x', 'x-{a,b}', 'audit-{a', 'x]']) {
      assert.equal(isGlob(pattern), true, pattern);
    }
  });
});

describe('globMistake', () => {
  test('usable globs have none', () => {
    for (const pattern of [
      'audit-*',
      'a?c',
      '[ab]-x',
      '[^t]*',
      '[a-c]x',
      'x-{a,b}',
      '*',
      'orders',
      'x.{a,b}*',
    ]) {
      assert.equal(globMistake(pattern), undefined, pattern);
    }
  });
  test('characters no table name has', () => {
    for (const pattern of ['a/b*', 'a b*', 'a\\b*', 'x(y)*', 'a|b', '@(a)', 'a+*', 'a!*']) {
      assert.match(globMistake(pattern) ?? '', /^may hold only the characters of table names/, pattern);
    }
  });
  test('a leading ! (negation) points at exclude', () => {
    assert.match(globMistake('!audit-*') ?? '', /list the names to leave out under source\.exclude/);
  });
  test('[!...] (which picomatch does not read as a negated class) points at [^...]', () => {
    assert.equal(globMistake('audit-[!a]*'), 'negates a class with [!...]: write [^...] instead');
  });
  test('unbalanced brackets and braces', () => {
    assert.equal(globMistake('audit-['), 'has a [ that is never closed');
    assert.equal(globMistake('audit-{a'), 'has a { that is never closed');
    assert.equal(globMistake('audit-{a,b'), 'has a { that is never closed');
    assert.equal(globMistake('audit-]'), 'has a ] that closes no [');
    assert.equal(globMistake('audit-}'), 'has a } that closes no {');
    assert.equal(globMistake('a-{b]'), 'has a ] that closes no [');
  });
});

describe('tableMatcher', () => {
  test('star, question mark, classes and braces over table names', () => {
    const names = ['audit-a', 'audit-b', 'audit-tmp-1', 'orders', 'Audit-c', '.hidden', 'auditx'];
    const select = (...patterns: string[]) => names.filter(tableMatcher(patterns));
    assert.deepEqual(select('audit-*'), ['audit-a', 'audit-b', 'audit-tmp-1']);
    assert.deepEqual(select('audit-?'), ['audit-a', 'audit-b']);
    assert.deepEqual(select('audit-[a]'), ['audit-a']);
    assert.deepEqual(select('audit-[^a]'), ['audit-b']);
    assert.deepEqual(select('audit-[a-b]'), ['audit-a', 'audit-b']);
    assert.deepEqual(select('{orders,auditx}'), ['orders', 'auditx']);
    assert.deepEqual(select('*'), names, 'a star matches names starting with a dot too');
    assert.deepEqual(select('audit-tmp-*', 'orders'), ['audit-tmp-1', 'orders']);
    assert.deepEqual(select('orders'), ['orders'], 'a plain name matches itself only');
    assert.deepEqual(select('audit-*').includes('Audit-c'), false, 'case matters, as in table names');
  });
  test('no patterns match nothing', () => {
    assert.equal(tableMatcher([])('orders'), false);
  });
});
