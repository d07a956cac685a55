import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataLossError } from '../errors/replicator-error.js';
import { newLease } from '../lease/lease.js';
import type { ReadPosition } from '../stream/shard-info.js';
import type { StreamApi } from '../stream/stream-api.js';
import { checkRecordedPositions } from './position-check.js';
import { STREAM_RETENTION_MS } from './retention-warning.js';

function api(
  answers: Record<string, 'ok' | 'trimmed' | 'gone'>,
  streamShards: string[] = [],
): StreamApi & {
  asked: string[];
} {
  const asked: string[] = [];
  return {
    asked,
    listShards: () =>
      Promise.resolve({
        status: 'ENABLED',
        viewType: 'NEW_IMAGE',
        shards: streamShards.map((shardId) => ({
          shardId,
          parentShardIds: [],
          endingSequenceNumber: undefined,
          startingSequenceNumber: undefined,
        })),
      }),
    getShardIterator: (_arn: string, shardId: string, position: ReadPosition) => {
      asked.push(`${shardId} ${position.type}`);
      const answer = answers[shardId] ?? 'ok';
      if (answer === 'trimmed') {
        return Promise.reject(Object.assign(new Error('trimmed'), { name: 'TrimmedDataAccessException' }));
      }
      if (answer === 'gone') {
        return Promise.reject(Object.assign(new Error('no shard'), { name: 'ResourceNotFoundException' }));
      }
      return Promise.resolve('iterator');
    },
    getRecords: () => Promise.reject(new Error('not used')),
  };
}

const signal = new AbortController().signal;
const leases = [
  newLease('closed', [], 'SHARD_END', 'arn'),
  newLease('empty', [], 'TRIM_HORIZON', 'arn'),
  newLease('a', [], '100', 'arn'),
  newLease('b', [], '200', 'arn'),
];

test('every recorded sequence number is probed AFTER it; nothing else is', async () => {
  const stream = api({});
  await checkRecordedPositions(
    { api: stream, streamArn: 'arn', leases, positionsRecordedAt: 0, now: 1 },
    signal,
  );
  assert.deepEqual(stream.asked, ['a AFTER_SEQUENCE_NUMBER', 'b AFTER_SEQUENCE_NUMBER']);
});

test('a trimmed position is a data-loss error naming the shard and the position', async () => {
  const check = checkRecordedPositions(
    { api: api({ b: 'trimmed' }), streamArn: 'arn', leases, positionsRecordedAt: 0, now: 1 },
    signal,
  );
  await assert.rejects(check, (err: unknown) => {
    assert.ok(err instanceof DataLossError);
    assert.equal(err.shardId, 'b');
    assert.match(err.message, /^data lost: records of shard b after 200/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
});

test('several lost shards: the first is named, the others counted; a vanished shard is lost too', async () => {
  const check = checkRecordedPositions(
    { api: api({ a: 'gone', b: 'trimmed' }), streamArn: 'arn', leases, positionsRecordedAt: 0, now: 1 },
    signal,
  );
  await assert.rejects(check, /shard a is gone from the stream.*\(and 1 more shards\)/);
});

test('past the retention, shards without a provable position (empty, or new) are a possible loss', async () => {
  const late = { positionsRecordedAt: 0, now: STREAM_RETENTION_MS };
  // Only recorded sequence numbers and closed shards: provable, passes.
  await checkRecordedPositions(
    {
      api: api({}, ['a', 'b', 'closed']),
      streamArn: 'arn',
      leases: leases.filter((l) => l.leaseKey !== 'empty'),
      ...late,
    },
    signal,
  );
  // A shard recorded empty, or one created during the copy: not provable after 24 h.
  await assert.rejects(
    checkRecordedPositions({ api: api({}, ['a', 'empty']), streamArn: 'arn', leases, ...late }, signal),
    /data may be lost: .*24\.0 h.*shard empty/,
  );
  await assert.rejects(
    checkRecordedPositions(
      { api: api({}, ['a', 'new']), streamArn: 'arn', leases: leases.slice(2), ...late },
      signal,
    ),
    (err: unknown) => err instanceof DataLossError && err.shardId === 'new',
  );
});
