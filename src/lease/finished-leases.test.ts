import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishedLeasesToDelete } from './finished-leases.js';
import { LATEST, newLease, SHARD_END, TRIM_HORIZON, type Lease } from './lease.js';

function lease(id: string, checkpoint: string, parents: string[] = []): Lease {
  return newLease(id, parents, checkpoint, 'arn:stream');
}

function keys(leases: readonly Lease[]): string[] {
  return leases.map((l) => l.leaseKey).sort();
}

test('a finished parent gone from the stream whose children moved on is deleted', () => {
  const leases = [lease('p', SHARD_END), lease('c1', '100', ['p']), lease('c2', LATEST, ['p'])];
  assert.deepEqual(keys(finishedLeasesToDelete(leases, new Set(['c1', 'c2']))), ['p']);
});

test('never while the shard is still in the stream: its lease would be created anew and replayed', () => {
  const leases = [lease('p', SHARD_END), lease('c', '100', ['p'])];
  assert.deepEqual(finishedLeasesToDelete(leases, new Set(['p', 'c'])), []);
});

test('never while a child has not moved past TRIM_HORIZON', () => {
  const leases = [lease('p', SHARD_END), lease('c1', '100', ['p']), lease('c2', TRIM_HORIZON, ['p'])];
  assert.deepEqual(finishedLeasesToDelete(leases, new Set(['c1', 'c2'])), []);
});

test('never without any child lease', () => {
  assert.deepEqual(finishedLeasesToDelete([lease('p', SHARD_END)], new Set()), []);
});

test('unfinished leases are never deleted, whatever the stream says', () => {
  const leases = [lease('p', '42'), lease('c', '100', ['p']), lease('q', TRIM_HORIZON), lease('r', LATEST)];
  assert.deepEqual(finishedLeasesToDelete(leases, new Set()), []);
});

test('a finished child of a finished parent: both go once the grandchild moved on', () => {
  const leases = [lease('p', SHARD_END), lease('c', SHARD_END, ['p']), lease('g', '7', ['c'])];
  assert.deepEqual(keys(finishedLeasesToDelete(leases, new Set(['g']))), ['c', 'p']);
});
