import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ShardInfo } from '../stream/shard-info.js';
import { LATEST, newLease, SHARD_END, TRIM_HORIZON, type Lease } from './lease.js';
import { foreignLeases, leasesToCreate } from './new-leases.js';

const ARN = 'arn:aws:dynamodb:us-east-1:123:table/t/stream/2024-01-01T00:00:00.000';
const OTHER_ARN = 'arn:aws:dynamodb:us-east-1:123:table/t/stream/2024-02-01T00:00:00.000';

function shard(shardId: string, closed: boolean, parents: string[] = []): ShardInfo {
  return {
    shardId,
    parentShardIds: parents,
    endingSequenceNumber: closed ? '999' : undefined,
    startingSequenceNumber: `100-${shardId}`,
  };
}

const SHARDS = [shard('s1', true), shard('s2', false, ['s1']), shard('s3', false)];

const checkpoints = (leases: Lease[]): Record<string, string> =>
  Object.fromEntries(leases.map((l) => [l.leaseKey, l.checkpoint]));

describe('leasesToCreate', () => {
  test('first sync with trim-horizon reads every shard from its start, closed ones too', () => {
    const leases = leasesToCreate(SHARDS, [], 'trim-horizon', ARN);
    assert.deepEqual(checkpoints(leases), { s1: TRIM_HORIZON, s2: TRIM_HORIZON, s3: TRIM_HORIZON });
  });

  test('first sync with latest: closed shards are finished, open ones start at LATEST', () => {
    const leases = leasesToCreate(SHARDS, [], 'latest', ARN);
    assert.deepEqual(checkpoints(leases), { s1: SHARD_END, s2: LATEST, s3: LATEST });
  });

  test('later syncs start every new shard at TRIM_HORIZON, whatever the start position', () => {
    const existing = [{ leaseKey: 's1' }];
    for (const position of ['latest', 'trim-horizon'] as const) {
      const leases = leasesToCreate(
        [...SHARDS, shard('s4', true, ['s3']), shard('s5', false, ['s4'])],
        existing,
        position,
        ARN,
      );
      assert.deepEqual(
        checkpoints(leases),
        { s2: TRIM_HORIZON, s3: TRIM_HORIZON, s4: TRIM_HORIZON, s5: TRIM_HORIZON },
        position,
      );
      // Read from their first record, so that a trimmed head is an error, never a silent skip.
      assert.deepEqual(
        leases.map((l) => l.startingSequenceNumber),
        ['100-s2', '100-s3', '100-s4', '100-s5'],
      );
    }
  });

  test('the first sync starts where the user said, without a starting sequence number', () => {
    for (const position of ['latest', 'trim-horizon'] as const) {
      const leases = leasesToCreate(SHARDS, [], position, ARN);
      assert.deepEqual(
        leases.map((l) => l.startingSequenceNumber),
        [undefined, undefined, undefined],
      );
    }
  });

  test('shards that already have a lease are skipped', () => {
    const leases = leasesToCreate(SHARDS, [{ leaseKey: 's1' }, { leaseKey: 's3' }], 'trim-horizon', ARN);
    assert.deepEqual(
      leases.map((l) => l.leaseKey),
      ['s2'],
    );
    assert.deepEqual(
      leasesToCreate(SHARDS, [{ leaseKey: 's1' }, { leaseKey: 's2' }, { leaseKey: 's3' }], 'latest', ARN),
      [],
    );
  });

  test('no shards, no leases', () => {
    assert.deepEqual(leasesToCreate([], [], 'latest', ARN), []);
  });

  test('a new lease keeps the parent ids and the stream, and is unowned at counter 0', () => {
    const [lease] = leasesToCreate([shard('child', false, ['parent'])], [{ leaseKey: 'x' }], 'latest', ARN);
    assert.deepEqual(lease, {
      leaseKey: 'child',
      leaseOwner: undefined,
      leaseCounter: 0,
      checkpoint: TRIM_HORIZON,
      checkpointSubSequenceNumber: 0,
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: ['parent'],
      streamArn: ARN,
      pendingOwner: undefined,
      lastRenewedAt: undefined,
      failoverMs: undefined,
      behindMs: undefined,
      startingSequenceNumber: '100-child',
    });
  });

  test('shards keep their order', () => {
    const shards = [shard('c', false), shard('a', false), shard('b', false)];
    assert.deepEqual(
      leasesToCreate(shards, [], 'trim-horizon', ARN).map((l) => l.leaseKey),
      ['c', 'a', 'b'],
    );
  });
});

describe('foreignLeases', () => {
  const lease = (leaseKey: string, streamArn: string | undefined): Lease => ({
    ...newLease(leaseKey, [], TRIM_HORIZON, ''),
    streamArn,
  });

  test('leases of another stream are foreign', () => {
    const leases = [lease('a', ARN), lease('b', OTHER_ARN), lease('c', OTHER_ARN)];
    assert.deepEqual(
      foreignLeases(leases, ARN).map((l) => l.leaseKey),
      ['b', 'c'],
    );
  });

  test('leases without a stream (written by the KCL) are not foreign', () => {
    assert.deepEqual(foreignLeases([lease('a', undefined)], ARN), []);
  });

  test('leases of this stream are not foreign', () => {
    assert.deepEqual(foreignLeases([lease('a', ARN)], ARN), []);
    assert.deepEqual(
      foreignLeases([lease('a', ARN)], OTHER_ARN).map((l) => l.leaseKey),
      ['a'],
    );
  });
});
