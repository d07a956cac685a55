import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchStatementResponse } from '@aws-sdk/client-dynamodb';
import { markerNames } from './markers.js';
import { stampAnswers, stampStatement } from './stamp-statement.js';

const markers = markerNames();
const target = { tableName: 'orders', markers };
const keys = { pk: { S: 'k1' }, 'sort key': { N: '7' } };
const STAMP = '1764720000009.0000#a';
const SEEN = '1764720000000.0001#b';

describe('stampStatement', () => {
  test('an unstamped write: only while the item exists and holds no stamp; the key in its own types', () => {
    const statement = stampStatement(target, keys, { x: { N: '1' } }, STAMP);
    assert.equal(
      statement?.Statement,
      `UPDATE "orders" SET "${markers.version}" = ?, "${markers.digest}" = ? WHERE "pk" = ? AND "sort key" = ? ` +
        `AND NOT attribute_type("${markers.version}", 'S') RETURNING ALL NEW *`,
    );
    assert.deepEqual(statement.Parameters?.slice(2), [{ S: 'k1' }, { N: '7' }]);
    assert.deepEqual(statement.Parameters[0], { S: STAMP });
    assert.equal(statement.ReturnValuesOnConditionCheckFailure, 'ALL_OLD');
  });

  test('a write that kept a stamp: only while the item still holds it', () => {
    const statement = stampStatement(target, keys, { x: { N: '1' }, [markers.version]: { S: SEEN } }, STAMP);
    assert.ok(
      statement?.Statement?.endsWith(`AND "sort key" = ? AND "${markers.version}" = ? RETURNING ALL NEW *`),
    );
    assert.deepEqual(statement?.Parameters?.at(-1), { S: SEEN });
    assert.equal(statement?.Parameters?.length, 5);
  });

  test('the digest is of the content the stream showed, as stampIfUnchanged writes it', () => {
    const a = stampStatement(target, keys, { x: { N: '1' } }, STAMP)?.Parameters?.[1];
    const b = stampStatement(target, keys, { x: { N: '2' } }, STAMP)?.Parameters?.[1];
    assert.ok(a?.S !== undefined && b?.S !== undefined);
    assert.notEqual(a.S, b.S);
  });

  test('a name with a double quote cannot be written: the stamp goes as UpdateItem', () => {
    assert.equal(stampStatement(target, { 'p"k': { S: 'k' } }, {}, STAMP), undefined);
    assert.equal(
      stampStatement({ tableName: 'orders', markers: { ...markers, digest: 'h"' } }, keys, {}, STAMP),
      undefined,
    );
    assert.equal(stampStatement(target, {}, {}, STAMP), undefined);
  });
});

describe('stampAnswers', () => {
  const item = { pk: { S: 'k1' } };
  test('applied, refused with and without the item, other codes alone, missing responses alone', () => {
    const responses: BatchStatementResponse[] = [
      { TableName: 'orders', Item: item },
      { TableName: 'orders' },
      { Error: { Code: 'ConditionalCheckFailed', Item: item } },
      { Error: { Code: 'ConditionalCheckFailed' } },
      { Error: { Code: 'ThrottlingError' } },
      { Error: { Code: 'TransactionConflict' } },
      { Error: { Code: 'ValidationError' } },
      { Error: {} },
    ];
    assert.deepEqual(stampAnswers(responses, 9), [
      { kind: 'stamped', item },
      { kind: 'stamped', item: undefined },
      { kind: 'refused', item },
      { kind: 'refused', item: undefined },
      { kind: 'alone', code: 'ThrottlingError' },
      { kind: 'alone', code: 'TransactionConflict' },
      { kind: 'alone', code: 'ValidationError' },
      { kind: 'alone', code: 'Unknown' },
      { kind: 'alone', code: 'NoResponse' },
    ]);
    assert.deepEqual(stampAnswers(undefined, 2), [
      { kind: 'alone', code: 'NoResponse' },
      { kind: 'alone', code: 'NoResponse' },
    ]);
  });
});
