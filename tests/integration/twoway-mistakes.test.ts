// dynamodb-local: shared
// The mistakes a newcomer makes with the two-way commands, run as users run them (the real CLI) on two DynamoDB
// Local instances: each ends in exit 2 and one line that names the problem and the fix, and leaves nothing
// behind. A side B whose stream has only new images is refused before any table of ours is made on side A (the
// fix's commands carry B's region and endpoint); tables with different keys are named with both keys;
// `conflicts list` of a pair that never ran is a mistake, not "0 conflicts"; a flag --two-way cannot take names
// what to do instead; an unknown command, or `conflicts` without its action, names what to run. `status
// --two-way` with the task name of a pair that ran and a table flag naming another table (or none that exists)
// names the table the direction reads (that pair's run also shows replicate --two-way's start lines naming each
// direction). A side whose role lacks dynamodb:PartiQLUpdate (a policy made before stamps were batched; a proxy
// answers AccessDenied, which DynamoDB Local never does) still replicates, its stamps one UpdateItem each, and the
// log says once what to grant.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { createTable, scanAll } from '../../src/local/local-tables.js';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { destEndpoint, sourceEndpoint } from '../support/local-env.js';
import type { ReplicatorProcess } from '../support/replicator-process.js';
import { plainErrorLines, runUntilExit } from '../support/run-replicator.js';
import { shardLeaseItems, tableNames } from '../support/stream-inspection.js';
import { PAIR_KEY, TwoWayPair } from '../support/twoway-fixture.js';
import { waitFor } from '../support/wait-for.js';

const pair = new TwoWayPair('twm');
/** A side-B table keyed `id` (N): not the pair's key. */
const otherKey = `${pair.task}-id`;
/** A pair that runs, for the mistakes made naming one that exists. */
const ran = new TwoWayPair('twr');
/** A pair whose side A refuses BatchExecuteStatement. */
const denied = new TwoWayPair('twd');
let proxy: FaultProxy | undefined;

after(async () => {
  await Promise.all([pair.cleanup({ b: [otherKey] }), ran.cleanup(), denied.cleanup()]);
  await proxy?.close();
});

/** The one line the run printed: its fatal log line, or a plain stderr line for a usage mistake. */
function oneLine(worker: ReplicatorProcess): string {
  const lines = [
    ...worker.logs.filter((l) => l.level === 'fatal' || l.level === 'error').map((l) => l.msg),
    ...plainErrorLines(worker),
  ];
  assert.equal(lines.length, 1, worker.describe());
  return lines[0] ?? '';
}

test('side B with a NEW_IMAGE stream: exit 2, the fix with B region and endpoint, no table of ours on A', async () => {
  await Promise.all([
    createTable(pair.a, pair.tableA, PAIR_KEY, 'NEW_AND_OLD_IMAGES'),
    createTable(pair.b, pair.tableB, PAIR_KEY, 'NEW_IMAGE'),
  ]);
  const { worker, code } = await runUntilExit(['replicate', '--two-way', ...pair.flags()]);
  assert.equal(code, EXIT_CONFIG, worker.describe());
  const line = oneLine(worker);
  assert.match(line, new RegExp(`stream on table ${pair.tableB} \\(side b\\) and it has a NEW_IMAGE stream`));
  const where = `--region us-west-2 --endpoint-url ${destEndpoint()}`;
  assert.ok(line.includes(`StreamEnabled=false ${where}), then `), line);
  assert.ok(line.endsWith(`StreamViewType=NEW_AND_OLD_IMAGES ${where}`), line);
  const [onA, onB] = await Promise.all([tableNames(pair.a), tableNames(pair.b)]);
  assert.deepEqual(
    [...onA, ...onB].filter(
      (name) => name.includes(pair.task) && name !== pair.tableA && name !== pair.tableB,
    ),
    [],
    'tables of ours created before the check of side B',
  );
});

test('tables with different keys: exit 2 naming both keys', async () => {
  await createTable(pair.b, otherKey, { hash: { name: 'id', type: 'N' } }, 'NEW_AND_OLD_IMAGES');
  const flags = pair.flags().map((flag) => (flag === pair.tableB ? otherKey : flag));
  const { worker, code } = await runUntilExit(['replicate', '--two-way', ...flags]);
  assert.equal(code, EXIT_CONFIG, worker.describe());
  assert.equal(
    oneLine(worker),
    `two-way replication needs the same key on both tables: ${pair.tableA} (side a) has (pk S HASH) and ${otherKey} (side b) has (id N HASH); pair tables with one key schema (names, types and roles)`,
  );
});

test('conflicts list of a pair that never ran: exit 2 naming both logs, not "0 conflicts"', async () => {
  const { worker, code } = await runUntilExit(['conflicts', 'list', ...pair.flags()]);
  assert.equal(code, EXIT_CONFIG, worker.describe());
  assert.equal(worker.stdout, '');
  const line = oneLine(worker);
  assert.ok(line.startsWith(`no conflict log ${pair.conflictTable('a-b')} in region us-east-1`), line);
  assert.ok(line.includes(` nor ${pair.conflictTable('b-a')} in region us-west-2`), line);
  assert.ok(line.endsWith('check --task-name and the table flags (has replicate --two-way run yet?)'), line);
});

test('--two-way --bootstrap names the fix: bootstrap first', async () => {
  const { worker, code } = await runUntilExit(['replicate', '--two-way', '--bootstrap', ...pair.flags()]);
  assert.equal(code, EXIT_CONFIG, worker.describe());
  assert.match(
    oneLine(worker),
    /^--two-way does not take --bootstrap: leave it out; .*run `ddb-replicator bootstrap` .* first, then replicate --two-way$/,
  );
});

test('an unknown command points at the help that exists', async () => {
  const { worker, code } = await runUntilExit(['plan', '--plan', 'plan.yaml']);
  assert.equal(code, EXIT_CONFIG, worker.describe());
  assert.equal(
    oneLine(worker),
    "ddb-replicator: unknown command plan: name one of replicate, status, verify, bootstrap, policy, dead-letters, conflicts, demo (see 'ddb-replicator --help')",
  );
});

test('conflicts without its action names the command to run', async () => {
  const { worker, code } = await runUntilExit(['conflicts', ...pair.flags()]);
  assert.equal(code, EXIT_CONFIG, worker.describe());
  assert.equal(
    oneLine(worker),
    "ddb-replicator: conflicts needs an action first: ddb-replicator conflicts list (see 'ddb-replicator conflicts --help')",
  );
});

test('status --two-way of a pair that ran, a table flag naming another table or none: exit 2 naming the table', async () => {
  await ran.createTables();
  const worker = ran.start(['replicate', '--two-way', ...ran.flags()]);
  await waitFor('both directions to hold their shard leases', async () => {
    const [ab, ba] = await Promise.all([
      scanAll(ran.a, ran.leaseTable('a-b')),
      scanAll(ran.b, ran.leaseTable('b-a')),
    ]);
    return shardLeaseItems(ab).length > 0 && shardLeaseItems(ba).length > 0;
  });
  assert.equal((await worker.stop()).code, 0, worker.describe());
  // By the way, replicate --two-way's start lines name each direction (a plan's are checked in twoway-plan).
  const directions = worker.logs.filter((l) => l.msg === 'task starting').map((l) => [l.task, l.direction]);
  assert.deepEqual(directions.sort(), [
    [`${ran.task}.a-b`, `A → B (${ran.tableA} → ${ran.tableB})`],
    [`${ran.task}.b-a`, `B → A (${ran.tableB} → ${ran.tableA})`],
  ]);

  // The right flags show the pair: the check below is about the names, not about a pair that stopped.
  const right = await runUntilExit(['status', '--two-way', ...ran.flags()]);
  assert.equal(right.code, 0, right.worker.describe());
  assert.match(
    right.worker.stdout,
    new RegExp(`task ${ran.task}\\.b-a, B → A \\(${ran.tableB} → ${ran.tableA}\\)`),
  );

  // Another pair's table on side B (it exists), a table that does not, and side A named wrong.
  const wrong = [
    { side: 'b', flag: '--dest-table', given: pair.tableB },
    { side: 'b', flag: '--dest-table', given: `${ran.task}-none` },
    { side: 'a', flag: '--source-table', given: `${ran.task}-none` },
  ] as const;
  for (const { side, flag, given } of wrong) {
    const table = ran.table(side);
    const direction = side === 'a' ? 'a-b' : 'b-a';
    const flags = ran.flags().map((value) => (value === table ? given : value));
    const { worker: status, code } = await runUntilExit(['status', '--two-way', ...flags]);
    assert.equal(code, EXIT_CONFIG, status.describe());
    assert.equal(status.stdout, '');
    const lease = `lease table ${ran.leaseTable(direction)} (task ${ran.task}.${direction}) in region ${ran.region(side)} at ${ran.endpoint(side)}`;
    assert.equal(
      oneLine(status),
      `${flag} ${given} is not side ${side.toUpperCase()} of this pair: ${lease} reads the stream of table ${table}; give ${flag} ${table}, or the --task-name of the pair ${given} belongs to`,
    );
  }
});

test('side A without dynamodb:PartiQLUpdate: its stamps go one by one, replication goes on, one warning names the grant', async () => {
  await denied.createTables();
  proxy = await FaultProxy.start(sourceEndpoint());
  proxy.add({ operations: ['BatchExecuteStatement'], kinds: ['access-denied'] });
  const worker = denied.start(['replicate', '--two-way', ...denied.flags({ a: proxy.endpoint })]);
  await waitFor(
    'A → B to hold its shard lease',
    async () => shardLeaseItems(await scanAll(denied.a, denied.leaseTable('a-b'))).length > 0,
  );
  // Each wave in one request: its records are read together, so that its stamps make a batch (a batch of fewer
  // than MIN_STAMP_BATCH goes as UpdateItems without asking); 24 could fall below that only over 8 reads.
  const wave = async (prefix: string): Promise<number> => {
    const keys = Array.from({ length: 24 }, (_, i) => `${prefix}${i}`);
    await denied.a.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [denied.tableA]: keys.map((pk) => ({ PutRequest: { Item: { pk: { S: pk }, n: { N: '1' } } } })),
        },
      }),
    );
    await waitFor('the app writes on A, stamped, on side B', async () => {
      const onB = await denied.itemsByKey('b');
      return keys.every((k) => onB.get(k)?.[denied.markers.version]?.S !== undefined);
    });
    return keys.length;
  };
  await wave('first');
  const refused = proxy.injected(true).get('access-denied:BatchExecuteStatement') ?? 0;
  assert.ok(refused > 0, 'the first stamps were offered as a batch');
  const updates = proxy.requests().get('UpdateItem') ?? 0;
  const second = await wave('second');
  // Never asked again: the second wave's stamps went as UpdateItems.
  assert.equal(proxy.injected(true).get('access-denied:BatchExecuteStatement'), refused);
  assert.ok(
    (proxy.requests().get('UpdateItem') ?? 0) >= updates + second,
    JSON.stringify([...proxy.requests()]),
  );
  assert.equal((await worker.stop()).code, 0, worker.describe());
  const warnings = worker.logs.filter((l) => l.level === 'warn' && l.msg.includes('PartiQLUpdate'));
  assert.equal(warnings.length, 1, worker.describe());
  assert.match(
    warnings[0]?.msg ?? '',
    new RegExp(
      `BatchExecuteStatement on ${denied.tableA} was refused .*Grant dynamodb:PartiQLUpdate on the table`,
    ),
  );
});
