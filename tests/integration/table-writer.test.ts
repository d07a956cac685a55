// dynamodb-local: shared
// The table writer against DynamoDB Local: it tells when every batch of a write has its first request out, the
// moment the next flush may start filling the request slots (flush-chain.ts); and a request's deadline counts from
// the lease check that let it go, so a process frozen right after that check does not send it when it wakes.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, DATA_PATH } from '../../src/app/aws-clients.js';
import { EventBus } from '../../src/observability/events.js';
import type { ChangeRecord } from '../../src/stream/change-record.js';
import { Semaphore } from '../../src/util/semaphore.js';
import { TableWriter } from '../../src/writer/table-writer.js';
import { DEST_REGION, destEndpoint } from '../support/local-env.js';
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

/** Holds the thread without yielding, as a frozen process does: no timer can fire meanwhile. */
function freeze(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

test('a freeze right after the lease check: the request is refused by a deadline counted from the check, then retried', async () => {
  const fixture = await createFixture({ prefix: 'writer-freeze' });
  fixtures.push(fixture);
  // The replicator's own client: its HTTP handler refuses a request whose deadline has passed.
  const client = createDynamoClient({ region: DEST_REGION, endpoint: destEndpoint() }, DATA_PATH);
  const events = new EventBus();
  const retried: string[] = [];
  const errors: (string | undefined)[] = [];
  events.on('write.retried', (e) => {
    retried.push(e.reason);
    errors.push(e.error);
  });
  const requestTimeoutMs = 1_000;
  const writer = new TableWriter({
    client,
    tableName: fixture.destTable,
    keyAttributes: ['pk'],
    requestSlots: new Semaphore(1),
    events,
    requestTimeoutMs,
  });
  let checks = 0;
  try {
    const outcome = await writer.write(
      Array.from({ length: 10 }, (_, i) => insert(i)),
      {
        signal: new AbortController().signal,
        beforeSend: () => {
          checks += 1;
          const checkedAt = performance.now();
          // The second check is the one right before the first request: freeze past its deadline after it.
          if (checks === 2) freeze(requestTimeoutMs + 100);
          return checkedAt;
        },
      },
    );
    assert.equal(retried[0], 'network', 'the first request ended by its deadline');
    assert.equal(errors[0], 'request timed out', 'the retry names the error, for the warning a 5th one logs');
    assert.ok(outcome.retries >= 1 && outcome.requests === outcome.retries + 1, JSON.stringify(outcome));
    assert.equal(await count(fixture), 10);
  } finally {
    client.destroy();
  }
});
