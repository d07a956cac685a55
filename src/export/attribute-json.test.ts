import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttributeJsonError, parseItem, parseValue } from './attribute-json.js';

// One item of every attribute type, as an export writes it (literal text, parsed as the loader parses a line).
const LINE =
  '{"pk":{"S":"a"},"n38":{"N":"12345678901234567890123456789012345678"},"tiny":{"N":"-1E-130"},' +
  '"big":{"N":"9.9999999999999999999999999999999999999E+125"},"b":{"B":"AAEC/w=="},"bEmpty":{"B":""},' +
  '"ss":{"SS":["x","y"]},"ns":{"NS":["1","0.12345678901234567890123456789012345678"]},"bs":{"BS":["AQ==","Ag=="]},' +
  '"l":{"L":[{"S":"x"},{"NULL":true},{"M":{}},{"L":[]}]},"m":{"M":{"deep":{"M":{"f":{"BOOL":false}}}}},' +
  '"nul":{"NULL":true},"t":{"BOOL":true},"sEmpty":{"S":""},"unicode":{"S":"é😀"}}';

test('every attribute type is kept exactly: numbers as their strings, binary decoded, sets, lists, maps', () => {
  const item = parseItem(JSON.parse(LINE), 'Item');
  assert.deepEqual(item, {
    pk: { S: 'a' },
    n38: { N: '12345678901234567890123456789012345678' },
    tiny: { N: '-1E-130' },
    big: { N: '9.9999999999999999999999999999999999999E+125' },
    b: { B: new Uint8Array([0, 1, 2, 255]) },
    bEmpty: { B: new Uint8Array([]) },
    ss: { SS: ['x', 'y'] },
    ns: { NS: ['1', '0.12345678901234567890123456789012345678'] },
    bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    l: { L: [{ S: 'x' }, { NULL: true }, { M: {} }, { L: [] }] },
    m: { M: { deep: { M: { f: { BOOL: false } } } } },
    nul: { NULL: true },
    t: { BOOL: true },
    sEmpty: { S: '' },
    unicode: { S: 'é😀' },
  });
});

test('a number written as a JSON number is refused: it has already lost digits', () => {
  assert.throws(() => parseValue(JSON.parse('{"N": 12345678901234567890}'), 'Item.n'), {
    name: 'AttributeJsonError',
    message: 'Item.n is not a number written as a string',
  });
  assert.throws(() => parseValue({ N: '1,5' }, 'x'), AttributeJsonError);
  assert.throws(() => parseValue({ NS: ['1', 'abc'] }, 'x'), /x\.NS\[1\] is not a number/);
});

test('malformed values name where they are', () => {
  assert.throws(
    () => parseValue({ S: 'a', N: '1' }, 'Item.a'),
    /Item\.a must have exactly one type key, has 2/,
  );
  assert.throws(() => parseValue({}, 'Item.a'), /exactly one type key, has 0/);
  assert.throws(() => parseValue({ X: 'a' }, 'Item.a'), /Item\.a has unknown type "X"/);
  assert.throws(() => parseValue({ B: 'not base64!' }, 'Item.b'), /Item\.b is not base64/);
  assert.throws(() => parseValue({ B: 'AAE' }, 'Item.b'), /is not base64/);
  assert.throws(() => parseValue({ NULL: false }, 'Item.n'), /NULL must be true/);
  assert.throws(() => parseValue({ BOOL: 'true' }, 'Item.t'), /BOOL is not true or false/);
  assert.throws(() => parseValue({ SS: 'x' }, 'Item.s'), /Item\.s\.SS is not a list/);
  assert.throws(() => parseValue({ L: [{ S: 1 }] }, 'Item.l'), /Item\.l\[0\] is not a string/);
  assert.throws(() => parseValue({ M: { k: 'v' } }, 'Item.m'), /Item\.m\.k is not a DynamoDB JSON value/);
  assert.throws(() => parseItem([], 'Item'), /Item is not an object of attributes/);
});
