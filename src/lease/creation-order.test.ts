import assert from 'node:assert/strict';
import { test } from 'node:test';
import { creationOrder } from './creation-order.js';

const SHARDS = Array.from({ length: 1000 }, (_, i) => `shard-${i}`);

test('every item once, turned round: the same list from another start', () => {
  for (const worker of ['w1', 'worker-a', '', 'ip-10-0-0-1.ec2.internal']) {
    const order = creationOrder(SHARDS, worker);
    assert.deepEqual([...order].sort(), [...SHARDS].sort(), worker);
    const start = SHARDS.indexOf(order[0] ?? '');
    assert.deepEqual(order, [...SHARDS.slice(start), ...SHARDS.slice(0, start)], worker);
  }
});

test('the same worker always gets the same order; an empty list stays empty', () => {
  assert.deepEqual(creationOrder(SHARDS, 'w3'), creationOrder(SHARDS, 'w3'));
  assert.deepEqual(creationOrder([], 'w3'), []);
  assert.deepEqual(creationOrder(['only'], 'w3'), ['only']);
});

test('eight workers started together start at eight different places, spread over the list', () => {
  const workers = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'];
  const starts = workers.map((w) => SHARDS.indexOf(creationOrder(SHARDS, w)[0] ?? '')).sort((a, b) => a - b);
  assert.equal(new Set(starts).size, 8, `distinct starts ${starts.join(',')}`);
  // The leases one worker would create before reaching another's start: none as many as half of them.
  const gaps = starts.map((s, i) => ((starts[(i + 1) % 8] ?? 0) - s + 1000) % 1000);
  assert.ok(Math.max(...gaps) < 500, `gaps ${gaps.join(',')}`);
});
