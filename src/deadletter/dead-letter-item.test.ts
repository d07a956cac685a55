import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChangeRecord } from '../stream/change-record.js';
import {
  deadLetterOf,
  deadLetterTableName,
  fromDeadLetterItem,
  sortKeyOf,
  toDeadLetterItem,
} from './dead-letter-item.js';

const change = (sequenceNumber: string, extra: Partial<ChangeRecord> = {}): ChangeRecord => ({
  sequenceNumber,
  eventName: 'MODIFY',
  keys: { pk: { S: 'a' }, sk: { N: '1.50' } },
  newImage: { pk: { S: 'a' }, sk: { N: '1.50' }, v: { L: [{ S: 'x' }] } },
  createdAtMs: 1,
  sizeBytes: 10,
  ...extra,
});

describe('sortKeyOf', () => {
  test('pads to 48 digits, so text order is number order', () => {
    const short = sortKeyOf('999');
    const long = sortKeyOf('1000');
    assert.equal(short.length, 48);
    assert.ok(short < long);
    const real = [
      '49600000000000000000000000000000000000000000000',
      '100000000000000000000000000000000000000',
    ];
    assert.ok(sortKeyOf(real[1]!) < sortKeyOf(real[0]!));
  });

  test('refuses what is not a sequence number', () => {
    assert.throws(() => sortKeyOf(''), RangeError);
    assert.throws(() => sortKeyOf('12a'), RangeError);
    assert.throws(() => sortKeyOf('1'.repeat(49)), RangeError);
  });
});

test('the table sits beside the lease table and fits 255 characters for the longest task name', () => {
  const lease = `DynamoDBCrossRegionReplication${'t'.repeat(200)}`;
  assert.equal(deadLetterTableName('L'), 'L-dead-letters');
  assert.ok(deadLetterTableName(lease).length <= 255);
});

describe('the item', () => {
  const where = { task: 'task', shardId: 'shard-1', keyAttributes: ['pk', 'sk'] };
  const at = new Date('2026-01-02T03:04:05.000Z');

  test('keys by the canonical source key and the padded sequence number, and reads back as it was', () => {
    const earlier = change('5', { eventName: 'INSERT', newImage: { pk: { S: 'a' }, sk: { N: '1.5' } } });
    const original = change('7', {
      oldImage: { pk: { S: 'a' }, sk: { N: '1.5' }, v: { S: 'old' } },
      earlier: [earlier],
    });
    const letter = deadLetterOf(original, where, 'ValidationException:\n  bad', at);
    const item = toDeadLetterItem(letter);
    assert.equal(item.pk?.S, '["Sa","N15e-1"]');
    assert.equal(item.sk?.S, sortKeyOf('7'));
    assert.equal(item.error?.S, 'ValidationException: bad');
    assert.equal(item.at?.S, '2026-01-02T03:04:05.000Z');
    const back = fromDeadLetterItem(item);
    assert.deepEqual(back.change.newImage, original.newImage);
    assert.deepEqual(back.change.oldImage, original.oldImage);
    assert.equal(back.change.eventName, 'MODIFY');
    assert.equal(back.change.earlier?.[0]?.sequenceNumber, '5');
    assert.deepEqual(back.change.earlier?.[0]?.newImage, earlier.newImage);
    assert.equal(back.shardId, 'shard-1');
    assert.equal(back.task, 'task');
  });

  test('a remove keeps no image; a TTL delete says so', () => {
    const removed = change('8', { eventName: 'REMOVE', newImage: undefined, ttlDelete: true });
    const back = fromDeadLetterItem(toDeadLetterItem(deadLetterOf(removed, where, 'e', at)));
    assert.equal(back.change.eventName, 'REMOVE');
    assert.equal(back.change.newImage, undefined);
    assert.equal(back.change.ttlDelete, true);
  });

  test('trimmed: the replaced changes and the old image are left out, and it says so', () => {
    const big = change('9', { oldImage: { pk: { S: 'a' } }, earlier: [change('3')] });
    const back = fromDeadLetterItem(toDeadLetterItem(deadLetterOf(big, where, 'e', at), true));
    assert.equal(back.trimmed, true);
    assert.equal(back.change.oldImage, undefined);
    assert.equal(back.change.earlier, undefined);
    assert.deepEqual(back.change.newImage, big.newImage);
  });
});
