import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import { newLease, type Lease } from '../lease/lease.js';
import { silentLogger } from '../observability/logger.js';
import type { ReadPosition, ShardInfo } from '../stream/shard-info.js';
import type { StreamApi } from '../stream/stream-api.js';
import type { RecordOutcome, SegmentStore } from './segment-store.js';
import { newestSequenceNumber, recordStreamPositions } from './stream-positions.js';

/** A stream of shards with records numbered 1..n; `grow` adds records as GetRecords pages are served. */
class FakeStream implements StreamApi {
  readonly records = new Map<string, number>();
  readonly closed = new Set<string>();
  readonly gone = new Set<string>();
  failures: Error[] = [];
  grow = 0;
  pages = 0;

  constructor(readonly shards: ShardInfo[]) {}

  listShards() {
    return Promise.resolve({ status: 'ENABLED', viewType: 'NEW_IMAGE', shards: this.shards });
  }

  getShardIterator(_arn: string, shardId: string, position: ReadPosition) {
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    if (this.gone.has(shardId))
      return Promise.reject(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
    const at = position.type === 'AFTER_SEQUENCE_NUMBER' ? Number(position.sequenceNumber) : 0;
    return Promise.resolve(`${shardId}@${at}`);
  }

  getRecords(iterator: string, limit: number) {
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    this.pages += 1;
    const [shardId = '', at = '0'] = iterator.split('@');
    const total = this.records.get(shardId) ?? 0;
    const from = Number(at);
    const to = Math.min(total, from + limit);
    const records: _Record[] = [];
    for (let n = from + 1; n <= to; n++) records.push({ dynamodb: { SequenceNumber: String(n) } });
    this.records.set(shardId, total + this.grow);
    const ended = this.closed.has(shardId) && to >= total;
    return Promise.resolve({ records, nextIterator: ended ? undefined : `${shardId}@${to}` });
  }
}

const shard = (shardId: string, closed = false): ShardInfo => ({
  shardId,
  parentShardIds: [],
  endingSequenceNumber: closed ? '999' : undefined,
  startingSequenceNumber: '1',
});
const signal = new AbortController().signal;
const deps = (api: StreamApi) => ({ api, streamArn: 'arn', batchSize: 10, backoff: { baseMs: 1, maxMs: 1 } });

test('the newest record is found by reading from TRIM_HORIZON to a page short of the limit', async () => {
  const api = new FakeStream([shard('a')]);
  api.records.set('a', 35);
  assert.deepEqual(await newestSequenceNumber(deps(api), 'a', signal), { newest: '35' });
  assert.equal(api.pages, 4);
});

test('a full last page is followed by one more read; an empty shard has no newest record', async () => {
  const api = new FakeStream([shard('a'), shard('b')]);
  api.records.set('a', 20);
  assert.deepEqual(await newestSequenceNumber(deps(api), 'a', signal), { newest: '20' });
  assert.equal(api.pages, 3, 'two full pages, then an empty one');
  assert.deepEqual(await newestSequenceNumber(deps(api), 'b', signal), { newest: undefined });
});

test('a shard written to while it is read stops at the first short page: short of the tip, never past it', async () => {
  const api = new FakeStream([shard('a')]);
  api.records.set('a', 25);
  api.grow = 3;
  const found = await newestSequenceNumber(deps(api), 'a', signal);
  const newest = found === 'gone' ? 0 : Number(found.newest);
  assert.ok(newest >= 25, `at least what was there at the start (${newest})`);
  assert.ok(newest <= (api.records.get('a') ?? 0), 'never past what the shard holds');
});

test('throttling and expired iterators are retried; a shard gone from the stream says so', async () => {
  const api = new FakeStream([shard('a'), shard('g')]);
  api.records.set('a', 5);
  api.failures = [
    Object.assign(new Error('slow down'), {
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 400 },
    }),
    Object.assign(new Error('expired'), { name: 'ExpiredIteratorException' }),
  ];
  assert.deepEqual(await newestSequenceNumber(deps(api), 'a', signal), { newest: '5' });
  api.gone.add('g');
  assert.equal(await newestSequenceNumber(deps(api), 'g', signal), 'gone');
});

test('recording: closed shards SHARD_END, empty ones TRIM_HORIZON, open ones their newest record', async () => {
  const api = new FakeStream([shard('closed', true), shard('empty'), shard('busy')]);
  api.records.set('closed', 4);
  api.records.set('busy', 12);
  const created: Lease[] = [];
  const store = {
    recordPosition: (lease: Lease): Promise<RecordOutcome> => {
      created.push(lease);
      return Promise.resolve('recorded');
    },
  } as unknown as SegmentStore;
  const out = await recordStreamPositions({ ...deps(api), store, logger: silentLogger() }, signal);
  assert.deepEqual(out, {
    complete: true,
    shards: 3,
    recorded: { closed: 'SHARD_END', empty: 'TRIM_HORIZON', busy: '12' },
  });
  assert.deepEqual(
    created.find((l) => l.leaseKey === 'busy'),
    newLease('busy', [], '12', 'arn'),
  );
});

test('recording stops once another worker has finished it (too late), and retries conflicts', async () => {
  const api = new FakeStream([shard('a'), shard('b'), shard('c')]);
  const outcomes: RecordOutcome[] = ['conflict', 'recorded', 'too-late'];
  const store = {
    recordPosition: () => Promise.resolve(outcomes.shift() ?? 'exists'),
  } as unknown as SegmentStore;
  const out = await recordStreamPositions(
    { ...deps(api), store, logger: silentLogger(), concurrency: 1 },
    signal,
  );
  assert.equal(out.complete, false);
  assert.deepEqual(out.recorded, { a: 'TRIM_HORIZON' });
});
