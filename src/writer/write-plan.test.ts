import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChangeEvent, ChangeRecord } from '../stream/change-record.js';
import { MAX_BATCH_WRITE, planBatches, toWriteRequest } from './write-plan.js';

function change(id: number, eventName: ChangeEvent = 'INSERT'): ChangeRecord {
  const keys = { pk: { S: `k${id}` } };
  return {
    sequenceNumber: String(100 + id),
    eventName,
    keys,
    newImage: eventName === 'REMOVE' ? undefined : { ...keys, n: { N: String(id) } },
    createdAtMs: undefined,
    sizeBytes: 10,
  };
}

function changes(count: number): ChangeRecord[] {
  return Array.from({ length: count }, (_, i) =>
    change(i, i % 3 === 2 ? 'REMOVE' : i % 3 === 1 ? 'MODIFY' : 'INSERT'),
  );
}

/** The key a write request is for, so that order and coverage can be checked. */
function keyOf(request: ReturnType<typeof toWriteRequest>): string | undefined {
  return (request.PutRequest?.Item ?? request.DeleteRequest?.Key)?.pk?.S;
}

describe('toWriteRequest', () => {
  test('an INSERT is a put of the new image', () => {
    const c = change(1, 'INSERT');
    assert.deepEqual(toWriteRequest(c), { PutRequest: { Item: c.newImage } });
  });

  test('a MODIFY is a put of the new image', () => {
    const c = change(2, 'MODIFY');
    const request = toWriteRequest(c);
    assert.equal(request.DeleteRequest, undefined);
    assert.deepEqual(request, { PutRequest: { Item: { pk: { S: 'k2' }, n: { N: '2' } } } });
  });

  test('a REMOVE is a delete of the keys', () => {
    const c = change(3, 'REMOVE');
    const request = toWriteRequest(c);
    assert.equal(request.PutRequest, undefined);
    assert.deepEqual(request, { DeleteRequest: { Key: { pk: { S: 'k3' } } } });
  });

  test('a REMOVE that still carries an image is a delete', () => {
    const c: ChangeRecord = { ...change(4, 'INSERT'), eventName: 'REMOVE' };
    assert.deepEqual(toWriteRequest(c), { DeleteRequest: { Key: c.keys } });
  });
});

describe('planBatches', () => {
  test('the limit is the API’s 25', () => {
    assert.equal(MAX_BATCH_WRITE, 25);
  });

  const sizes: [number, number[]][] = [
    [0, []],
    [1, [1]],
    [24, [24]],
    [25, [25]],
    [26, [25, 1]],
    [100, [25, 25, 25, 25]],
    [101, [25, 25, 25, 25, 1]],
  ];
  for (const [count, expected] of sizes) {
    test(`${count} changes -> batches of ${JSON.stringify(expected)}`, () => {
      const input = changes(count);
      const batches = planBatches(input);
      assert.deepEqual(
        batches.map((b) => b.length),
        expected,
      );
      // Every change appears once, in order.
      assert.deepEqual(
        batches.flat().map(keyOf),
        input.map((c) => c.keys.pk?.S),
      );
    });
  }

  test('puts carry the new image and deletes the keys', () => {
    const input = changes(30);
    const requests = planBatches(input).flat();
    input.forEach((c, i) => {
      const request = requests[i];
      if (c.eventName === 'REMOVE') {
        assert.deepEqual(request, { DeleteRequest: { Key: c.keys } }, `change ${i}`);
      } else {
        assert.deepEqual(request, { PutRequest: { Item: c.newImage } }, `change ${i}`);
      }
    });
    assert.equal(requests.filter((r) => r.DeleteRequest !== undefined).length, 10);
  });

  test('a smaller batch size is honoured', () => {
    assert.deepEqual(
      planBatches(changes(26), 10).map((b) => b.length),
      [10, 10, 6],
    );
    assert.deepEqual(
      planBatches(changes(3), 1).map((b) => b.length),
      [1, 1, 1],
    );
  });

  for (const size of [0, -1, 26, 1000]) {
    test(`batch size ${size} throws`, () => {
      assert.throws(() => planBatches(changes(3), size), RangeError);
    });
  }

  // NaN would pass a plain range check and yield [[]], dropping every change.
  test('batch size NaN throws', () => {
    assert.throws(() => planBatches(changes(3), Number.NaN), RangeError);
  });
  test('a fractional batch size throws', () => {
    assert.throws(() => planBatches(changes(5), 2.5), RangeError);
  });
});
