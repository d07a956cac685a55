// dynamodb-local: shared
// `--on-reject dead-letter` end to end through the real CLI: a destination whose index types `group` as S refuses
// the items carrying it as N; those land in the dead-letter table (a later change of such a key follows it there),
// every other item replicates, and a kill -9 in the middle loses nothing (each source item is at the destination
// or dead-lettered with its latest image). `dead-letters list` shows them; once the index is dropped, `replay`
// writes them in order (exit 0) and empties the table, and the running worker writes the keys' next changes
// itself. A transform that throws dead-letters its items too (replay exit 1 while it still throws; purge).
// `--on-reject stop` still stops with the line naming the key.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EXIT_FAILED } from '../../src/cli/exit-codes.js';
import { fromDeadLetterItem } from '../../src/deadletter/dead-letter-item.js';
import { deleteTableIfExists, scanAll } from '../../src/local/local-tables.js';
import { putItems } from '../support/attribute-items.js';
import {
  assertTablesConverge,
  canonicalItem,
  createFixture,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { runUntilExit } from '../support/run-replicator.js';
import { dropIndex, replaceWithIndexedTable } from '../support/table-with-index.js';
import { SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import { waitFor } from '../support/wait-for.js';

const INDEX = 'by-group';
const THROWS = fileURLToPath(new URL('../../../tests/fixtures/transforms/throws.mjs', import.meta.url));
const DEAD_LETTER = ['--on-reject', 'dead-letter'];

const fixtures: ReplicationFixture[] = [];
after(async () => {
  await Promise.all(
    fixtures.map(async (f) => {
      await deleteTableIfExists(f.source, deadLetterTable(f));
      await f.cleanup();
    }),
  );
});

function deadLetterTable(fixture: ReplicationFixture): string {
  return `DynamoDBCrossRegionReplication${fixture.taskName}-dead-letters`;
}

async function newFixture(prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ prefix });
  fixtures.push(fixture);
  return fixture;
}

const good = (i: number): Item => ({
  pk: { S: `good-${i}` },
  group: { S: `g${i % 3}` },
  n: { N: String(i) },
});
/** The destination's index types `group` as S: this item carries it as N and is refused. */
const bad = (i: number, n = 0): Item => ({
  pk: { S: `bad-${i}` },
  group: { N: String(i) },
  n: { N: String(n) },
});

interface Letters {
  /** Per key (pk), its dead letters' sequence numbers and the latest new image (undefined: a remove). */
  readonly byKey: Map<string, { sequenceNumbers: string[]; latest: Item | undefined }>;
  readonly count: number;
}

async function readLetters(fixture: ReplicationFixture): Promise<Letters> {
  const items = await scanAll(fixture.source, deadLetterTable(fixture)).catch((err: unknown) => {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw err;
  });
  const byKey = new Map<string, { sequenceNumbers: string[]; latest: Item | undefined }>();
  const letters = items
    .map(fromDeadLetterItem)
    .sort((a, b) =>
      a.change.sequenceNumber.padStart(48, '0') < b.change.sequenceNumber.padStart(48, '0') ? -1 : 1,
    );
  for (const letter of letters) {
    const pk = letter.change.keys.pk?.S ?? '?';
    const entry = byKey.get(pk) ?? { sequenceNumbers: [], latest: undefined };
    entry.sequenceNumbers.push(letter.change.sequenceNumber);
    entry.latest = letter.change.newImage;
    byKey.set(pk, entry);
  }
  return { byKey, count: items.length };
}

/** Every source item is at the destination as it is, or dead-lettered with its latest image; nothing else. */
async function nothingLost(
  fixture: ReplicationFixture,
): Promise<{ atDestination: number; deadLettered: number } | undefined> {
  const [sourceItems, destItems, letters] = await Promise.all([
    scanAll(fixture.source, fixture.sourceTable),
    scanAll(fixture.destination, fixture.destTable),
    readLetters(fixture),
  ]);
  const dest = new Map(destItems.map((item) => [item.pk?.S ?? '?', canonicalItem(item)]));
  let atDestination = 0;
  for (const item of sourceItems) {
    const pk = item.pk?.S ?? '?';
    const letter = letters.byKey.get(pk);
    if (letter !== undefined) {
      if (letter.latest === undefined || canonicalItem(letter.latest) !== canonicalItem(item))
        return undefined;
      if (dest.has(pk)) return undefined;
    } else {
      if (dest.get(pk) !== canonicalItem(item)) return undefined;
      atDestination += 1;
    }
  }
  return { atDestination, deadLettered: letters.byKey.size };
}

function commandArgs(fixture: ReplicationFixture, action: string, extra: readonly string[] = []): string[] {
  return ['dead-letters', action, ...fixture.args(extra).slice(1)];
}

async function destinationItem(fixture: ReplicationFixture, key: Item): Promise<Item | undefined> {
  const out = await fixture.destination.send(
    new GetItemCommand({ TableName: fixture.destTable, Key: key, ConsistentRead: true }),
  );
  return out.Item;
}

async function setN(fixture: ReplicationFixture, pk: string, n: number): Promise<void> {
  await fixture.source.send(
    new UpdateItemCommand({
      TableName: fixture.sourceTable,
      Key: { pk: { S: pk } },
      UpdateExpression: 'SET n = :n',
      ExpressionAttributeValues: { ':n': { N: String(n) } },
    }),
  );
}

test('refused items are dead-lettered in order, survive a kill -9, and replay once the index is fixed', async () => {
  const fixture = await newFixture('dlq-index');
  await replaceWithIndexedTable(fixture.destination, fixture.destTable, INDEX, 'group');
  const first = [
    ...Array.from({ length: 30 }, (_, i) => good(i)),
    ...Array.from({ length: 4 }, (_, i) => bad(i)),
  ];
  await putItems(fixture.source, fixture.sourceTable, first);

  let worker = new ReplicatorProcess(fixture.args(DEAD_LETTER));
  try {
    await waitFor(
      'the good items written and the bad ones dead-lettered',
      async () => {
        assert.equal(worker.child.exitCode, null, worker.describe());
        const state = await nothingLost(fixture);
        return state?.atDestination === 30 && state.deadLettered === 4 ? state : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    // A later change of a refused key follows it (order kept), even one the destination would take.
    await setN(fixture, 'bad-0', 1);
    await setN(fixture, 'good-0', 100);
    await waitFor('the later change of bad-0 dead-lettered too', async () => {
      const letters = await readLetters(fixture);
      return letters.byKey.get('bad-0')?.sequenceNumbers.length === 2 &&
        (await destinationItem(fixture, { pk: { S: 'good-0' } }))?.n?.N === '100'
        ? letters
        : undefined;
    });
    assert.equal(await destinationItem(fixture, { pk: { S: 'bad-0' } }), undefined);
    const progress = await worker.waitForLog('progress', {
      match: (l) => ((l.progress as { deadLetters?: number } | undefined)?.deadLetters ?? 0) >= 5,
    });
    assert.ok(progress !== undefined);

    // kill -9 in the middle of a second wave; the replacement loses nothing.
    const second = [
      ...Array.from({ length: 30 }, (_, i) => good(30 + i)),
      ...Array.from({ length: 3 }, (_, i) => bad(4 + i)),
    ];
    const writing = putItems(fixture.source, fixture.sourceTable, second);
    await waitFor('some of the second wave written', async () =>
      (await destinationItem(fixture, { pk: { S: 'good-32' } })) !== undefined ? true : undefined,
    );
    worker.child.kill('SIGKILL');
    await worker.exited;
    await writing;
    worker = new ReplicatorProcess(fixture.args(DEAD_LETTER));
    const state = await waitFor(
      'nothing lost after the kill -9',
      async () => {
        assert.equal(worker.child.exitCode, null, worker.describe());
        const s = await nothingLost(fixture);
        return s?.atDestination === 60 && s.deadLettered === 7 ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.deepEqual(state, { atDestination: 60, deadLettered: 7 });

    const list = await runUntilExit(commandArgs(fixture, 'list'));
    assert.equal(list.code, 0, list.worker.describe());
    const lines = list.worker.stdout.trim().split('\n');
    assert.equal(lines.at(-1), `8 dead letters in ${deadLetterTable(fixture)}`, list.worker.stdout);
    for (let i = 0; i < 7; i++) {
      assert.ok(
        lines.some((l) => l.startsWith(`key {"pk":{"S":"bad-${i}"}}`) && l.includes('ValidationException')),
        `bad-${i} listed with its error:\n${list.worker.stdout}`,
      );
    }
    assert.ok(lines.some((l) => l.includes('an earlier change of this key is a dead letter')));
    const status = await runUntilExit([
      'status',
      ...['--task-name', fixture.taskName, '--lease-region', SOURCE_REGION],
      ...['--lease-endpoint', sourceEndpoint(), '--on-reject', 'dead-letter'],
    ]);
    assert.equal(status.code, 0, status.worker.describe());
    assert.match(status.worker.stdout, /^dead letters: 8 waiting/m);

    // The fix: drop the index. Replay writes them in order while the worker runs on.
    await dropIndex(fixture.destination, fixture.destTable, INDEX);
    const replay = await runUntilExit(commandArgs(fixture, 'replay'), 60_000);
    assert.equal(replay.code, 0, `${replay.worker.stdout}\n${replay.worker.describe()}`);
    assert.match(replay.worker.stdout, /replayed 8 dead letters/);
    assert.equal((await readLetters(fixture)).count, 0);
    assert.equal((await destinationItem(fixture, { pk: { S: 'bad-0' } }))?.n?.N, '1', 'the later change won');

    // The key is no longer blocked: the worker writes its next change itself.
    await setN(fixture, 'bad-1', 9);
    await assertTablesConverge(fixture);
    assert.equal((await readLetters(fixture)).count, 0);
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
  } finally {
    await worker.kill();
  }
});

test('a transform that throws dead-letters its items; replay still refused exits 1; purge empties the table', async () => {
  const fixture = await newFixture('dlq-transform');
  const items: Item[] = Array.from({ length: 12 }, (_, i) => ({
    pk: { S: `t-${i}` },
    ...(i % 4 === 0 ? { bad: { BOOL: true } } : {}),
  }));
  await putItems(fixture.source, fixture.sourceTable, items);
  const args = [...DEAD_LETTER, '--transform', THROWS];
  const worker = new ReplicatorProcess(fixture.args(args));
  try {
    await waitFor(
      'the items the transform takes written, the others dead-lettered',
      async () => {
        assert.equal(worker.child.exitCode, null, worker.describe());
        const s = await nothingLost(fixture);
        return s?.atDestination === 9 && s.deadLettered === 3 ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
  } finally {
    await worker.kill();
  }
  const replay = await runUntilExit(commandArgs(fixture, 'replay', ['--transform', THROWS]));
  assert.equal(replay.code, EXIT_FAILED, replay.worker.stdout);
  const refused = replay.worker.stdout.split('\n').filter((l) => l.startsWith('still refused'));
  assert.equal(refused.length, 3, replay.worker.stdout);
  assert.ok(
    refused.every((l) => l.includes('threw: TypeError: bad item')),
    replay.worker.stdout,
  );
  assert.equal((await readLetters(fixture)).count, 3);

  const purge = await runUntilExit(commandArgs(fixture, 'purge'));
  assert.equal(purge.code, 0, purge.worker.describe());
  assert.match(purge.worker.stdout, /purged 3 dead letters/);
  assert.equal((await readLetters(fixture)).count, 0);
});

test('--on-reject stop still stops the shard with the line naming the refused key', async () => {
  const fixture = await newFixture('dlq-stop');
  await replaceWithIndexedTable(fixture.destination, fixture.destTable, INDEX, 'group');
  await putItems(fixture.source, fixture.sourceTable, [good(1), bad(1)]);
  const run = await runUntilExit(fixture.args(['--on-reject', 'stop']));
  assert.equal(run.code, EXIT_FAILED, run.worker.describe());
  const fatal = run.worker.logs.filter((l) => l.level === 'fatal');
  assert.equal(fatal.length, 1, run.worker.describe());
  assert.ok(fatal[0]?.msg.includes(JSON.stringify({ pk: { S: 'bad-1' } })), fatal[0]?.msg);
});
