// Matching semantics of --filter patterns against stream records: each operator matching and not matching,
// AND across fields, OR within a list and across patterns, exists, nesting in M and L, and numbers held as N strings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import { compileFilter, parseFilterPattern, type RecordView } from './filter-pattern.js';

function matcher(pattern: unknown): (record: RecordView) => boolean {
  return compileFilter(parseFilterPattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern)));
}

function record(
  newImage: Item | undefined,
  extra: Partial<RecordView['dynamodb']> & { eventName?: string } = {},
) {
  const { eventName = 'MODIFY', ...images } = extra;
  return { eventName, dynamodb: { Keys: { pk: { S: 'user#1' } }, NewImage: newImage, ...images } };
}

/** A matcher on one NewImage attribute of one type: rules is the leaf list. */
function onNew(attribute: string, type: string, rules: unknown[]): (item: Item) => boolean {
  const match = matcher({ dynamodb: { NewImage: { [attribute]: { [type]: rules } } } });
  return (item) => match(record(item));
}

const s = (value: string): Item[string] => ({ S: value });
const n = (value: string): Item[string] => ({ N: value });

describe('filter pattern: equality and OR within a list', () => {
  const status = onNew('status', 'S', ['active', 'pending']);
  test('a value in the list matches', () => {
    assert.equal(status({ status: s('active') }), true);
    assert.equal(status({ status: s('pending') }), true);
  });
  test('a value not in the list, another case, or another type does not match', () => {
    assert.equal(status({ status: s('closed') }), false);
    assert.equal(status({ status: s('Active') }), false);
    assert.equal(status({ status: n('1') }), false);
  });
  test('an absent attribute or absent image does not match', () => {
    assert.equal(status({ other: s('active') }), false);
    assert.equal(status(undefined as unknown as Item), false);
  });
  test('the empty string matches only the empty string', () => {
    const empty = onNew('note', 'S', ['']);
    assert.equal(empty({ note: s('') }), true);
    assert.equal(empty({ note: s(' ') }), false);
  });
  test('eventName equality', () => {
    const inserts = matcher({ eventName: ['INSERT', 'REMOVE'] });
    assert.equal(inserts(record({}, { eventName: 'INSERT' })), true);
    assert.equal(inserts(record({}, { eventName: 'REMOVE' })), true);
    assert.equal(inserts(record({}, { eventName: 'MODIFY' })), false);
  });
});

describe('filter pattern: AND across fields, OR across patterns', () => {
  const both = matcher({ eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['active'] } } } });
  test('all fields must match', () => {
    assert.equal(both(record({ status: s('active') }, { eventName: 'INSERT' })), true);
    assert.equal(both(record({ status: s('active') }, { eventName: 'MODIFY' })), false);
    assert.equal(both(record({ status: s('closed') }, { eventName: 'INSERT' })), false);
  });
  test('a list of patterns matches when any pattern matches', () => {
    const either = matcher([
      { eventName: ['REMOVE'] },
      { dynamodb: { NewImage: { status: { S: ['active'] } } } },
    ]);
    assert.equal(either(record(undefined, { eventName: 'REMOVE' })), true);
    assert.equal(either(record({ status: s('active') })), true);
    assert.equal(either(record({ status: s('closed') })), false);
  });
  test('Keys, NewImage and OldImage are matched together', () => {
    const move = matcher({
      dynamodb: {
        Keys: { pk: { S: [{ prefix: 'user#' }] } },
        OldImage: { status: { S: ['pending'] } },
        NewImage: { status: { S: ['active'] } },
      },
    });
    const old: Item = { status: s('pending') };
    assert.equal(move(record({ status: s('active') }, { OldImage: old })), true);
    assert.equal(move(record({ status: s('active') }, { OldImage: { status: s('active') } })), false);
    assert.equal(move(record({ status: s('active') }, { OldImage: old, Keys: { pk: s('org#1') } })), false);
  });
});

describe('filter pattern: string operators', () => {
  test('prefix and suffix, with and without ignoring case', () => {
    const prefix = onNew('id', 'S', [{ prefix: 'ord-' }]);
    assert.equal(prefix({ id: s('ord-17') }), true);
    assert.equal(prefix({ id: s('ORD-17') }), false);
    const prefixAnyCase = onNew('id', 'S', [{ prefix: { 'equals-ignore-case': 'ORD-' } }]);
    assert.equal(prefixAnyCase({ id: s('ord-17') }), true);
    assert.equal(prefixAnyCase({ id: s('inv-17') }), false);
    const suffix = onNew('file', 'S', [{ suffix: '.png' }]);
    assert.equal(suffix({ file: s('a.png') }), true);
    assert.equal(suffix({ file: s('a.PNG') }), false);
    const suffixAnyCase = onNew('file', 'S', [{ suffix: { 'equals-ignore-case': '.png' } }]);
    assert.equal(suffixAnyCase({ file: s('a.PNG') }), true);
    assert.equal(suffixAnyCase({ file: s('a.jpg') }), false);
  });
  test('equals-ignore-case', () => {
    const state = onNew('state', 'S', [{ 'equals-ignore-case': 'Active' }]);
    assert.equal(state({ state: s('ACTIVE') }), true);
    assert.equal(state({ state: s('active') }), true);
    assert.equal(state({ state: s('inactive') }), false);
  });
  test('prefix does not match a number attribute by its digits', () => {
    assert.equal(onNew('qty', 'S', [{ prefix: '1' }])({ qty: n('12') }), false);
  });
});

describe('filter pattern: anything-but', () => {
  test('one value, a list, and an absent field', () => {
    const notClosed = onNew('status', 'S', [{ 'anything-but': 'closed' }]);
    assert.equal(notClosed({ status: s('open') }), true);
    assert.equal(notClosed({ status: s('closed') }), false);
    assert.equal(notClosed({}), false);
    const neither = onNew('status', 'S', [{ 'anything-but': ['closed', 'deleted'] }]);
    assert.equal(neither({ status: s('open') }), true);
    assert.equal(neither({ status: s('deleted') }), false);
  });
  test('prefix, suffix and ignore-case forms', () => {
    const notUs = onNew('region', 'S', [{ 'anything-but': { prefix: 'us-' } }]);
    assert.equal(notUs({ region: s('eu-west-1') }), true);
    assert.equal(notUs({ region: s('us-east-1') }), false);
    const notPng = onNew('file', 'S', [{ 'anything-but': { suffix: '.png' } }]);
    assert.equal(notPng({ file: s('a.jpg') }), true);
    assert.equal(notPng({ file: s('a.png') }), false);
    const notInit = onNew('state', 'S', [{ 'anything-but': { 'equals-ignore-case': ['Init', 'DONE'] } }]);
    assert.equal(notInit({ state: s('running') }), true);
    assert.equal(notInit({ state: s('INIT') }), false);
    assert.equal(notInit({ state: s('done') }), false);
  });
  test('numbers are compared as numbers on N attributes', () => {
    const notZero = onNew('qty', 'N', [{ 'anything-but': [0, 100] }]);
    assert.equal(notZero({ qty: n('5') }), true);
    assert.equal(notZero({ qty: n('0.0') }), false);
    assert.equal(notZero({ qty: n('1E2') }), false);
  });
});

describe('filter pattern: numeric on N strings', () => {
  test('a range with > and <=', () => {
    const range = onNew('qty', 'N', [{ numeric: ['>', 0, '<=', 5] }]);
    for (const [value, expected] of [
      ['0', false],
      ['0.000001', true],
      ['5', true],
      ['5.0', true],
      ['5.0000000001', false],
      ['-3', false],
    ] as const) {
      assert.equal(range({ qty: n(value) }), expected, value);
    }
  });
  test('each operator alone', () => {
    const cases: [string, string, boolean][] = [
      ['<', '9', true],
      ['<', '10', false],
      ['<=', '10', true],
      ['=', '10.00', true],
      ['=', '10.01', false],
      ['>=', '10', true],
      ['>', '10', false],
      ['>', '10.5', true],
    ];
    for (const [operator, value, expected] of cases) {
      assert.equal(
        onNew('v', 'N', [{ numeric: [operator, 10] }])({ v: n(value) }),
        expected,
        `${value} ${operator} 10`,
      );
    }
  });
  test('negative and decimal values and bounds', () => {
    const below = onNew('t', 'N', [{ numeric: ['>=', -2.5, '<', -0.5] }]);
    assert.equal(below({ t: n('-2.5') }), true);
    assert.equal(below({ t: n('-1') }), true);
    assert.equal(below({ t: n('-0.5') }), false);
    assert.equal(below({ t: n('-2.51') }), false);
    assert.equal(below({ t: n('0') }), false);
  });
  test('38-digit values compare exactly, beyond double precision', () => {
    const big = '12345678901234567890123456789012345678';
    const pattern = `{"dynamodb":{"NewImage":{"id":{"N":[{"numeric":[">=",${big}]}]}}}}`;
    const exact = matcher(pattern);
    assert.equal(exact(record({ id: n(big) })), true);
    assert.equal(exact(record({ id: n('12345678901234567890123456789012345677') })), false);
    assert.equal(exact(record({ id: n('12345678901234567890123456789012345679') })), true);
    assert.equal(exact(record({ id: n('1E+40') })), true);
    assert.equal(exact(record({ id: n(`-${big}`) })), false);
    const equal = matcher(`{"dynamodb":{"NewImage":{"id":{"N":[{"numeric":["=",${big}]}]}}}}`);
    assert.equal(equal(record({ id: n('12345678901234567890123456789012345679') })), false);
    assert.equal(equal(record({ id: n(`${big}.000`) })), true);
  });
  test('a number literal matches N by value; a string literal matches N by its exact text', () => {
    const byValue = onNew('qty', 'N', [101]);
    assert.equal(byValue({ qty: n('101') }), true);
    assert.equal(byValue({ qty: n('101.0') }), true);
    const byText = onNew('qty', 'N', ['101']);
    assert.equal(byText({ qty: n('101') }), true);
    assert.equal(byText({ qty: n('101.0') }), false);
  });
  test('numeric rules do not read S strings as numbers, and skip non-numbers', () => {
    assert.equal(onNew('qty', 'S', [{ numeric: ['>', 0] }])({ qty: s('5') }), false);
    assert.equal(onNew('qty', 'N', [{ numeric: ['>', 0] }])({ qty: s('5') }), false);
  });
  test('NS matches when any element is in range', () => {
    const any = onNew('scores', 'NS', [{ numeric: ['>', 90] }]);
    assert.equal(any({ scores: { NS: ['10', '95'] } }), true);
    assert.equal(any({ scores: { NS: ['10', '90'] } }), false);
  });
});

describe('filter pattern: exists', () => {
  test('exists true matches any present attribute, exists false only an absent one', () => {
    const has = onNew('email', 'S', [{ exists: true }]);
    assert.equal(has({ email: s('a@b') }), true);
    assert.equal(has({}), false);
    const hasNot = onNew('email', 'S', [{ exists: false }]);
    assert.equal(hasNot({}), true);
    assert.equal(hasNot({ email: s('a@b') }), false);
    assert.equal(hasNot(undefined as unknown as Item), true);
  });
  test('exists on the attribute itself (above its type) works too', () => {
    const deleted = matcher({ dynamodb: { NewImage: { deletedAt: [{ exists: true }] } } });
    assert.equal(deleted(record({ deletedAt: n('1700000000') })), true);
    assert.equal(deleted(record({})), false);
  });
  test('exists false in an OR with a value: absent or equal', () => {
    const optional = onNew('tier', 'S', [{ exists: false }, 'gold']);
    assert.equal(optional({}), true);
    assert.equal(optional({ tier: s('gold') }), true);
    assert.equal(optional({ tier: s('silver') }), false);
  });
});

describe('filter pattern: BOOL, NULL, B and nesting', () => {
  test('BOOL matches true and false literals, not strings', () => {
    const on = onNew('enabled', 'BOOL', [true]);
    assert.equal(on({ enabled: { BOOL: true } }), true);
    assert.equal(on({ enabled: { BOOL: false } }), false);
    assert.equal(onNew('enabled', 'BOOL', ['true'])({ enabled: { BOOL: true } }), false);
    assert.equal(onNew('enabled', 'BOOL', [false])({ enabled: { BOOL: false } }), true);
  });
  test('NULL attributes and JSON null', () => {
    assert.equal(onNew('gone', 'NULL', [true])({ gone: { NULL: true } }), true);
    assert.equal(onNew('gone', 'NULL', [true])({ gone: s('x') }), false);
    const nullName = matcher({ eventName: [null] });
    assert.equal(nullName({ eventName: null, dynamodb: {} } as unknown as RecordView), true);
    assert.equal(nullName(record({})), false);
  });
  test('B values match their base64 text', () => {
    const blob = onNew('raw', 'B', ['AQID']);
    assert.equal(blob({ raw: { B: new Uint8Array([1, 2, 3]) } }), true);
    assert.equal(blob({ raw: { B: new Uint8Array([1, 2]) } }), false);
  });
  test('maps (M) match by nesting, at any depth', () => {
    const paris = matcher({ dynamodb: { NewImage: { address: { M: { city: { S: ['Paris'] } } } } } });
    const at = (city: string): Item => ({ address: { M: { city: s(city), zip: s('75001') } } });
    assert.equal(paris(record(at('Paris'))), true);
    assert.equal(paris(record(at('Lyon'))), false);
    assert.equal(paris(record({ address: s('Paris') })), false);
    const deep = onNew('a', 'M', [{ exists: true }]);
    assert.equal(deep({ a: { M: {} } }), true);
    const nested = matcher({
      dynamodb: { NewImage: { a: { M: { b: { M: { c: { N: [{ numeric: ['>', 1] }] } } } } } } },
    });
    assert.equal(nested(record({ a: { M: { b: { M: { c: n('2') } } } } })), true);
    assert.equal(nested(record({ a: { M: { b: { M: { c: n('1') } } } } })), false);
  });
  test('sets and lists match when any element matches', () => {
    const tagged = onNew('tags', 'SS', ['red', 'blue']);
    assert.equal(tagged({ tags: { SS: ['green', 'blue'] } }), true);
    assert.equal(tagged({ tags: { SS: ['green'] } }), false);
    const listed = matcher({ dynamodb: { NewImage: { items: { L: { S: [{ prefix: 'sku-' }] } } } } });
    assert.equal(listed(record({ items: { L: [n('3'), s('sku-1')] } })), true);
    assert.equal(listed(record({ items: { L: [s('x')] } })), false);
    assert.equal(listed(record({ items: { L: [] } })), false);
  });
});

describe('filter pattern: the compiled matcher', () => {
  test('is reusable across records and does not change them', () => {
    const active = onNew('status', 'S', ['active']);
    const item: Item = { status: s('active') };
    const before = JSON.stringify(item);
    for (let i = 0; i < 3; i++) assert.equal(active(item), true);
    assert.equal(JSON.stringify(item), before);
  });
});
