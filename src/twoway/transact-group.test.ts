import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CancellationReason, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  fitsInGroup,
  groupOutcomes,
  groupToken,
  MAX_GROUP_ACTIONS,
  MAX_GROUP_BYTES,
  type GroupMember,
} from './transact-group.js';

const action: TransactWriteItem = { ConditionCheck: { TableName: 't', Key: {}, ConditionExpression: 'x' } };
const member = (actions = 2, bytes = 100, token: string | undefined = 'tok'): GroupMember => ({
  actions: Array.from({ length: actions }, () => action),
  token,
  bytes,
});
const CODES = [
  'None',
  'ConditionalCheckFailed',
  'TransactionConflict',
  'ThrottlingError',
  undefined,
] as const;
const reason = (code: (typeof CODES)[number]): CancellationReason =>
  code === undefined ? {} : { Code: code };

describe('groupOutcomes', () => {
  test('every pair of reasons of a two-action member, against what a transaction of its own meant', () => {
    for (const first of CODES) {
      for (const second of CODES) {
        const own = [reason(first), reason(second)];
        const [outcome] = groupOutcomes([member()], own);
        const codes = [first, second];
        const other = codes.find((c) => c !== undefined && c !== 'None' && c !== 'ConditionalCheckFailed');
        if (other !== undefined) assert.deepEqual(outcome, { kind: 'contended', code: other }, codes.join());
        else if (codes.includes('ConditionalCheckFailed'))
          assert.deepEqual(outcome, { kind: 'refused', reasons: own }, codes.join());
        else assert.deepEqual(outcome, { kind: 'again' }, codes.join());
      }
    }
  });

  test("each member reads its own slice of the reasons, in the group's order", () => {
    const members = [member(2), member(1), member(2)];
    const reasons = [
      reason('None'),
      reason('None'),
      reason('ConditionalCheckFailed'),
      reason('None'),
      reason('TransactionConflict'),
    ];
    assert.deepEqual(groupOutcomes(members, reasons), [
      { kind: 'again' },
      { kind: 'refused', reasons: [reason('ConditionalCheckFailed')] },
      { kind: 'contended', code: 'TransactionConflict' },
    ]);
  });

  test('a refusal keeps the item DynamoDB returned with it', () => {
    const refused = { Code: 'ConditionalCheckFailed', Item: { v: { S: 'x' } } };
    const [outcome] = groupOutcomes([member()], [reason('None'), refused]);
    assert.deepEqual(outcome, { kind: 'refused', reasons: [reason('None'), refused] });
  });

  test('missing or short reasons never make a refusal up', () => {
    assert.deepEqual(groupOutcomes([member(), member()], undefined), [
      { kind: 'contended', code: 'NoReason' },
      { kind: 'contended', code: 'NoReason' },
    ]);
    assert.deepEqual(
      groupOutcomes([member(), member()], [reason('None'), reason('None'), reason('ConditionalCheckFailed')]),
      [{ kind: 'again' }, { kind: 'contended', code: 'NoReason' }],
    );
  });
});

describe('fitsInGroup', () => {
  test('an empty group takes any member, however large', () => {
    assert.equal(fitsInGroup(0, 0, member(MAX_GROUP_ACTIONS + 2, MAX_GROUP_BYTES * 2)), true);
  });

  test("up to DynamoDB's 100 actions", () => {
    assert.equal(fitsInGroup(MAX_GROUP_ACTIONS - 2, 10, member(2)), true);
    assert.equal(fitsInGroup(MAX_GROUP_ACTIONS - 1, 10, member(2)), false);
    assert.equal(MAX_GROUP_ACTIONS, 100);
  });

  test('and below its 4 MB', () => {
    assert.equal(fitsInGroup(2, MAX_GROUP_BYTES - 100, member(2, 100)), true);
    assert.equal(fitsInGroup(2, MAX_GROUP_BYTES - 99, member(2, 100)), false);
    assert.ok(MAX_GROUP_BYTES < 4 * 1024 * 1024);
  });
});

describe('groupToken', () => {
  test("a group of one sends its member's own token", () => {
    assert.equal(groupToken([{ token: 'abc' }]), 'abc');
    assert.equal(groupToken([{ token: undefined }]), undefined);
  });

  test('the same members in the same order give the same token, of at most 36 characters', () => {
    const a = groupToken([{ token: 'x' }, { token: 'y' }]);
    assert.equal(a, groupToken([{ token: 'x' }, { token: 'y' }]));
    assert.ok(a !== undefined && a.length <= 36, a);
    assert.notEqual(a, groupToken([{ token: 'y' }, { token: 'x' }]));
    assert.notEqual(a, groupToken([{ token: 'x' }, { token: 'y' }, { token: 'z' }]));
    // Not fooled by where one token ends and the next begins.
    assert.notEqual(
      groupToken([{ token: 'ab' }, { token: 'c' }]),
      groupToken([{ token: 'a' }, { token: 'bc' }]),
    );
  });

  test('none when a member has none', () => {
    assert.equal(groupToken([{ token: 'x' }, { token: undefined }]), undefined);
  });
});
