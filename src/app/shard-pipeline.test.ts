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
import { holdAtTip, ShardPipeline } from './shard-pipeline.js';

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
  const lease = new ShardLease(
    { ...newLease('shard-1', [], 'TRIM_HORIZON', 'arn'), leaseOwner: 'me', leaseCounter: 1 },
    performance.now(),
    {
      store,
      workerId: 'me',
      timing: { failoverMs: 10_000, safetyMs: 1_000 },
      clock: () => performance.now(),
    },
  );
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
