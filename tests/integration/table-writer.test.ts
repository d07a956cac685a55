// The table writer against DynamoDB Local: it tells when every batch of a write has its first request out, the
// moment the next flush may start filling the request slots (flush-chain.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBus } from '../../src/observability/events.js';
import type { ChangeRecord } from '../../src/stream/change-record.js';
import { Semaphore } from '../../src/util/semaphore.js';
import { TableWriter } from '../../src/writer/table-writer.js';
import { createFixture, type ReplicationFixture } from '../support/replication-fixture.js';

const fixtures: ReplicationFixture[] = [];
after(async () => {
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

function insert(i: number): ChangeRecord {
  const keys = { pk: { S: `item-${i}` } };
  return {
    sequenceNumber: String(1000 + i),
    eventName: 'INSERT',
    keys,
    newImage: { ...keys, n: { N: String(i) } },
    createdAtMs: undefined,
    sizeBytes: 20,
  };
}

async function count(fixture: ReplicationFixture): Promise<number> {
  const out = await fixture.destination.send(
    new ScanCommand({ TableName: fixture.destTable, Select: 'COUNT', ConsistentRead: true }),
  );
  return out.Count ?? 0;
}

test('onAllSent fires once, when the last batch has its first request out, before the write resolves', async () => {
  const fixture = await createFixture({ prefix: 'writer' });
  fixtures.push(fixture);
  const writer = new TableWriter({
    client: fixture.destination,
    tableName: fixture.destTable,
    keyAttributes: ['pk'],
    // One request at a time: the third batch (items 50-59) goes out only after the first two were answered.
    requestSlots: new Semaphore(1),
    events: new EventBus(),
    requestTimeoutMs: 10_000,
  });
  const calls: { at: 'during' | 'after'; itemsThen: Promise<number> }[] = [];
  let resolved = false;
  const outcome = await writer
    .write(
      Array.from({ length: 60 }, (_, i) => insert(i)),
      {
        signal: new AbortController().signal,
        onAllSent: () => calls.push({ at: resolved ? 'after' : 'during', itemsThen: count(fixture) }),
      },
    )
    .finally(() => (resolved = true));
  assert.deepEqual(outcome, { puts: 60, deletes: 0, requests: 3, retries: 0 });
  assert.equal(calls.length, 1, 'called exactly once');
  assert.equal(calls[0]?.at, 'during');
  assert.ok(((await calls[0]?.itemsThen) ?? 0) >= 50, 'not before the first two batches were written');
  assert.equal(await count(fixture), 60);
});
