// `ddb-replicator verify` run as users run it, against DynamoDB Local: it finds drift injected straight into
// the destination (missing, extra, changed items, a changed nested attribute and a changed set) with exact
// counts and keys, across several segments and pages; --repair fixes it and a second verify says equal; it
// reports equal tables while `replicate` runs under a live workload (changes in flight settled by the
// re-check, never counted as drift); rate limits hold the work back; configuration mistakes end with exit 2
// and one line.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { freePort } from '../../src/local/dynamodb-local.js';
import { createTable, deleteTableIfExists } from '../../src/local/local-tables.js';
import type { VerifySummary } from '../../src/verify/verify-summary.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destEndpoint,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import {
  assertTablesConverge,
  createFixture,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import {
  convergedWhileRunning,
  plainErrorLines,
  reportedErrors,
  runUntilExit,
  stackTraceFrames,
} from '../support/run-replicator.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';

type VerifyJson = VerifySummary & { result: string; exitCode: number };

function verifyArgs(fixture: ReplicationFixture, extra: readonly string[] = []): string[] {
  return [
    'verify',
    ...['--source-table', fixture.sourceTable, '--source-region', SOURCE_REGION],
    ...['--source-endpoint', sourceEndpoint()],
    ...['--dest-table', fixture.destTable, '--dest-region', DEST_REGION, '--dest-endpoint', destEndpoint()],
    ...extra,
  ];
}

/** Runs verify to its end; returns its exit code, its --json summary (if asked for) and the process. */
async function runVerify(
  fixture: ReplicationFixture,
  extra: readonly string[],
  timeoutMs = 120_000,
): Promise<{ code: number | null; summary: VerifyJson | undefined; worker: ReplicatorProcess }> {
  const { worker, code } = await runUntilExit(verifyArgs(fixture, extra), timeoutMs);
  assert.deepEqual(reportedErrors(worker), [], worker.describe());
  const summary = extra.includes('--json') ? (JSON.parse(worker.stdout) as VerifyJson) : undefined;
  return { code, summary, worker };
}

async function putBoth(fixture: ReplicationFixture, item: Item): Promise<void> {
  await Promise.all([
    fixture.source.send(new PutItemCommand({ TableName: fixture.sourceTable, Item: item })),
    fixture.destination.send(new PutItemCommand({ TableName: fixture.destTable, Item: item })),
  ]);
}

const keysOf = (summary: VerifyJson, kind: 'missing' | 'extra' | 'different'): string[] =>
  summary.keys[kind].map((k) => k.key.pk?.S ?? '?').sort();

describe('verify', () => {
  test('finds drift injected into the destination with exact counts and keys; --repair fixes it', async () => {
    const fixture = await createFixture({ prefix: 'ver-drift' });
    try {
      // Several thousand equal items on both sides: 5 segments of pages of 200 items.
      await Promise.all([
        writeBacklog(fixture.source, fixture.sourceTable, 3000),
        writeBacklog(fixture.destination, fixture.destTable, 3000),
      ]);
      const doc = (level: string): AttributeValue => ({
        M: {
          title: { S: 'nested' },
          inner: { M: { level: { N: level }, list: { L: [{ S: 'x' }, { N: '2' }, { BOOL: true }] } } },
        },
      });
      await putBoth(fixture, { pk: { S: 'nested-1' }, doc: doc('1') });
      await putBoth(fixture, { pk: { S: 'set-1' }, tags: { SS: ['a', 'b', 'c'] } });
      await putBoth(fixture, { pk: { S: 'bin-1' }, data: { B: new Uint8Array([0, 1, 2, 255]) } });
      // Equal, though written differently: set order, attribute order, a number after arithmetic ("1.30"?).
      await fixture.source.send(
        new PutItemCommand({
          TableName: fixture.sourceTable,
          Item: { pk: { S: 'same-1' }, tags: { SS: ['z', 'y', 'x'] }, a: { S: 'a' }, n: { N: '1.2' } },
        }),
      );
      await fixture.source.send(
        new UpdateItemCommand({
          TableName: fixture.sourceTable,
          Key: { pk: { S: 'same-1' } },
          UpdateExpression: 'SET n = n + :d',
          ExpressionAttributeValues: { ':d': { N: '0.10' } },
        }),
      );
      await fixture.destination.send(
        new PutItemCommand({
          TableName: fixture.destTable,
          Item: { n: { N: '1.3' }, a: { S: 'a' }, tags: { SS: ['x', 'y', 'z'] }, pk: { S: 'same-1' } },
        }),
      );

      // The drift: 3 missing, 2 extra, 3 different (a nested attribute, a set, a plain number).
      for (const pk of ['b-10', 'b-1500', 'b-2999']) {
        await fixture.destination.send(
          new DeleteItemCommand({ TableName: fixture.destTable, Key: { pk: { S: pk } } }),
        );
      }
      for (const pk of ['x-1', 'x-2']) {
        await fixture.destination.send(
          new PutItemCommand({ TableName: fixture.destTable, Item: { pk: { S: pk }, v: { S: 'extra' } } }),
        );
      }
      await fixture.destination.send(
        new PutItemCommand({ TableName: fixture.destTable, Item: { pk: { S: 'nested-1' }, doc: doc('2') } }),
      );
      await fixture.destination.send(
        new PutItemCommand({
          TableName: fixture.destTable,
          Item: { pk: { S: 'set-1' }, tags: { SS: ['a', 'b', 'c', 'd'] } },
        }),
      );
      await fixture.destination.send(
        new UpdateItemCommand({
          TableName: fixture.destTable,
          Key: { pk: { S: 'b-40' } },
          UpdateExpression: 'SET n = :n',
          ExpressionAttributeValues: { ':n': { N: '-1' } },
        }),
      );

      const flags = ['--segments', '5', '--page-size', '200', '--recheck-delay-ms', '100', '--show', '10'];
      const found = await runVerify(fixture, [...flags, '--json']);
      const summary = found.summary!;
      assert.equal(found.code, 1, found.worker.describe());
      assert.equal(summary.result, 'different');
      assert.deepEqual(
        { missing: summary.missing, extra: summary.extra, different: summary.different },
        { missing: 3, extra: 2, different: 3 },
      );
      assert.equal(summary.compared, 3004);
      assert.equal(summary.source.items, 3004);
      assert.equal(summary.destination.items, 3003);
      assert.deepEqual([summary.source.segments, summary.destination.segments], [5, 5]);
      assert.deepEqual(keysOf(summary, 'missing'), ['b-10', 'b-1500', 'b-2999']);
      assert.deepEqual(keysOf(summary, 'extra'), ['x-1', 'x-2']);
      assert.deepEqual(keysOf(summary, 'different'), ['b-40', 'nested-1', 'set-1']);
      const attributes = Object.fromEntries(
        summary.keys.different.map((k): [string, unknown] => [k.key.pk?.S ?? '?', k.attributes]),
      );
      assert.deepEqual(attributes, { 'b-40': ['n'], 'nested-1': ['doc'], 'set-1': ['tags'] });
      assert.deepEqual(
        {
          suspects: summary.recheck.suspects,
          settled: summary.recheck.settled,
          drift: summary.recheck.drift,
        },
        { suspects: 8, settled: 0, drift: 8 },
      );
      assert.equal(summary.repair, undefined);

      // --show 1 in text: one key of each kind, and the counts.
      const text = await runVerify(fixture, ['--recheck-delay-ms', '0', '--show', '1']);
      assert.equal(text.code, 1);
      assert.match(text.worker.stdout, /^DIFFERENT: 8 items differ/m);
      assert.match(text.worker.stdout, /^ {2}missing +3 /m);
      assert.equal(text.worker.stdout.match(/^ {2}(missing|extra|different) +\{"pk"/gm)?.length, 3);

      const repaired = await runVerify(fixture, [...flags, '--repair', '--json']);
      assert.equal(repaired.code, 0, repaired.worker.describe());
      assert.equal(repaired.summary?.result, 'repaired');
      assert.deepEqual(repaired.summary?.repair, { written: 6, deleted: 2, failed: 0, failures: [] });
      await assertTablesConverge(fixture, 5_000);

      const again = await runVerify(fixture, ['--segments', '3']);
      assert.equal(again.code, 0, again.worker.stdout);
      assert.match(again.worker.stdout, /^EQUAL/m);
      assert.match(again.worker.stdout, /compared +3,004 source items/);
    } finally {
      await fixture.cleanup();
    }
  });

  test('reports equal tables while replication runs under a live workload (no false alarms)', async (t) => {
    const fixture = await createFixture({ prefix: 'ver-live' });
    const worker = new ReplicatorProcess(fixture.args());
    const stopWorkload = new AbortController();
    let workload: Promise<number> | undefined;
    try {
      await writeBacklog(fixture.source, fixture.sourceTable, 1500);
      await convergedWhileRunning(fixture, worker);
      workload = runMixedWorkload(fixture.source, fixture.sourceTable, {
        keys: 400,
        signal: stopWorkload.signal,
      });
      // Let the workload fill its key space a little before the scan starts.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const verify = await runVerify(fixture, ['--json', '--recheck-delay-ms', '1000', '--show', '5']);
      const summary = verify.summary!;
      t.diagnostic(`re-check: ${JSON.stringify(summary.recheck)}, ${Math.round(summary.durationMs)} ms`);
      assert.equal(worker.child.exitCode, null, `the replicator stopped: ${worker.describe()}`);
      assert.equal(verify.code, 0, JSON.stringify(summary));
      assert.equal(summary.result, 'equal');
      assert.deepEqual([summary.missing, summary.extra, summary.different], [0, 0, 0]);
      assert.ok(summary.compared >= 1500);
      // Whatever differed at first look was in flight, and the summary says so.
      assert.equal(summary.recheck.settled, summary.recheck.suspects);
      assert.equal(summary.recheck.drift, 0);
      if (summary.recheck.suspects > 0) {
        const text = await runVerify(fixture, ['--recheck-delay-ms', '1000']);
        assert.equal(text.code, 0, text.worker.stdout);
        assert.match(text.worker.stdout, /re-checked|EQUAL/);
      }
      stopWorkload.abort();
      const writes = await workload;
      assert.ok(writes > 0);
      await convergedWhileRunning(fixture, worker);
      const exit = await worker.stop();
      assert.equal(exit.code, 0, worker.describe());
    } finally {
      stopWorkload.abort();
      await workload?.catch(() => undefined);
      await worker.kill();
      await fixture.cleanup();
    }
  });

  test('--max-read-rate and --max-write-rate hold the work back (composite key)', async () => {
    const fixture = await createFixture({
      prefix: 'ver-rate',
      key: { hash: { name: 'pk', type: 'S' }, range: { name: 'sk', type: 'N' } },
    });
    try {
      const items: Item[] = Array.from({ length: 300 }, (_, i) => ({
        pk: { S: `p${i % 7}` },
        sk: { N: String(i) },
        v: { S: `v${i}` },
      }));
      for (let start = 0; start < items.length; start += 25) {
        const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
        await fixture.source.send(
          new BatchWriteItemCommand({ RequestItems: { [fixture.sourceTable]: batch } }),
        );
        // The first 30 never reach the destination.
        const copied = batch.filter((_, i) => start + i >= 30);
        if (copied.length > 0) {
          await fixture.destination.send(
            new BatchWriteItemCommand({ RequestItems: { [fixture.destTable]: copied } }),
          );
        }
      }
      // 100 a second, well below what the scan does even on a loaded machine: at 400 it once never waited in CI
      // under load 17, so the limit held nothing back to see.
      const { code, summary, worker } = await runVerify(fixture, [
        ...['--max-read-rate', '100', '--max-write-rate', '10', '--recheck-delay-ms', '0'],
        ...['--repair', '--json'],
      ]);
      assert.equal(code, 0, worker.describe());
      assert.equal(summary?.result, 'repaired');
      assert.equal(summary?.missing, 30);
      assert.equal(summary?.repair?.written, 30);
      assert.equal(summary?.readRate.ratePerSec, 100);
      assert.ok((summary?.readRate.waits ?? 0) > 0, JSON.stringify(summary?.readRate));
      assert.equal(summary?.writeRate?.ratePerSec, 10);
      assert.ok((summary?.writeRate?.waits ?? 0) > 0, JSON.stringify(summary?.writeRate));
      await assertTablesConverge(fixture, 5_000);
    } finally {
      await fixture.cleanup();
    }
  });
});

describe('verify: configuration mistakes end with exit 2 and one line', () => {
  let fixture: ReplicationFixture;
  const otherKey = uniqueName('ver-otherkey');
  let destination: DynamoDBClient;
  before(async () => {
    fixture = await createFixture({ prefix: 'ver-cfg' });
    destination = fixture.destination;
    await createTable(destination, otherKey, { hash: { name: 'id', type: 'S' } });
  });
  after(async () => {
    await deleteTableIfExists(destination, otherKey);
    await fixture.cleanup();
  });

  const cases: { name: string; args: () => Promise<string[]> | string[]; mentions: () => string[] }[] = [
    {
      name: 'source table missing',
      args: () => verifyArgs({ ...fixture, sourceTable: 'ver-no-such-table' }),
      mentions: () => ['source table ver-no-such-table not found', 'check --source-table'],
    },
    {
      name: 'destination table missing',
      args: () => verifyArgs({ ...fixture, destTable: 'ver-no-such-table' }),
      mentions: () => ['destination table ver-no-such-table not found', 'check --dest-table'],
    },
    {
      name: 'key schemas differ',
      args: () => verifyArgs({ ...fixture, destTable: otherKey }),
      mentions: () => ['key schemas differ', '(pk S HASH)', '(id S HASH)', otherKey],
    },
    {
      name: 'destination endpoint unreachable',
      args: async () => {
        const args = verifyArgs(fixture);
        args[args.indexOf('--dest-endpoint') + 1] = `http://127.0.0.1:${await freePort()}`;
        return args;
      },
      mentions: () => [`destination table ${fixture.destTable}`, 'cannot reach', 'check --dest-endpoint'],
    },
    {
      name: 'missing --dest-table',
      args: () =>
        verifyArgs(fixture).filter((a, i, all) => a !== '--dest-table' && all[i - 1] !== '--dest-table'),
      mentions: () => ['missing --dest-table'],
    },
    {
      name: '--recheck-rounds 0',
      args: () => verifyArgs(fixture, ['--recheck-rounds', '0']),
      mentions: () => ['--recheck-rounds', 'got 0'],
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const { worker, code } = await runUntilExit(await c.args());
      assert.equal(code, EXIT_CONFIG, worker.describe());
      const errors = reportedErrors(worker);
      assert.equal(errors.length, 1, `one error line, got: ${errors.join('\n')}`);
      for (const text of c.mentions()) assert.ok(errors[0]?.includes(text), `"${text}" in: ${errors[0]}`);
      assert.deepEqual(stackTraceFrames(worker), []);
      assert.deepEqual(plainErrorLines(worker), []);
      assert.equal(worker.stdout, '');
    });
  }
});
