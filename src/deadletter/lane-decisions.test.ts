import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ChangeRecord } from '../stream/change-record.js';
import { partitionBlocked, refusedChanges, requestKey } from './lane-decisions.js';

const change = (id: string): ChangeRecord => ({
  sequenceNumber: '1',
  eventName: 'INSERT',
  keys: { pk: { S: id } },
  newImage: { pk: { S: id } },
  createdAtMs: undefined,
  sizeBytes: 0,
});

describe('partitionBlocked', () => {
  test('no blocked key: everything is free', () => {
    const changes = [change('a'), change('b')];
    assert.deepEqual(partitionBlocked(changes, new Set(), ['pk']), { blocked: [], free: changes });
  });

  test('a change of a blocked key waits, the others go', () => {
    const [a, b, c] = [change('a'), change('b'), change('c')];
    const out = partitionBlocked([a, b, c], new Set(['Sb']), ['pk']);
    assert.deepEqual(out.blocked, [b]);
    assert.deepEqual(out.free, [a, c]);
  });
});

describe('refusedChanges', () => {
  test('maps a refused request to its change by identity, once per change', () => {
    const a = change('a');
    const put: WriteRequest = { PutRequest: { Item: { id: { S: 'A' } } } };
    const del: WriteRequest = { DeleteRequest: { Key: { id: { S: 'old-A' } } } };
    const owners = new Map([
      [put, a],
      [del, a],
    ]);
    const out = refusedChanges(
      [
        { request: put, error: 'e1' },
        { request: del, error: 'e2' },
      ],
      owners,
      ['id'],
    );
    assert.deepEqual(out, { refusals: [{ change: a, error: 'e1' }], unmatched: [] });
  });

  test('a copy of the request (a retried batch) is matched by its destination key', () => {
    const b = change('b');
    const put: WriteRequest = { PutRequest: { Item: { id: { S: 'B' }, v: { N: '1' } } } };
    const copy: WriteRequest = { PutRequest: { Item: { id: { S: 'B' }, v: { N: '1' } } } };
    const out = refusedChanges([{ request: copy, error: 'e' }], new Map([[put, b]]), ['id']);
    assert.deepEqual(out.refusals, [{ change: b, error: 'e' }]);
  });

  test('a request no change owns is unmatched (the flush must fail)', () => {
    const stray: WriteRequest = { PutRequest: { Item: { id: { S: 'Z' } } } };
    const out = refusedChanges([{ request: stray, error: 'e' }], new Map(), ['id']);
    assert.deepEqual(out, { refusals: [], unmatched: [stray] });
  });

  test('requestKey: of a put and of a delete; undefined without the key', () => {
    assert.equal(requestKey({ PutRequest: { Item: { id: { N: '01' } } } }, ['id']), 'N1e0');
    assert.equal(requestKey({ DeleteRequest: { Key: { id: { S: 'x' } } } }, ['id']), 'Sx');
    assert.equal(requestKey({ PutRequest: { Item: { other: { S: 'x' } } } }, ['id']), undefined);
  });
});
