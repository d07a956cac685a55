import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { streamTableName, twoWayTableMismatch, type DirectionRead } from './two-way-table-mismatch.js';

const stream = (table: string): string =>
  `arn:aws:dynamodb:us-west-2:123456789012:table/${table}/stream/2026-12-03T12:00:00.000`;

const read = (more: Partial<DirectionRead>): DirectionRead => ({
  side: 'b',
  tableName: 'orders-b',
  taskName: 'orders.b-a',
  leaseTable: 'DynamoDBCrossRegionReplicationorders.b-a',
  where: 'region us-west-2',
  streamArns: [stream('orders-b')],
  ...more,
});

describe('streamTableName', () => {
  test('the table inside a stream ARN; undefined for anything else', () => {
    assert.equal(streamTableName(stream('orders.v2-b')), 'orders.v2-b');
    assert.equal(streamTableName('arn:aws:dynamodb:us-west-2:123456789012:table/orders-b'), undefined);
    assert.equal(streamTableName('not an arn'), undefined);
  });
});

describe('twoWayTableMismatch', () => {
  test('the table whose stream the leases name, by name or by ARN: no mistake', () => {
    assert.equal(twoWayTableMismatch(read({})), undefined);
    const arn = 'arn:aws:dynamodb:us-west-2:123456789012:table/orders-b';
    assert.equal(twoWayTableMismatch(read({ tableName: arn })), undefined);
    // A re-enabled stream: older leases name the table's earlier stream, the same table.
    assert.equal(
      twoWayTableMismatch(read({ streamArns: [stream('orders-b'), `${stream('orders-b')}1`] })),
      undefined,
    );
  });

  test('no lease naming a stream yet: nothing to go by', () => {
    assert.equal(twoWayTableMismatch(read({ tableName: 'typo', streamArns: [] })), undefined);
  });

  test('side B named wrong: --dest-table, the table read and the fix', () => {
    assert.equal(
      twoWayTableMismatch(read({ tableName: 'orders-x' })),
      '--dest-table orders-x is not side B of this pair: lease table DynamoDBCrossRegionReplicationorders.b-a (task orders.b-a) in region us-west-2 reads the stream of table orders-b; give --dest-table orders-b, or the --task-name of the pair orders-x belongs to',
    );
  });

  test('side A named wrong: --source-table', () => {
    const line = twoWayTableMismatch(
      read({ side: 'a', tableName: 'orders', taskName: 'orders.a-b', streamArns: [stream('orders-a')] }),
    );
    assert.match(
      line ?? '',
      /^--source-table orders is not side A of this pair: .* give --source-table orders-a, /,
    );
  });
});
