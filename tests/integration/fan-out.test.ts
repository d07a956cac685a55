// dynamodb-local: shared
// Fan-out end to end through `replicate --plan`: one source stream read once into three destinations, two with a
// filter of their own (one tenant each, one without a secret attribute), the third behind a delaying proxy whose
// writes time out until the proxy is told to let them through. The slow destination holds back only its own
// writes (the other two converge while its backlog metric is above zero), the checkpoint waits for it (a kill -9
// while it is stuck, then a second worker, and all three destinations hold exactly their items).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BatchWriteItemCommand, DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { createTable, deleteTableIfExists, scanAll } from '../../src/local/local-tables.js';
import { FaultProxy } from '../support/fault-proxy.js';
import {
  DEST_REGION,
  destEndpoint,
  SOURCE_REGION,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import {
  canonicalItem,
  createFixture,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';

const dir = mkdtempSync(join(tmpdir(), 'ddb-fan-out-'));
const workers: ReplicatorProcess[] = [];
let fixture: ReplicationFixture;
let proxy: FaultProxy;
const tenantB = uniqueName('fan-b');
const everything = uniqueName('fan-all');

before(async () => {
  fixture = await createFixture({ prefix: 'fan' });
  await Promise.all([
    createTable(fixture.destination, tenantB, fixture.key),
    createTable(fixture.destination, everything, fixture.key),
  ]);
  proxy = await FaultProxy.start(destEndpoint());
});

after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await proxy.close();
  await Promise.all([
    deleteTableIfExists(fixture.destination, tenantB),
    deleteTableIfExists(fixture.destination, everything),
  ]);
  await fixture.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const item = (i: number, tenant: string): Item => ({
  pk: { S: `k-${i}` },
  tenant: { S: tenant },
  secret: { S: `secret ${i}` },
  n: { N: String(i) },
});

async function putAll(source: DynamoDBClient, table: string, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const batch: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await source.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
  }
}

/** What each destination must hold, from the source as it is now. */
const DESTINATIONS = [
  { table: () => fixture.destTable, expect: (i: Item): Item | null => (i.tenant?.S === 'a' ? i : null) },
  {
    table: () => tenantB,
    expect: (i: Item): Item | null => {
      if (i.tenant?.S !== 'b') return null;
      const rest = { ...i };
      delete rest.secret;
      return rest;
    },
  },
  { table: () => everything, expect: (i: Item): Item | null => i },
] as const;

/** Per destination: how many of its expected items are missing, extra or different (0 0 0 when it converged). */
async function mismatches(): Promise<string[]> {
  const source = await scanAll(fixture.source, fixture.sourceTable);
  return Promise.all(
    DESTINATIONS.map(async ({ table, expect }) => {
      const expected = new Map<string, string>();
      for (const sourceItem of source) {
        const image = expect(sourceItem);
        if (image !== null) expected.set(image.pk?.S ?? '?', canonicalItem(image));
      }
      const actual = new Map(
        (await scanAll(fixture.destination, table())).map((i) => [i.pk?.S ?? '?', canonicalItem(i)]),
      );
      let missing = 0;
      let different = 0;
      for (const [key, image] of expected) {
        const found = actual.get(key);
        if (found === undefined) missing += 1;
        else if (found !== image) different += 1;
        actual.delete(key);
      }
      return `${table()}: ${missing} missing, ${actual.size} extra, ${different} different of ${expected.size}`;
    }),
  );
}

const converged = (line: string): boolean => / 0 missing, 0 extra, 0 different/.test(line);

function start(workerId: string): ReplicatorProcess {
  const worker = new ReplicatorProcess([
    'replicate',
    ...['--plan', join(dir, 'plan.yaml'), '--worker-id', workerId],
    ...['--failover-ms', '3000', '--metrics-port', '0', '--progress-interval-ms', '1000'],
  ]);
  workers.push(worker);
  return worker;
}

async function backlogs(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const found = new Map<string, number>();
  for (const m of text.matchAll(
    /ddb_replicator_destination_backlog_records\{[^}]*destination="([^"]+)"\} (\d+)/g,
  )) {
    found.set(m[1] ?? '?', Number(m[2]));
  }
  return found;
}

test('one read, three destinations with rules of their own; a slow one holds back only itself; kill -9', async () => {
  writeFileSync(
    join(dir, 'plan.yaml'),
    JSON.stringify({
      replications: [
        {
          source: { table: fixture.sourceTable, region: SOURCE_REGION, endpoint: sourceEndpoint() },
          taskName: fixture.taskName,
          checkpointIntervalMs: 0,
          destinations: [
            {
              table: fixture.destTable,
              region: DEST_REGION,
              endpoint: destEndpoint(),
              filter: { dynamodb: { NewImage: { tenant: { S: ['a'] } } } },
            },
            {
              table: tenantB,
              region: DEST_REGION,
              endpoint: destEndpoint(),
              filter: { dynamodb: { NewImage: { tenant: { S: ['b'] } } } },
              excludeAttributes: ['secret'],
            },
            { table: everything, region: DEST_REGION, endpoint: proxy.endpoint },
          ],
        },
      ],
    }),
  );
  await putAll(
    fixture.source,
    fixture.sourceTable,
    Array.from({ length: 90 }, (_, i) => item(i, ['a', 'b', 'c'][i % 3] ?? 'c')),
  );
  // Every write to the third destination answers after the worker's request timeout (0.3 of --failover-ms):
  // it is retried again and again and never counts as written while this rule stands.
  proxy.add({ operations: ['BatchWriteItem'], kinds: ['slow'], slowMs: [2_000, 2_000] });

  const first = start('fan-1');
  try {
    const port = Number((await first.waitForLog('serving /metrics and /healthz')).port);
    const [a, b] = await waitFor(
      'the two fast destinations to converge',
      async () => {
        assert.equal(first.child.exitCode, null, first.describe());
        const lines = await mismatches();
        return converged(lines[0] ?? '') && converged(lines[1] ?? '') ? lines : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.match(a ?? '', / of 30$/);
    assert.match(b ?? '', / of 30$/);
    const behind = await waitFor('the backlog of the slow destination', async () => {
      const found = await backlogs(port);
      return (found.get(everything) ?? 0) > 0 ? found : undefined;
    });
    assert.equal(behind.get(fixture.destTable), 0, JSON.stringify([...behind]));
    assert.equal(behind.get(tenantB), 0, JSON.stringify([...behind]));
    assert.ok(proxy.totalInjected() > 0);

    // Items change tenants (and so leave one destination and enter another) and some are deleted while the
    // third destination is stuck; then the worker dies.
    for (let i = 0; i < 12; i++) {
      await fixture.source.send(
        new UpdateItemCommand({
          TableName: fixture.sourceTable,
          Key: { pk: { S: `k-${i}` } },
          UpdateExpression: 'SET tenant = :t',
          ExpressionAttributeValues: { ':t': { S: i % 2 === 0 ? 'b' : 'a' } },
        }),
      );
    }
    for (let i = 80; i < 86; i++) {
      await fixture.source.send(
        new DeleteItemCommand({ TableName: fixture.sourceTable, Key: { pk: { S: `k-${i}` } } }),
      );
    }
    await waitFor('the fast destinations to take the changes', async () => {
      const lines = await mismatches();
      return converged(lines[0] ?? '') && converged(lines[1] ?? '');
    });
  } finally {
    await first.kill();
  }

  // The third destination never wrote a flush: the checkpoint stayed put, and the next worker replays into all
  // three (the two that have the data take it again unchanged).
  proxy.clear();
  await putAll(
    fixture.source,
    fixture.sourceTable,
    Array.from({ length: 9 }, (_, i) => item(100 + i, ['a', 'b', 'c'][i % 3] ?? 'c')),
  );
  const second = start('fan-2');
  try {
    const lines = await waitFor(
      'all three destinations to converge',
      async () => {
        assert.equal(second.child.exitCode, null, second.describe());
        const now = await mismatches();
        return now.every(converged) ? now : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // Tenant a: 30, less 4 that moved away, plus 6 that moved in, less 2 deleted, plus 3 new; b likewise; all:
    // 90 less 6 deleted plus 9 new.
    assert.deepEqual(
      lines.map((line) => line.replace(/^.* of /, '')),
      ['33', '33', '93'],
    );
    assert.equal((await second.stop()).code, 0, second.describe());
    assert.deepEqual(second.errors(), []);
  } finally {
    await second.kill();
  }
});

test('a bootstrap copy fills every destination of a fan-out through its own rules, then replication goes on', async () => {
  const copied = await createFixture({ prefix: 'fancopy' });
  const second = uniqueName('fancopy-b');
  await createTable(copied.destination, second, copied.key);
  try {
    // Items that exist before the task starts: only the copy can bring them.
    await putAll(
      copied.source,
      copied.sourceTable,
      Array.from({ length: 60 }, (_, i) => item(i, i % 2 === 0 ? 'a' : 'b')),
    );
    const planFile = join(dir, 'copy-plan.json');
    writeFileSync(
      planFile,
      JSON.stringify({
        defaults: { destination: { region: DEST_REGION, endpoint: destEndpoint() } },
        replications: [
          {
            source: { table: copied.sourceTable, region: SOURCE_REGION, endpoint: sourceEndpoint() },
            taskName: copied.taskName,
            bootstrap: true,
            segments: 2,
            destinations: [
              { table: copied.destTable, filter: { dynamodb: { NewImage: { tenant: { S: ['a'] } } } } },
              { table: second, excludeAttributes: ['secret'] },
            ],
          },
        ],
      }),
    );
    const worker = new ReplicatorProcess([
      'replicate',
      ...['--plan', planFile, '--worker-id', 'fancopy-1', '--failover-ms', '3000'],
    ]);
    workers.push(worker);
    const expectA = (i: Item): Item | null => (i.tenant?.S === 'a' ? i : null);
    const expectB = (i: Item): Item => {
      const rest = { ...i };
      delete rest.secret;
      return rest;
    };
    const holds = async (): Promise<string> => {
      const source = await scanAll(copied.source, copied.sourceTable);
      const want = (expect: (i: Item) => Item | null): string[] =>
        source
          .map(expect)
          .filter((i): i is Item => i !== null)
          .map(canonicalItem)
          .sort();
      const have = async (table: string): Promise<string[]> =>
        (await scanAll(copied.destination, table)).map(canonicalItem).sort();
      const [a, b] = await Promise.all([have(copied.destTable), have(second)]);
      const okA = JSON.stringify(a) === JSON.stringify(want(expectA));
      const okB = JSON.stringify(b) === JSON.stringify(want(expectB));
      return `${a.length}/${okA} ${b.length}/${okB}`;
    };
    const copiedState = await waitFor('the copy to fill both destinations', async () => {
      assert.equal(worker.child.exitCode, null, worker.describe());
      const state = await holds();
      return state === '30/true 60/true' ? state : undefined;
    });
    assert.equal(copiedState, '30/true 60/true');
    await worker.waitForLog('bootstrap copy done');
    // After the copy, the stream: a change that moves an item out of tenant a, a delete, two new items.
    await copied.source.send(
      new UpdateItemCommand({
        TableName: copied.sourceTable,
        Key: { pk: { S: 'k-0' } },
        UpdateExpression: 'SET tenant = :t',
        ExpressionAttributeValues: { ':t': { S: 'b' } },
      }),
    );
    await copied.source.send(
      new DeleteItemCommand({ TableName: copied.sourceTable, Key: { pk: { S: 'k-1' } } }),
    );
    await putAll(copied.source, copied.sourceTable, [item(500, 'a'), item(501, 'a')]);
    const after = await waitFor('the stream changes in both destinations', async () => {
      const state = await holds();
      return state === '31/true 61/true' ? state : undefined;
    });
    // Tenant a: 30, less k-0 (moved to b), plus two new; all: 60, less k-1, plus two new (secret left out).
    assert.equal(after, '31/true 61/true');
    assert.equal((await worker.stop()).code, 0, worker.describe());
  } finally {
    await deleteTableIfExists(copied.destination, second);
    await copied.cleanup();
  }
});
