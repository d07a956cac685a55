import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bootstrapItemsFrom,
  DRAIN_KEY_PREFIXES,
  newSegmentItem,
  savedKeyValue,
  segmentFromItem,
  segmentKey,
  taskFromItem,
  taskToItem,
  TASK_KEY,
  type BootstrapTask,
} from './bootstrap-items.js';

const TASK: BootstrapTask = {
  state: 'copying',
  startedAt: 1_700_000_000_000,
  segments: 8,
  estimatedItems: 20_000,
  estimatedBytes: 3_000_000,
  streamArn: 'arn:aws:dynamodb:us-east-1:1:table/t/stream/x',
  positionsRecordedAt: 1_700_000_001_000,
  doneAt: undefined,
  copyMode: 'direct',
};

test('keys carry the bootstrap# prefix the lease store leaves out', () => {
  assert.equal(TASK_KEY, 'bootstrap#task');
  assert.equal(segmentKey(3), 'bootstrap#segment-3');
});

test('the task survives the round trip; absent optional facts stay absent', () => {
  assert.deepEqual(taskFromItem(taskToItem(TASK)), TASK);
  const item = taskToItem({ ...TASK, positionsRecordedAt: undefined });
  assert.equal(item.positionsRecordedAt, undefined);
  assert.equal(item.doneAt, undefined);
  assert.throws(() => taskFromItem({ ...item, state: { S: 'bogus' } }), TypeError);
  // A task stored before spool mode existed is a direct copy; a spool task stays one.
  const older = { ...item };
  delete older.copyMode;
  assert.equal(taskFromItem(older).copyMode, 'direct');
  assert.equal(
    taskFromItem(taskToItem({ ...TASK, state: 'switching', copyMode: 'spool' })).copyMode,
    'spool',
  );
  assert.equal(taskFromItem(taskToItem({ ...TASK, state: 'switching' })).state, 'switching');
  assert.equal(taskFromItem(taskToItem({ ...TASK, autoMode: true })).autoMode, true);
  assert.equal(taskFromItem(item).autoMode, undefined);
  // The spool's count is added by the workers (spool-count.ts): absent until the first addition.
  assert.equal(taskFromItem(item).spooledChanges, undefined);
  assert.equal(taskFromItem({ ...item, spooledChanges: { N: '1234' } }).spooledChanges, 1234);
});

test("drain passes keep their segments apart from the copy's", () => {
  const drain = newSegmentItem(3, DRAIN_KEY_PREFIXES[1]);
  assert.equal(drain.leaseKey?.S, 'bootstrap#drain2-3');
  assert.equal(segmentFromItem(drain, DRAIN_KEY_PREFIXES[1]).segment, 3);
  assert.throws(() => segmentFromItem(drain), TypeError);
  const all = bootstrapItemsFrom([newSegmentItem(1), drain, newSegmentItem(0, DRAIN_KEY_PREFIXES[0])]);
  assert.deepEqual(
    all.segments.map((s) => s.segment),
    [1],
  );
});

test('a new segment is unowned, not done, at its start; a saved position decodes', () => {
  assert.deepEqual(segmentFromItem(newSegmentItem(5)), {
    segment: 5,
    leaseOwner: undefined,
    leaseCounter: 0,
    lastEvaluatedKey: undefined,
    done: false,
    itemsCopied: 0,
    bytesCopied: 0,
  });
  const key = { pk: { B: new Uint8Array([1, 2]) } };
  const saved = segmentFromItem({
    ...newSegmentItem(2),
    leaseOwner: { S: 'w1' },
    leaseCounter: { N: '7' },
    lastEvaluatedKey: savedKeyValue(key),
    itemsCopied: { N: '1000' },
  });
  assert.deepEqual(saved.lastEvaluatedKey, key);
  assert.equal(saved.leaseOwner, 'w1');
  assert.equal(saved.leaseCounter, 7);
  assert.equal(saved.itemsCopied, 1000);
  assert.throws(() => segmentFromItem({ leaseKey: { S: 'shardId-1' } }), TypeError);
});
