import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeRecord } from '../stream/change-record.js';
import { WriteFailedError, type TableWriter } from '../writer/table-writer.js';
import type { Item } from './item-compare.js';
import { MeteredRateLimiter } from './metered-rate-limiter.js';
import type { Drift } from './rechecker.js';
import { Repairer } from './repairer.js';

/** A writer that records each call and refuses changes `refuse` picks (the whole call, like BatchWriteItem). */
function fakeWriter(refuse: (change: ChangeRecord) => WriteFailedError | undefined = () => undefined) {
  const calls: ChangeRecord[][] = [];
  const writer = {
    write: (changes: readonly ChangeRecord[]) => {
      calls.push([...changes]);
      const refusal = changes.map(refuse).find((e) => e !== undefined);
      return refusal === undefined
        ? Promise.resolve({ puts: 0, deletes: 0, requests: 1, retries: 0 })
        : Promise.reject(refusal);
    },
  };
  return { writer: writer as unknown as TableWriter, calls };
}

const key = (pk: string): Item => ({ pk: { S: pk } });
const put = (pk: string): Drift => ({
  id: pk,
  key: key(pk),
  kind: 'missing',
  source: { ...key(pk), v: { S: 'source' } },
  destination: undefined,
});
const remove = (pk: string): Drift => ({
  id: pk,
  key: key(pk),
  kind: 'extra',
  source: undefined,
  destination: { ...key(pk), v: { S: 'extra' } },
});
const signal = new AbortController().signal;

test("puts the source's item, deletes extras, 25 writes a call at most", async () => {
  const { writer, calls } = fakeWriter();
  const repairer = new Repairer(writer, new MeteredRateLimiter(Infinity));
  for (let i = 0; i < 30; i++) await repairer.add(put(`p${i}`), signal);
  await repairer.add(remove('x'), signal);
  await repairer.flush(signal);
  assert.deepEqual(
    calls.map((c) => c.length),
    [25, 6],
  );
  const last = calls[1] ?? [];
  assert.equal(last.at(-1)?.eventName, 'REMOVE');
  assert.deepEqual(last.at(-1)?.keys, key('x'));
  assert.deepEqual(last[0]?.newImage, { ...key('p25'), v: { S: 'source' } });
  assert.deepEqual(repairer.stats(), { written: 30, deleted: 1, failed: 0, failures: [] });
});

test('a write rate below 25 makes smaller calls, paced by the limiter', async () => {
  const { writer, calls } = fakeWriter();
  const limiter = new MeteredRateLimiter(4);
  const repairer = new Repairer(writer, limiter);
  for (let i = 0; i < 5; i++) await repairer.add(put(`p${i}`), signal);
  await repairer.flush(signal);
  assert.deepEqual(
    calls.map((c) => c.length),
    [4, 1],
  );
  assert.equal(repairer.stats().written, 5);
  assert.equal(limiter.stats().waits, 1);
});

test('a refused item is found by writing the batch one by one; the others are repaired', async () => {
  const refusal = new WriteFailedError('validation', 'item too large');
  const { writer } = fakeWriter((c) => (c.keys.pk?.S === 'p3' ? refusal : undefined));
  const repairer = new Repairer(writer, new MeteredRateLimiter(Infinity));
  for (let i = 0; i < 5; i++) await repairer.add(put(`p${i}`), signal);
  await repairer.flush(signal);
  assert.deepEqual(repairer.stats(), {
    written: 4,
    deleted: 0,
    failed: 1,
    failures: [{ key: key('p3'), error: 'item too large' }],
  });
});

test('a missing table or refused access stops the repair', async () => {
  const { writer } = fakeWriter(() => new WriteFailedError('not-found', 'no table'));
  const repairer = new Repairer(writer, new MeteredRateLimiter(Infinity));
  await repairer.add(put('p'), signal);
  await assert.rejects(repairer.flush(signal), /no table/);
});
