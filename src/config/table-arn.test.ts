import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTableArn, plainTableName } from './table-arn.js';

test('a table ARN gives its partition, region, account and name', () => {
  assert.deepEqual(parseTableArn('arn:aws:dynamodb:us-east-1:111122223333:table/orders'), {
    partition: 'aws',
    region: 'us-east-1',
    account: '111122223333',
    tableName: 'orders',
  });
  assert.equal(
    parseTableArn('arn:aws-cn:dynamodb:cn-north-1:111122223333:table/o.r-d_s')?.partition,
    'aws-cn',
  );
});

test('what is not a table ARN', () => {
  for (const value of [
    'orders',
    'arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/2026',
    'arn:aws:dynamodb:us-east-1:1111:table/orders',
    'arn:aws:s3:us-east-1:111122223333:table/orders',
    'arn:aws:dynamodb:us-east-1:111122223333:table/ab',
  ]) {
    assert.equal(parseTableArn(value), undefined, value);
  }
});

test('plainTableName', () => {
  assert.equal(plainTableName('orders'), 'orders');
  assert.equal(plainTableName('arn:aws:dynamodb:us-east-1:111122223333:table/orders'), 'orders');
});
