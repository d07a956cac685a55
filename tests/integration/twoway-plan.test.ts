// dynamodb-local: shared
// A plan's `mode: two-way` entry as users run it, on two DynamoDB Local instances: `replicate --plan` runs both
// directions of the pair beside a one-way entry; app writes on either side reach the other, stamped; `status
// --plan` shows both directions; `verify --plan` compares the pair by the two-way rule (markers included) and the
// one-way pair as before, and finds them equal. A two-way entry that asks for what replicate --two-way refuses is
// exit 2, one line naming the entry.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { createTable, scanAll } from '../../src/local/local-tables.js';
import { matchesItsStamp } from '../../src/twoway/markers.js';
import { DEST_REGION, SOURCE_REGION, destEndpoint, sourceEndpoint } from '../support/local-env.js';
import { canonicalItem } from '../support/replication-fixture.js';
import { reportedErrors, runUntilExit } from '../support/run-replicator.js';
import { leaseTable } from '../support/stream-inspection.js';
import { PAIR_KEY, TwoWayPair } from '../support/twoway-fixture.js';
import { waitFor } from '../support/wait-for.js';

const pair = new TwoWayPair('twp');
const { a, b, markers, task: P, tableA: pairA, tableB: pairB } = pair;
const oneWay = `${P}-one`;
const oneWayCopy = `${P}-one-copy`;
const dir = mkdtempSync(join(tmpdir(), 'twoway-plan-'));

after(async () => {
  await pair.cleanup({ a: [oneWay, leaseTable(`${P}-one`)], b: [oneWayCopy] });
  rmSync(dir, { recursive: true, force: true });
});

function writePlan(name: string, entries: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `defaults:
  source: { region: ${SOURCE_REGION}, endpoint: "${sourceEndpoint()}" }
  destination: { region: ${DEST_REGION}, endpoint: "${destEndpoint()}" }
replications:
${entries}`,
  );
  return file;
}

const PLAN = `  - source: { table: ${pairA} }
    destination: { table: ${pairB} }
    mode: two-way
    taskName: ${P}
  - source: { table: ${oneWay} }
    destination: { table: ${oneWayCopy} }
    taskName: ${P}-one
`;

async function sameItems(): Promise<boolean> {
  const [itemsA, itemsB] = await Promise.all([scanAll(a, pairA), scanAll(b, pairB)]);
  const text = (items: typeof itemsA): string => items.map(canonicalItem).sort().join('\n');
  return (
    itemsA.length === 10 && text(itemsA) === text(itemsB) && itemsA.every((i) => matchesItsStamp(i, markers))
  );
}

test('a two-way entry runs both directions in a plan; status and verify --plan show the pair', async () => {
  await Promise.all([
    pair.createTables(),
    createTable(a, oneWay, PAIR_KEY, 'NEW_AND_OLD_IMAGES'),
    createTable(b, oneWayCopy, PAIR_KEY),
  ]);
  const plan = writePlan('plan.yaml', PLAN);
  const worker = pair.start(['replicate', '--plan', plan]);
  await waitFor(
    'both directions and the one-way task started',
    () =>
      worker.logs.some((l) => l.msg === 'task starting' && l.task === `${P}.b-a`) &&
      worker.logs.some((l) => l.msg === 'task starting' && l.task === `${P}.a-b`) &&
      worker.logs.some((l) => l.msg === 'task starting' && l.task === `${P}-one`),
  );
  for (let i = 0; i < 5; i += 1) {
    await a.send(new PutItemCommand({ TableName: pairA, Item: { pk: { S: `a${i}` }, v: { N: String(i) } } }));
    await b.send(new PutItemCommand({ TableName: pairB, Item: { pk: { S: `b${i}` }, v: { N: String(i) } } }));
  }
  await a.send(new PutItemCommand({ TableName: oneWay, Item: { pk: { S: 'one' } } }));
  await waitFor('both sides to hold the ten items, stamped, and equal', sameItems, { timeoutMs: 30_000 });
  await waitFor('the one-way pair to replicate', async () => {
    const out = await b.send(new GetItemCommand({ TableName: oneWayCopy, Key: { pk: { S: 'one' } } }));
    return out.Item !== undefined;
  });
  // A delete on B reaches A.
  await b.send(new DeleteItemCommand({ TableName: pairB, Key: { pk: { S: 'a0' } } }));
  await waitFor('the delete on B to reach A', async () => {
    const out = await a.send(
      new GetItemCommand({ TableName: pairA, Key: { pk: { S: 'a0' } }, ConsistentRead: true }),
    );
    return out.Item === undefined;
  });

  const status = await runUntilExit(['status', '--plan', plan, '--json']);
  assert.equal(status.code, 0, status.worker.describe());
  const tasks = JSON.parse(status.worker.stdout) as
    { taskName?: string }[] | { tasks: { taskName?: string }[] };
  const names = (Array.isArray(tasks) ? tasks : tasks.tasks).map((t) => t.taskName).sort();
  assert.deepEqual(names, [`${P}-one`, `${P}.a-b`, `${P}.b-a`].sort());

  const verify = await runUntilExit(
    ['verify', '--plan', plan, '--recheck-delay-ms', '100', '--recheck-rounds', '2', '--json'],
    60_000,
  );
  assert.equal(verify.code, 0, verify.worker.describe());
  assert.deepEqual(reportedErrors(verify.worker), [], verify.worker.describe());
  // Two pairs compared: the two-way pair once, by the two-way rule, and the one-way pair.
  const pairs = (
    JSON.parse(verify.worker.stdout) as {
      pairs: { taskName: string; result: string; twoWay?: unknown; compared: number }[];
    }
  ).pairs;
  assert.deepEqual(
    pairs.map((p) => [p.taskName, p.result, p.twoWay !== undefined]),
    [
      [`${P}.a-b`, 'equal', true],
      [`${P}-one`, 'equal', false],
    ],
  );
  assert.equal(pairs[0]?.compared, 9);

  await worker.kill();
  assert.deepEqual(reportedErrors(worker), [], worker.describe());
});

test('a two-way entry that asks for a bootstrap is refused before anything runs: exit 2, one line naming the entry', async () => {
  const plan = writePlan(
    'refused.yaml',
    `  - source: { table: ${pairA} }
    destination: { table: ${pairB} }
    mode: two-way
    bootstrap: true
`,
  );
  const { worker, code } = await runUntilExit(['replicate', '--plan', plan]);
  assert.equal(code, EXIT_CONFIG);
  const fatal = worker.logs.filter((l) => l.level === 'fatal').map((l) => l.msg);
  assert.equal(fatal.length, 1, worker.describe());
  assert.match(
    fatal[0] ?? '',
    new RegExp(`replications\\[0\\] \\(source ${pairA}\\): mode two-way does not take bootstrap`),
  );
});
