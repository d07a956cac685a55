import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newLease } from '../lease/lease.js';
import type { LeaseStore } from '../lease/lease-store.js';
import { ShardLease } from '../lease/shard-lease.js';
import { EventBus } from '../observability/events.js';
import { silentLogger } from '../observability/logger.js';
import type { ShardReader } from '../stream/shard-reader.js';
import { Semaphore } from '../util/semaphore.js';
import type { TableWriter } from '../writer/table-writer.js';
import type { ChangeSink } from '../writer/change-sink.js';
import type { ChangeRecord } from '../stream/change-record.js';
import { holdAtTip, ShardPipeline } from './shard-pipeline.js';

/** A lease of shard-1 held by 'me' in `store`. */
function heldLease(store: LeaseStore): ShardLease {
  return new ShardLease(
    { ...newLease('shard-1', [], 'TRIM_HORIZON', 'arn'), leaseOwner: 'me', leaseCounter: 1 },
    performance.now(),
    {
      store,
      workerId: 'me',
      timing: { failoverMs: 10_000, safetyMs: 1_000 },
      clock: () => performance.now(),
    },
  );
}

test('the reader holds at the tip only while a full page of records or more is read but not yet written', () => {
  const cases: [atTip: boolean, unwritten: number, pageSize: number, hold: boolean][] = [
    [true, 0, 1000, false],
    [true, 999, 1000, false],
    [true, 1000, 1000, true],
    [true, 24_000, 1000, true],
    [false, 24_000, 1000, false],
    [false, 0, 1000, false],
    [true, 1, 1, true],
    [true, 0, 1, false],
  ];
  for (const [atTip, unwritten, pageSize, hold] of cases) {
    assert.equal(
      holdAtTip(atTip, unwritten, pageSize),
      hold,
      `atTip ${atTip}, ${unwritten} unwritten, page ${pageSize}`,
    );
  }
});

test('a lease lost just before the shard end is checkpointed ends the shard as lost, not the worker', async () => {
  // The store refuses the SHARD_END checkpoint (another worker owns the lease by now); nothing else reaches it.
  const store = {
    checkpoint: () => Promise.resolve(false),
  } as unknown as LeaseStore;
  const lease = heldLease(store);
  // A closed shard with nothing left to read: one empty batch that ends it.
  const reader = {
    pageSize: 1000,
    // for await takes a plain generator too.
    read: function* () {
      yield { records: [], bytes: 0, atTip: true, shardEnded: true };
    },
  } as unknown as ShardReader;
  const events = new EventBus();
  const stopped: string[] = [];
  events.on('shard.stopped', (e) => stopped.push(`${e.kind}: ${e.reason}`));
  const pipeline = new ShardPipeline({
    lease,
    reader,
    writer: {} as unknown as TableWriter,
    keyAttributes: ['pk'],
    memory: new Semaphore(1 << 20),
    writeRequestTimeoutMs: 1_000,
    checkpointIntervalMs: 0,
    events,
    logger: silentLogger(),
  });
  const outcome = await pipeline.run(new AbortController().signal, new AbortController().signal);
  assert.equal(outcome, 'lost');
  assert.deepEqual(stopped, ['lost: checkpoint refused: another worker owns the lease']);
  assert.equal(lease.isLost, true);
});

test('a sink receives every flush in place of the writer, squashed, fenced by the lease; the checkpoint follows it', async () => {
  const checkpoints: string[] = [];
  const store = {
    checkpoint: (_shard: string, _owner: string, value: string) => {
      checkpoints.push(value);
      return Promise.resolve(true);
    },
  } as unknown as LeaseStore;
  const lease = heldLease(store);
  const change = (seq: string, pk: string, v: string | undefined): ChangeRecord => ({
    sequenceNumber: seq,
    eventName: v === undefined ? 'REMOVE' : 'MODIFY',
    keys: { pk: { S: pk } },
    newImage: v === undefined ? undefined : { pk: { S: pk }, v: { S: v } },
    createdAtMs: undefined,
    sizeBytes: 10,
  });
  const reader = {
    pageSize: 1000,
    read: function* () {
      yield {
        records: [change('100', 'a', '1'), change('200', 'b', '1'), change('300', 'a', undefined)],
        bytes: 30,
        atTip: true,
        shardEnded: true,
      };
    },
  } as unknown as ShardReader;
  const written: string[][] = [];
  let fenced = 0;
  const sink: ChangeSink = {
    tableName: 'spool',
    needsOldImages: false,
    write: async (changes, options) => {
      await options.beforeSend?.();
      fenced += 1;
      written.push(changes.map((c) => `${c.sequenceNumber}:${c.eventName}`));
      return { puts: 1, deletes: 1, requests: 1, retries: 0 };
    },
  };
  const pipeline = new ShardPipeline({
    lease,
    reader,
    // Never called: the sink takes its place.
    writer: {} as unknown as TableWriter,
    keyAttributes: ['pk'],
    memory: new Semaphore(1 << 20),
    writeRequestTimeoutMs: 1_000,
    checkpointIntervalMs: 0,
    events: new EventBus(),
    logger: silentLogger(),
    sink,
  });
  const outcome = await pipeline.run(new AbortController().signal, new AbortController().signal);
  assert.equal(outcome, 'ended');
  // One change per key: a's REMOVE replaced its MODIFY.
  assert.deepEqual(
    written.map((w) => [...w].sort()),
    [['200:MODIFY', '300:REMOVE']],
  );
  assert.equal(fenced, 1);
  // The flush's last record, once the sink resolved, then the shard's end.
  assert.deepEqual(checkpoints, ['300', 'SHARD_END']);
});
