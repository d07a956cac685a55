import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHARD_END, TRIM_HORIZON, type Lease } from './lease.js';
import { fromItem, toItem } from './lease-items.js';

const FULL: Lease = {
  leaseKey: 'shardId-00000001700000000000-aaaaaaaa',
  leaseOwner: 'worker-1',
  leaseCounter: 42,
  checkpoint: '49600000000000000000000000000000000000000000000000000001',
  checkpointSubSequenceNumber: 0,
  ownerSwitchesSinceCheckpoint: 3,
  parentShardIds: ['shardId-00000001600000000000-bbbbbbbb'],
  streamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024-01-01T00:00:00.000',
  pendingOwner: 'worker-2',
  lastRenewedAt: 1_700_000_000_123,
  failoverMs: 10_000,
  behindMs: 1_250,
  startingSequenceNumber: '49500000000000000000000000000000000000000000000000000001',
};

/** The attributes of ours on top of the KCL's, all absent. */
const NONE_OF_OURS = {
  pendingOwner: undefined,
  lastRenewedAt: undefined,
  failoverMs: undefined,
  behindMs: undefined,
  startingSequenceNumber: undefined,
};

describe('toItem / fromItem', () => {
  test('a full lease survives the round trip', () => {
    assert.deepEqual(fromItem(toItem(FULL)), FULL);
  });

  test('a full lease is written in the KCL attribute names and types', () => {
    assert.deepEqual(toItem(FULL), {
      leaseKey: { S: FULL.leaseKey },
      leaseOwner: { S: 'worker-1' },
      leaseCounter: { N: '42' },
      checkpoint: { S: FULL.checkpoint },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '3' },
      parentShardId: { SS: ['shardId-00000001600000000000-bbbbbbbb'] },
      streamArn: { S: FULL.streamArn },
      pendingOwner: { S: 'worker-2' },
      lastRenewedAt: { N: '1700000000123' },
      failoverMs: { N: '10000' },
      behindMs: { N: '1250' },
      startingSequenceNumber: { S: FULL.startingSequenceNumber },
    });
  });

  test('no parents: the parentShardId string set is absent (it cannot be empty)', () => {
    const lease: Lease = { ...FULL, parentShardIds: [] };
    const item = toItem(lease);
    assert.equal('parentShardId' in item, false);
    assert.deepEqual(fromItem(item), lease);
  });

  test('two parents are kept', () => {
    const lease: Lease = { ...FULL, parentShardIds: ['p1', 'p2'] };
    assert.deepEqual(toItem(lease).parentShardId, { SS: ['p1', 'p2'] });
    assert.deepEqual(fromItem(toItem(lease)), lease);
  });

  test('no owner: the leaseOwner attribute is absent', () => {
    const lease: Lease = { ...FULL, leaseOwner: undefined };
    const item = toItem(lease);
    assert.equal('leaseOwner' in item, false);
    assert.deepEqual(fromItem(item), lease);
  });

  test('no stream: the streamArn attribute is absent', () => {
    const lease: Lease = { ...FULL, streamArn: undefined };
    const item = toItem(lease);
    assert.equal('streamArn' in item, false);
    assert.deepEqual(fromItem(item), lease);
  });

  test('no pending owner, renewal time or failover: those attributes are absent', () => {
    const lease: Lease = { ...FULL, ...NONE_OF_OURS };
    const item = toItem(lease);
    assert.deepEqual(
      ['pendingOwner', 'lastRenewedAt', 'failoverMs'].filter((name) => name in item),
      [],
    );
    assert.deepEqual(fromItem(item), lease);
  });

  test('a finished lease round-trips its SHARD_END checkpoint', () => {
    const lease: Lease = { ...FULL, checkpoint: SHARD_END };
    assert.equal(fromItem(toItem(lease)).checkpoint, SHARD_END);
  });

  test('toItem does not share the parent list with the lease', () => {
    const parents = ['p1'];
    const item = toItem({ ...FULL, parentShardIds: parents });
    parents.push('p2');
    assert.deepEqual(item.parentShardId, { SS: ['p1'] });
  });

  test('an item with only leaseKey reads with defaults', () => {
    assert.deepEqual(fromItem({ leaseKey: { S: 'shard-1' } }), {
      leaseKey: 'shard-1',
      leaseOwner: undefined,
      leaseCounter: 0,
      checkpoint: TRIM_HORIZON,
      checkpointSubSequenceNumber: 0,
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: [],
      streamArn: undefined,
      ...NONE_OF_OURS,
    });
  });

  test('an item written by the KCL (no streamArn) is read', () => {
    const kclItem = {
      leaseKey: { S: 'shardId-00000001700000000000-cccccccc' },
      leaseOwner: { S: 'ip-10-0-0-1:1f2e3d' },
      leaseCounter: { N: '1234' },
      checkpoint: { S: '300000000000000000000001' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '1' },
      parentShardId: { SS: ['shardId-00000001600000000000-dddddddd'] },
    };
    assert.deepEqual(fromItem(kclItem), {
      leaseKey: 'shardId-00000001700000000000-cccccccc',
      leaseOwner: 'ip-10-0-0-1:1f2e3d',
      leaseCounter: 1234,
      checkpoint: '300000000000000000000001',
      checkpointSubSequenceNumber: 0,
      ownerSwitchesSinceCheckpoint: 1,
      parentShardIds: ['shardId-00000001600000000000-dddddddd'],
      streamArn: undefined,
      ...NONE_OF_OURS,
    });
  });

  test('a KCL item without the counters of later KCL versions reads zeros', () => {
    const lease = fromItem({
      leaseKey: { S: 'shard-2' },
      leaseOwner: { S: 'w' },
      leaseCounter: { N: '5' },
      checkpoint: { S: SHARD_END },
    });
    assert.equal(lease.checkpointSubSequenceNumber, 0);
    assert.equal(lease.ownerSwitchesSinceCheckpoint, 0);
    assert.equal(lease.leaseCounter, 5);
    assert.equal(lease.checkpoint, SHARD_END);
  });

  test('an item without leaseKey is refused', () => {
    assert.throws(() => fromItem({ leaseOwner: { S: 'w' } }), TypeError);
    assert.throws(() => fromItem({ leaseKey: { N: '1' } }), TypeError);
  });
});
