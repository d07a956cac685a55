// dynamodb-local: shared
// A plan's `mode: two-way` entry as users run it, on two DynamoDB Local instances: `replicate --plan` runs both
// directions of the pair beside a one-way entry (each direction's start line names its direction); app writes on either side reach the other, stamped; `status
// --plan` shows both directions; the status page names both directions and counts the conflict of a key written
// on both sides before the run (browser: headless Chromium); `verify --plan` compares the pair by the two-way rule
// (markers included) and the one-way pair as before, and finds them equal. A two-way entry that asks for what
// replicate --two-way refuses is exit 2, one line naming the entry.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { createTable, scanAll } from '../../src/local/local-tables.js';
import { matchesItsStamp } from '../../src/twoway/markers.js';
import { dumpDom } from '../support/headless-chromium.js';
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
    itemsA.length === 11 && text(itemsA) === text(itemsB) && itemsA.every((i) => matchesItsStamp(i, markers))
  );
}

interface PageTask {
  readonly taskName: string;
  readonly twoWay?: {
    readonly direction: string;
    readonly conflicts?: { count: number; latest: { key: string; loser: string; winner: string }[] };
  };
}

test('a two-way entry runs both directions in a plan; status and verify --plan show the pair', async () => {
  await Promise.all([
    pair.createTables(),
    createTable(a, oneWay, PAIR_KEY, 'NEW_AND_OLD_IMAGES'),
    createTable(b, oneWayCopy, PAIR_KEY),
  ]);
  // A conflict, for certain: one key written on both sides before either direction runs.
  await a.send(new PutItemCommand({ TableName: pairA, Item: { pk: { S: 'both' }, v: { S: 'A' } } }));
  await b.send(new PutItemCommand({ TableName: pairB, Item: { pk: { S: 'both' }, v: { S: 'B' } } }));
  const plan = writePlan('plan.yaml', PLAN);
  const worker = pair.start([
    ...['replicate', '--plan', plan],
    ...['--metrics-port', '0', '--metrics-host', '127.0.0.1'],
  ]);
  const url = String((await worker.waitForLog('status page')).url);
  const started = (task: string) => worker.logs.find((l) => l.msg === 'task starting' && l.task === task);
  const [startAB, startBA, startOne] = await waitFor('both directions and the one-way task started', () => {
    const lines = [started(`${P}.a-b`), started(`${P}.b-a`), started(`${P}-one`)];
    return lines.every((l) => l !== undefined) && lines;
  });
  // Each direction's start line says which way it goes; the one-way task's is as before.
  assert.equal(startAB?.direction, `A → B (${pairA} → ${pairB})`);
  assert.equal(startBA?.direction, `B → A (${pairB} → ${pairA})`);
  assert.deepEqual(
    [startOne?.source, startOne?.destination, startOne !== undefined && 'direction' in startOne],
    [oneWay, oneWayCopy, false],
  );
  for (let i = 0; i < 5; i += 1) {
    await a.send(new PutItemCommand({ TableName: pairA, Item: { pk: { S: `a${i}` }, v: { N: String(i) } } }));
    await b.send(new PutItemCommand({ TableName: pairB, Item: { pk: { S: `b${i}` }, v: { N: String(i) } } }));
  }
  await a.send(new PutItemCommand({ TableName: oneWay, Item: { pk: { S: 'one' } } }));
  await waitFor('both sides to hold the eleven items, stamped, and equal', sameItems, { timeoutMs: 30_000 });
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

  // The page: both directions named, the conflict counted as the conflict logs hold it, and listed.
  const logged = await pair.conflicts();
  assert.ok(logged.length > 0 && logged.every((c) => c.keys.pk?.S === 'both'), JSON.stringify(logged));
  const shown = await waitFor('the page to count the conflicts', async () => {
    const body = (await (await fetch(new URL('status.json', url))).json()) as { tasks: PageTask[] };
    const directions = body.tasks.filter((t) => t.twoWay !== undefined);
    const counted = directions.reduce((n, t) => n + (t.twoWay?.conflicts?.count ?? 0), 0);
    return counted === logged.length ? directions : undefined;
  });
  assert.deepEqual(shown.map((t) => [t.taskName, t.twoWay?.direction]).sort(), [
    [`${P}.a-b`, `A → B (${pairA} → ${pairB})`],
    [`${P}.b-a`, `B → A (${pairB} → ${pairA})`],
  ]);
  const rows = shown.flatMap((t) => t.twoWay?.conflicts?.latest ?? []);
  assert.equal(rows[0]?.key, 'pk="both"', JSON.stringify(rows));
  let dom = '';
  await waitFor(
    'the page to show both directions and the conflict',
    async () => {
      dom = await dumpDom(url);
      return (
        dom.includes(`Two-way A → B (${pairA} → ${pairB})`) &&
        dom.includes(`Two-way B → A (${pairB} → ${pairA})`) &&
        /<tr class="conflict"><td>[^<]+<\/td><td class="mono">pk="both"<\/td>/.test(dom)
      );
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last DOM: ${dom.slice(0, 4000)}`, { cause: err });
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
  assert.equal(pairs[0]?.compared, 10);

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
