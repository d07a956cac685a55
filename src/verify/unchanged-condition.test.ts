import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { markerNames } from '../twoway/markers.js';
import { MAX_CONDITION_LENGTH, setMarkersIfUnchanged, unchangedCondition } from './unchanged-condition.js';

const markers = markerNames();

describe('unchangedCondition', () => {
  test('no item: the key attribute must still be absent', () => {
    assert.deepEqual(unchangedCondition(undefined, ['pk', 'sk'], markers), {
      ConditionExpression: 'attribute_not_exists(#u0)',
      ExpressionAttributeNames: { '#u0': 'pk' },
    });
  });

  test('an unstamped item: every attribute equal, both markers still absent', () => {
    const c = unchangedCondition({ pk: { S: 'k' }, n: { N: '1' } }, ['pk'], markers);
    assert.deepEqual(c, {
      ConditionExpression:
        '#u0 = :u0 AND #u1 = :u1 AND attribute_not_exists(#u2) AND attribute_not_exists(#u3)',
      ExpressionAttributeNames: { '#u0': 'pk', '#u1': 'n', '#u2': '_ddbr_v', '#u3': '_ddbr_h' },
      ExpressionAttributeValues: { ':u0': { S: 'k' }, ':u1': { N: '1' } },
    });
  });

  test('a stamped item: its markers are compared as attributes, nothing added', () => {
    const item = { pk: { S: 'k' }, _ddbr_v: { S: 'v' }, _ddbr_h: { S: 'h' } };
    const c = unchangedCondition(item, ['pk'], markers);
    assert.equal(c?.ConditionExpression, '#u0 = :u0 AND #u1 = :u1 AND #u2 = :u2');
    assert.deepEqual(Object.values(c?.ExpressionAttributeNames ?? {}), ['pk', '_ddbr_v', '_ddbr_h']);
  });

  test('too many attributes for one expression: undefined, not a request DynamoDB refuses', () => {
    const wide = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`a${i}`, { N: String(i) }]));
    assert.equal(unchangedCondition(wide, ['a0'], markers), undefined);
    const fits = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${i}`, { N: String(i) }]));
    const c = unchangedCondition(fits, ['a0'], markers);
    assert.ok(c !== undefined && c.ConditionExpression.length <= MAX_CONDITION_LENGTH);
  });
});

describe('setMarkersIfUnchanged', () => {
  test('sets the markers only, under the unchanged condition', () => {
    const item = { pk: { S: 'k' }, n: { N: '1' } };
    const input = setMarkersIfUnchanged('t', { pk: { S: 'k' } }, item, ['pk'], markers, {
      stamp: 's',
      digest: 'd',
    });
    assert.equal(input?.UpdateExpression, 'SET #sv = :sv, #sh = :sh');
    assert.equal(input?.ConditionExpression, unchangedCondition(item, ['pk'], markers)?.ConditionExpression);
    assert.deepEqual(input?.ExpressionAttributeValues, {
      ':u0': { S: 'k' },
      ':u1': { N: '1' },
      ':sv': { S: 's' },
      ':sh': { S: 'd' },
    });
    assert.equal(input?.ExpressionAttributeNames?.['#sv'], '_ddbr_v');
  });
});
