import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { defaultTaskName, LEASE_TABLE_PREFIX, leaseTableName } from './task-name.js';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

describe('defaultTaskName', () => {
  test('is the hex MD5 of the concatenated names (literal from md5sum)', () => {
    // printf '%s' 'us-east-1srcus-west-2dst' | md5sum
    assert.equal(defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst'), '2243b0e4441b6f80d24f206251d138ab');
  });

  test('matches node:crypto for a same-region pair', () => {
    assert.equal(
      defaultTaskName('eu-west-1', 'Orders', 'eu-west-1', 'OrdersCopy'),
      md5('eu-west-1Orderseu-west-1OrdersCopy'),
    );
  });

  test('matches node:crypto for names with dots, dashes and underscores', () => {
    assert.equal(
      defaultTaskName('ap-southeast-2', 'my.table_v2', 'us-east-2', 'my-table.replica'),
      md5('ap-southeast-2my.table_v2us-east-2my-table.replica'),
    );
  });

  test("a fan-out's further destinations are appended in order: its own task, one per list", () => {
    // printf '%s' 'us-east-1srcus-west-2dstus-west-2dst-beu-west-1dst-c' | md5sum
    assert.equal(
      defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst', [
        { region: 'us-west-2', tableName: 'dst-b' },
        { region: 'eu-west-1', tableName: 'dst-c' },
      ]),
      '0b09c571a35e38d6ee8dd4fc5e485fc0',
    );
    assert.notEqual(
      defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst', [{ region: 'us-west-2', tableName: 'b' }]),
      defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst'),
    );
  });

  test('is 32 lowercase hex digits', () => {
    assert.match(defaultTaskName('a', 'b', 'c', 'd'), /^[0-9a-f]{32}$/);
  });

  test('changes when any part changes', () => {
    const base = defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst');
    assert.notEqual(defaultTaskName('us-east-2', 'src', 'us-west-2', 'dst'), base);
    assert.notEqual(defaultTaskName('us-east-1', 'src2', 'us-west-2', 'dst'), base);
    assert.notEqual(defaultTaskName('us-east-1', 'src', 'us-west-1', 'dst'), base);
    assert.notEqual(defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst2'), base);
  });

  test('swapping source and destination gives another name', () => {
    assert.notEqual(
      defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst'),
      defaultTaskName('us-west-2', 'dst', 'us-east-1', 'src'),
    );
  });
});

describe('leaseTableName', () => {
  test('prefixes the task name with the seed’s prefix', () => {
    assert.equal(LEASE_TABLE_PREFIX, 'DynamoDBCrossRegionReplication');
    assert.equal(leaseTableName('my-task'), 'DynamoDBCrossRegionReplicationmy-task');
  });

  test('with the default task name it is the seed’s table name', () => {
    assert.equal(
      leaseTableName(defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst')),
      'DynamoDBCrossRegionReplication2243b0e4441b6f80d24f206251d138ab',
    );
  });
});
