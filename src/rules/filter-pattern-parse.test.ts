// What parseFilterPattern rejects and how it says where: JSON syntax errors by line, column and offset, rule
// errors by JSON path; and which record parts patternFields reports a pattern reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FilterPatternError, parseFilterPattern, patternFields } from './filter-pattern.js';

function rejection(text: string): FilterPatternError {
  try {
    parseFilterPattern(text);
  } catch (error) {
    assert.ok(error instanceof FilterPatternError, `expected a FilterPatternError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${text} to be rejected`);
}

function assertRejected(
  text: string,
  expected: { path?: string; line?: number; column?: number; offset?: number; says: RegExp },
): void {
  const error = rejection(text);
  assert.match(error.message, expected.says);
  if ('path' in expected) assert.equal(error.path, expected.path, error.message);
  if (expected.line !== undefined) assert.equal(error.position?.line, expected.line, error.message);
  if (expected.column !== undefined) assert.equal(error.position?.column, expected.column, error.message);
  if (expected.offset !== undefined) assert.equal(error.position?.offset, expected.offset, error.message);
}

describe('parseFilterPattern: JSON syntax errors name line, column and offset', () => {
  test('a trailing comma', () => {
    assertRejected('{"eventName": ["INSERT",]}', { line: 1, column: 25, offset: 24, says: /trailing comma/ });
  });
  test('a missing comma on a later line', () => {
    const text = '{\n  "eventName": ["INSERT"]\n  "dynamodb": {}\n}';
    assertRejected(text, { line: 3, column: 3, offset: 30, says: /line 3, column 3, offset 30.*',' or '}'/ });
  });
  test('single quotes', () => {
    assertRejected("{'eventName': ['INSERT']}", { line: 1, column: 2, says: /double quotes/ });
  });
  test('an unclosed string and an unclosed object', () => {
    assertRejected('{"eventName": ["INSERT]}', { line: 1, column: 16, says: /not closed/ });
    assertRejected('{"eventName": ["INSERT"]', { offset: 24, says: /found the end of the text/ });
  });
  test('text after the pattern, an empty text, a duplicate field', () => {
    assertRejected('{"eventName": ["INSERT"]} }', { offset: 26, says: /after the end/ });
    assertRejected('', { offset: 0, says: /expected a value/ });
    assertRejected('{"eventName": ["INSERT"], "eventName": ["REMOVE"]}', {
      offset: 26,
      says: /appears twice/,
    });
  });
  test('syntax errors carry no path', () => {
    assert.equal(rejection('{').path, undefined);
  });
});

describe('parseFilterPattern: rule errors name the JSON path', () => {
  test('an unknown operator lists the known ones', () => {
    assertRejected('{"dynamodb":{"NewImage":{"status":{"S":[{"prefx":"a"}]}}}}', {
      path: 'dynamodb.NewImage.status.S[0]',
      offset: 40,
      says: /unknown operator "prefx" \(expected one of prefix, suffix, anything-but, numeric, exists, equals-ignore-case\)/,
    });
  });
  test('a leaf that is not a list', () => {
    assertRejected('{"dynamodb":{"NewImage":{"status":{"S":"active"}}}}', {
      path: 'dynamodb.NewImage.status.S',
      says: /expected a list of rules such as \["active"\]/,
    });
  });
  test('numeric with a bad operator, an odd length, a non-number, or an empty range', () => {
    const numeric = (args: string) => `{"dynamodb":{"NewImage":{"qty":{"N":[{"numeric":${args}}]}}}}`;
    assertRejected(numeric('["=>", 5]'), { path: 'dynamodb.NewImage.qty.N[0].numeric[0]', says: /"=>"/ });
    assertRejected(numeric('[">", 5, "<"]'), {
      path: 'dynamodb.NewImage.qty.N[0].numeric',
      says: /\[operator, number\]/,
    });
    assertRejected(numeric('[">", "5"]'), {
      path: 'dynamodb.NewImage.qty.N[0].numeric[1]',
      says: /expected a number/,
    });
    assertRejected(numeric('[">", 9, "<", 5]'), {
      path: 'dynamodb.NewImage.qty.N[0].numeric',
      says: /lower bound/,
    });
    assertRejected(numeric('[">", 1, ">=", 5]'), { says: /one lower bound .* and one upper bound/ });
  });
  test('exists that is not a boolean', () => {
    assertRejected('{"dynamodb":{"NewImage":{"a":{"S":[{"exists":"true"}]}}}}', {
      path: 'dynamodb.NewImage.a.S[0].exists',
      says: /exists takes true or false, found "true"/,
    });
  });
  test('empty lists and empty objects', () => {
    assertRejected('{"eventName": []}', { path: 'eventName', offset: 14, says: /empty list/ });
    assertRejected('[]', { path: '', says: /empty list of patterns/ });
    assertRejected('{}', { path: '', says: /constrains nothing/ });
    assertRejected('{"dynamodb": {}}', { path: 'dynamodb', says: /constrains nothing/ });
  });
  test('a pattern that is not an object, at the top or in the list', () => {
    assertRejected('"INSERT"', { path: '', says: /must be a JSON object/ });
    assertRejected('[{"eventName":["INSERT"]}, 5]', { path: '[1]', offset: 27, says: /must be an object/ });
  });
  test('paths quote field names that are not plain words', () => {
    assertRejected('{"dynamodb":{"NewImage":{"my attr":{"S":[[]]}}}}', {
      path: 'dynamodb.NewImage["my attr"].S[0]',
      says: /a list inside a rule list/,
    });
  });
  test('several operators in one rule object, and malformed anything-but, prefix, equals-ignore-case', () => {
    const s = (rule: string) => `{"dynamodb":{"Keys":{"pk":{"S":[${rule}]}}}}`;
    assertRejected(s('{"prefix":"a","suffix":"b"}'), { path: 'dynamodb.Keys.pk.S[0]', says: /one operator/ });
    assertRejected(s('{"anything-but":[]}'), {
      path: 'dynamodb.Keys.pk.S[0].anything-but',
      says: /at least one/,
    });
    assertRejected(s('{"anything-but":[true]}'), {
      path: 'dynamodb.Keys.pk.S[0].anything-but[0]',
      says: /strings/,
    });
    assertRejected(s('{"anything-but":{"wildcard":"*"}}'), { says: /anything-but takes/ });
    assertRejected(s('{"prefix":5}'), {
      path: 'dynamodb.Keys.pk.S[0].prefix',
      says: /prefix takes a string/,
    });
    assertRejected(s('{"equals-ignore-case":["a"]}'), { says: /equals-ignore-case takes a string/ });
    assertRejected(s('{"cidr":"10.0.0.0/8"}'), { says: /unknown operator "cidr"/ });
  });
});

describe('parseFilterPattern: DynamoDB JSON shape mistakes', () => {
  test('rules straight on an attribute, without its type', () => {
    assertRejected('{"dynamodb":{"NewImage":{"status":["active"]}}}', {
      path: 'dynamodb.NewImage.status',
      says: /\{"status": \{"S": \["..."\]\}\}/,
    });
  });
  test('an unknown type key, inside an image or inside a map', () => {
    assertRejected('{"dynamodb":{"Keys":{"pk":{"Str":["a"]}}}}', {
      path: 'dynamodb.Keys.pk.Str',
      says: /"Str"/,
    });
    assertRejected('{"dynamodb":{"NewImage":{"a":{"M":{"b":{"s":["x"]}}}}}}', {
      path: 'dynamodb.NewImage.a.M.b.s',
      says: /unknown DynamoDB type/,
    });
  });
  test('an object under a scalar type, and value rules on a whole map', () => {
    assertRejected('{"dynamodb":{"NewImage":{"a":{"S":{"x":["y"]}}}}}', {
      path: 'dynamodb.NewImage.a.S',
      says: /plain value/,
    });
    assertRejected('{"dynamodb":{"NewImage":{"a":{"M":["y"]}}}}', {
      path: 'dynamodb.NewImage.a.M',
      says: /nest a pattern/,
    });
  });
  test('an event name that can never occur', () => {
    assertRejected('{"eventName":["insert"]}', {
      path: 'eventName',
      says: /"insert" is never an event name/,
    });
  });
  test('$or is refused with a pointer to the list form', () => {
    assertRejected('{"$or":[{"eventName":["INSERT"]}]}', { path: '$or', says: /list of patterns/ });
  });
  test('fields outside the stream shape are accepted as they are', () => {
    assert.doesNotThrow(() =>
      parseFilterPattern('{"awsRegion":["eu-west-1"],"dynamodb":{"SizeBytes":[{"numeric":[">",1]}]}}'),
    );
  });
});

describe('patternFields', () => {
  const fields = (text: string) => patternFields(parseFilterPattern(text));
  test('reports each part a pattern reads', () => {
    assert.deepEqual(fields('{"dynamodb":{"NewImage":{"a":{"S":["x"]}}}}'), {
      eventName: false,
      keys: false,
      newImage: true,
      oldImage: false,
      other: false,
    });
    assert.deepEqual(fields('{"eventName":["REMOVE"],"dynamodb":{"Keys":{"pk":{"S":["x"]}}}}'), {
      eventName: true,
      keys: true,
      newImage: false,
      oldImage: false,
      other: false,
    });
  });
  test('unions over a list of patterns', () => {
    const both = fields(
      '[{"dynamodb":{"OldImage":{"a":{"S":["x"]}}}},{"dynamodb":{"NewImage":{"a":{"S":["y"]}}}}]',
    );
    assert.equal(both.oldImage, true);
    assert.equal(both.newImage, true);
    assert.equal(both.keys, false);
  });
  test('anything else counts as other', () => {
    assert.equal(fields('{"eventID":["1"]}').other, true);
    assert.equal(fields('{"dynamodb":{"SequenceNumber":["1"]}}').other, true);
    assert.equal(fields('{"dynamodb":[{"exists":true}]}').other, true);
  });
});
