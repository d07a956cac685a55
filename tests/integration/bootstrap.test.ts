// Migrating a live table through the real CLI against DynamoDB Local: `replicate --bootstrap` copies 20,000 items
// while puts, updates and deletes go on, then replicates from the positions recorded before the copy, and the
// destination ends equal to the source item by item; `bootstrap` killed with -9 mid-copy resumes from its saved
// segment positions with the recorded stream positions unchanged; two workers share one copy; and a recorded
// position trimmed from the stream before the copy ends is a one-line data-loss error (exit 1); `bootstrap --plan`
// shows one progress line for all the copies of its plan (and a missing table fails alone).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { PutItemCommand, UpdateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { deleteTableIfExists, scanAll } from '../../src/local/local-tables.js';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { sourceEndpoint, SOURCE_REGION } from '../support/local-env.js';
import { ReplicatorProcess, type LogLine } from '../support/replicator-process.js';
import { serveSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';
import { shardLeaseItems } from '../support/stream-inspection.js';

const ITEMS = 10_000;

const cleanups: (() => Promise<void>)[] = [];
const workers: ReplicatorProcess[] = [];
after(async () => {
  for (const worker of workers) await worker.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * A fixture whose tables are deleted when the test ends (not only when the file ends): DynamoDB Local keeps
 * every stream record of a table until the table is deleted, and writes slow down as that store grows.
 */
async function fixtureFor(t: TestContext, prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ prefix });
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => (cleaned ??= fixture.cleanup());
  cleanups.push(cleanup);
  t.after(async () => {
    for (const worker of workers) await worker.kill();
    await cleanup();
  });
  return fixture;
}

/** Writes the backlog and says how fast it went (DynamoDB Local slows down when its stream store grows). */
async function backlog(t: TestContext, fixture: ReplicationFixture, count: number): Promise<void> {
  const started = performance.now();
  await writeBacklog(fixture.source, fixture.sourceTable, count);
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`backlog of ${count} items written at ${Math.round(count / seconds)} items/s`);
}

/**
 * A table that existed before its stream: the backlog is written with the stream disabled, then a new stream
 * is enabled, as when a table that was never replicated is migrated. It also keeps DynamoDB Local fast: its
 * writes slow down with every stream record it holds (tens of thousands make a write take a second), and stream
 * records stay until the instance stops.
 */
async function backlogBeforeStream(
  t: TestContext,
  fixture: ReplicationFixture,
  count: number,
): Promise<void> {
  const setStream = async (enabled: boolean): Promise<void> => {
    await fixture.source.send(
      new UpdateTableCommand({
        TableName: fixture.sourceTable,
        StreamSpecification: enabled
          ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }
          : { StreamEnabled: false },
      }),
    );
    await waitUntilTableExists(
      { client: fixture.source, maxWaitTime: 60, minDelay: 1 },
      { TableName: fixture.sourceTable },
    );
  };
  await setStream(false);
  await backlog(t, fixture, count);
  await setStream(true);
  // One change in the new stream, so that its open shard has a position that is a sequence number.
  await fixture.source.send(
    new PutItemCommand({ TableName: fixture.sourceTable, Item: { pk: { S: 'first-change' } } }),
  );
}

/** Flags of `replicate` or `bootstrap` for the fixture, with fast lease timings. */
function args(
  fixture: ReplicationFixture,
  command: 'replicate' | 'bootstrap',
  extra: string[] = [],
): string[] {
  const [, ...rest] = fixture.args(['--failover-ms', '3000', ...extra]);
  return [command, ...rest];
}

function start(argv: string[]): ReplicatorProcess {
  const worker = new ReplicatorProcess(argv);
  workers.push(worker);
  return worker;
}

const leaseTable = (fixture: ReplicationFixture): string =>
  `DynamoDBCrossRegionReplication${fixture.taskName}`;

/** The shard leases (leaseKey -> checkpoint), without the bootstrap's own items or the workers' presence. */
async function checkpoints(fixture: ReplicationFixture): Promise<Record<string, string>> {
  const items = await scanAll(fixture.source, leaseTable(fixture));
  return Object.fromEntries(
    shardLeaseItems(items).map((item) => [item.leaseKey?.S ?? '?', item.checkpoint?.S ?? '?']),
  );
}

/** Items copied so far over every segment, from the lease table. */
async function copiedSoFar(fixture: ReplicationFixture): Promise<number> {
  const items = await scanAll(fixture.source, leaseTable(fixture)).catch(() => []);
  return items
    .filter((item) => (item.leaseKey?.S ?? '').startsWith('bootstrap#segment-'))
    .reduce((sum, item) => sum + Number(item.itemsCopied?.N ?? '0'), 0);
}

/** Segment number -> done, from the lease table. */
async function segmentsDone(fixture: ReplicationFixture): Promise<boolean[]> {
  const items = await scanAll(fixture.source, leaseTable(fixture));
  const done: boolean[] = [];
  for (const item of items) {
    const key = item.leaseKey?.S ?? '';
    if (key.startsWith('bootstrap#segment-')) done[Number(item.segment?.N)] = item.done?.BOOL === true;
  }
  return done;
}

async function taskState(fixture: ReplicationFixture): Promise<string | undefined> {
  const items = await scanAll(fixture.source, leaseTable(fixture));
  return items.find((item) => item.leaseKey?.S === 'bootstrap#task')?.state?.S;
}

interface CopyJson {
  state: string;
  segmentsDone: number;
  segments: number;
  itemsCopied: number;
}

/** `status` as a user runs it: the copy's progress as the lease table shows it, as JSON and as text. */
async function copyStatus(fixture: ReplicationFixture): Promise<{ copy?: CopyJson; text: string }> {
  const flags = ['--task-name', fixture.taskName, '--lease-region', SOURCE_REGION];
  const run = async (extra: string[]): Promise<string> => {
    const status = start(['status', ...flags, '--lease-endpoint', sourceEndpoint(), ...extra]);
    assert.equal((await status.waitForExit()).code, 0, status.describe());
    return status.stdout;
  };
  const json = JSON.parse(await run(['--json'])) as { copy?: CopyJson };
  return { ...(json.copy === undefined ? {} : { copy: json.copy }), text: await run([]) };
}

function summary(worker: ReplicatorProcess): LogLine {
  const line = worker.logs.find((l) => l.msg === 'copy done');
  assert.ok(line !== undefined, `no copy summary: ${worker.describe()}`);
  return line;
}

function numberField(line: LogLine, name: string): number {
  const value = line[name];
  assert.equal(typeof value, 'number', `${name} in ${JSON.stringify(line)}`);
  return value as number;
}

test('a recorded position trimmed from the stream before the copy ends stops it with a data-loss error (exit 1)', async (t) => {
  const fixture = await fixtureFor(t, 'boot-trim');
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards: 4 });
  try {
    await backlog(t, fixture, 2000);
    await served.feeder.caughtUp();
    const worker = start(
      args(fixture, 'bootstrap', [...served.args(), '--segments', '4', '--max-write-rate', '200']),
    );
    await worker.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    const positions = await checkpoints(fixture);
    assert.equal(Object.keys(positions).length, 4);
    const [victim, position] = Object.entries(positions).find(([, c]) => /^\d+$/.test(c)) ?? [];
    assert.ok(victim !== undefined && position !== undefined, JSON.stringify(positions));

    // Changes made during the copy land after the victim's position; most of them are then trimmed, as by a
    // copy that outlasted the 24-hour retention.
    const keys = served.model.keysRoutedTo(victim, 10, (i) => ({ pk: { S: `late-${i}` } }));
    for (const key of keys) {
      await fixture.source.send(
        new PutItemCommand({ TableName: fixture.sourceTable, Item: { ...key, v: { S: 'x' } } }),
      );
    }
    await served.feeder.caughtUp();
    const fresh = served.model
      .shard(victim)
      .sequenceNumbers()
      .filter((s) => BigInt(s) > BigInt(position));
    assert.equal(fresh.length, 10);
    assert.ok(!worker.logs.some((l) => l.msg === 'copy done'), 'still copying');
    served.model.trimShard(victim, { through: fresh[4]! });

    const exit = await worker.waitForExit(120_000);
    assert.equal(exit.code, 1, worker.describe());
    assert.ok(
      worker.logs.some((l) => l.msg === 'copy done'),
      'the copy itself finished',
    );
    const fatal = worker.logs.filter((l) => l.level === 'fatal');
    assert.equal(fatal.length, 1, worker.describe());
    assert.match(fatal[0]?.msg ?? '', new RegExp(`^data lost: records of shard ${victim} after ${position}`));
    assert.notEqual(await taskState(fixture), 'done', 'a copy with a gap is never marked done');
  } finally {
    // Before the tables go: the feeder reads the source table's stream.
    await served.close();
  }
});

test('replicate --bootstrap copies a live table under puts, updates and deletes, then converges item by item', async (t) => {
  const fixture = await fixtureFor(t, 'boot-live');
  await backlogBeforeStream(t, fixture, ITEMS);
  // The workload writes over the very items being copied (same keys), from before the positions are recorded
  // until after the copy is done: every ordering of a scan and a change of the same key can happen.
  const workload = new AbortController();
  const writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
    keys: ITEMS,
    prefix: 'b',
    signal: workload.signal,
  });
  try {
    const worker = start(args(fixture, 'replicate', ['--bootstrap', '--segments', '8']));
    const recorded = await worker.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    const positions = recorded.positions as Record<string, string>;
    assert.equal(Object.keys(positions).length, 1, 'DynamoDB Local has one open shard');
    assert.match(
      Object.values(positions)[0] ?? '',
      /^\d+$/,
      'the open shard holds records: a sequence number',
    );
    assert.deepEqual(await checkpoints(fixture), positions, 'the positions are the leases of the first sync');

    await worker.waitForLog('copy done', { timeoutMs: 180_000 });
    const copied = summary(worker);
    t.diagnostic(`copy: ${JSON.stringify(copied)}`);
    assert.deepEqual(await segmentsDone(fixture), Array(8).fill(true), 'every segment copied to its end');
    assert.ok(numberField(copied, 'segmentsCopied') > 0);
    assert.ok(numberField(copied, 'fleetItems') >= ITEMS * 0.8, JSON.stringify(copied));
    assert.ok(
      worker.logs.some((l) => l.msg === 'copy progress'),
      'progress lines while copying',
    );
    // "copy done" is logged when the last segment is written; the task is marked done after the recorded
    // positions were checked, and "bootstrap copy done" follows that mark.
    await worker.waitForLog('bootstrap copy done', { timeoutMs: 60_000 });
    assert.equal(await taskState(fixture), 'done');
    // Replication from the recorded positions: a lease taken at the recorded checkpoint.
    const taken = await worker.waitForLog('lease taken');
    assert.equal(taken.checkpoint, Object.values(positions)[0]);

    // Changes go on after the copy too; then the destination must equal the source.
    await worker.waitForLog('progress', { from: worker.logs.indexOf(taken) });
    workload.abort();
    assert.ok((await writing) > 0);
    const diff = await assertTablesConverge(fixture, 120_000);
    assert.ok(diff.compared > ITEMS / 2, `compared ${diff.compared} items`);
    assert.equal((await worker.stop()).code, 0, worker.describe());
    assert.deepEqual(worker.errors(), []);
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});

test('bootstrap killed with -9 mid-copy resumes where it stopped; the recorded positions stay those of the first start', async (t) => {
  const fixture = await fixtureFor(t, 'boot-kill');
  await backlogBeforeStream(t, fixture, ITEMS);
  const workload = new AbortController();
  const writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
    keys: ITEMS,
    prefix: 'b',
    signal: workload.signal,
    seed: 777,
  });
  try {
    const first = start(
      args(fixture, 'bootstrap', ['--segments', '8', '--max-write-rate', '2000', '--worker-id', 'first']),
    );
    await first.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    const positions = await checkpoints(fixture);
    await waitFor(
      'a quarter of the copy',
      async () => (await copiedSoFar(fixture)) >= ITEMS / 4 || undefined,
      {
        timeoutMs: 120_000,
        intervalMs: 200,
      },
    );
    await first.kill();
    const before = await copiedSoFar(fixture);
    assert.ok(before < ITEMS, `killed before the end (${before} copied)`);
    const halfway = await copyStatus(fixture);
    assert.deepEqual(
      [halfway.copy?.state, halfway.copy?.itemsCopied, halfway.copy?.segments],
      ['copying', before, 8],
      'status shows the copy where the killed worker left it',
    );
    assert.match(halfway.text, /^bootstrap copy: copying: \d\/8 segments, [\d,]+ of ~[\d,]+ items \(\d+%\)/m);

    // Replicating now could write older scanned images over replayed changes: a plain worker refuses.
    const early = start(args(fixture, 'replicate'));
    assert.equal((await early.waitForExit()).code, 2, early.describe());
    assert.match(early.logs.find((l) => l.level === 'fatal')?.msg ?? '', /bootstrap copy .* not finished/);

    const second = start(args(fixture, 'bootstrap', ['--segments', '8', '--worker-id', 'second']));
    const exit = await second.waitForExit(180_000);
    assert.equal(exit.code, 0, second.describe());
    const copied = summary(second);
    t.diagnostic(`first run copied ${before}; second run: ${JSON.stringify(copied)}`);
    const items = numberField(copied, 'items');
    assert.ok(
      items > 0 && items < ITEMS - before / 2,
      `the second run copied ${items} items, not the whole table`,
    );
    assert.ok(
      second.logs.some((l) => l.msg === 'segment taken' && l.resumed === true && l.previousOwner === 'first'),
      'a segment of the killed worker resumed from its saved position',
    );
    assert.ok(
      !second.logs.some((l) => l.msg === 'stream positions recorded'),
      'positions are not recorded again',
    );
    assert.deepEqual(
      await checkpoints(fixture),
      positions,
      'the recorded positions are those of the first start',
    );
    assert.equal(await taskState(fixture), 'done');
    const done = await copyStatus(fixture);
    assert.deepEqual([done.copy?.state, done.copy?.segmentsDone], ['done', 8]);
    assert.equal(done.copy?.itemsCopied, await copiedSoFar(fixture));
    assert.match(done.text, /^bootstrap copy: done: [\d,]+ items in \d+:\d\d/m);
    workload.abort();
    assert.ok((await writing) > 0);

    // Replication from the recorded positions catches up with everything written since.
    const replicator = start(args(fixture, 'replicate'));
    const taken = await replicator.waitForLog('lease taken');
    assert.equal(taken.checkpoint, Object.values(positions)[0]);
    await assertTablesConverge(fixture, 120_000);
    assert.equal((await replicator.stop()).code, 0, replicator.describe());
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});

test('two workers share one copy: each copies some of the segments, then both replicate', async (t) => {
  const fixture = await fixtureFor(t, 'boot-fleet');
  await backlogBeforeStream(t, fixture, ITEMS);
  const workload = new AbortController();
  const writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
    keys: ITEMS,
    prefix: 'b',
    signal: workload.signal,
    seed: 4242,
  });
  try {
    // A fleet rate that makes the copy last long enough for both workers to be up before it ends.
    const flags = ['--bootstrap', '--segments', '8', '--copy-concurrency', '2', '--max-write-rate', '2000'];
    const a = start(args(fixture, 'replicate', [...flags, '--worker-id', 'worker-a']));
    const b = start(args(fixture, 'replicate', [...flags, '--worker-id', 'worker-b']));
    await a.waitForLog('copy done', { timeoutMs: 180_000 });
    await b.waitForLog('copy done', { timeoutMs: 180_000 });
    const segmentsA = numberField(summary(a), 'segmentsCopied');
    const segmentsB = numberField(summary(b), 'segmentsCopied');
    t.diagnostic(`worker-a: ${JSON.stringify(summary(a))}; worker-b: ${JSON.stringify(summary(b))}`);
    assert.ok(segmentsA > 0 && segmentsB > 0, `both copied segments (${segmentsA} and ${segmentsB})`);
    assert.ok(segmentsA + segmentsB <= 8, 'no segment finished twice');
    assert.deepEqual(await segmentsDone(fixture), Array(8).fill(true), 'every segment copied to its end');
    assert.ok([a, b].some((w) => w.logs.some((l) => l.msg === 'stream positions recorded')));
    workload.abort();
    await writing;
    await assertTablesConverge(fixture, 120_000);
    assert.equal((await a.stop()).code, 0, a.describe());
    assert.equal((await b.stop()).code, 0, b.describe());
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});

test('SIGTERM during the copy releases the segments (exit 0); a restart resumes them without waiting for expiry', async (t) => {
  const fixture = await fixtureFor(t, 'boot-term');
  await backlogBeforeStream(t, fixture, 5000);
  const first = start(
    args(fixture, 'bootstrap', ['--segments', '4', '--max-write-rate', '500', '--worker-id', 'first']),
  );
  await waitFor('part of the copy', async () => (await copiedSoFar(fixture)) >= 1000 || undefined, {
    timeoutMs: 120_000,
    intervalMs: 200,
  });
  const stopped = await first.stop();
  assert.equal(stopped.code, 0, first.describe());
  assert.ok(
    first.logs.some((l) => l.msg === 'copy stopped; a restart resumes it'),
    first.describe(),
  );
  const owners = (await scanAll(fixture.source, leaseTable(fixture)))
    .filter((item) => (item.leaseKey?.S ?? '').startsWith('bootstrap#segment-'))
    .map((item) => item.leaseOwner?.S);
  assert.deepEqual(owners, [undefined, undefined, undefined, undefined], 'every segment released');

  // Released, not expired: the next worker takes every unfinished segment at its first look.
  const second = start(args(fixture, 'bootstrap', ['--worker-id', 'second']));
  assert.equal((await second.waitForExit(120_000)).code, 0, second.describe());
  const taken = second.logs.filter((l) => l.msg === 'segment taken');
  assert.ok(taken.length > 0 && taken.every((l) => l.previousOwner === undefined), second.describe());
  assert.ok(
    taken.some((l) => l.resumed === true),
    'a segment resumed from its saved position',
  );
  assert.equal(await taskState(fixture), 'done');
  const copied = numberField(summary(second), 'items');
  assert.ok(copied < 5000, `the restart copied ${copied} items, not all 5000`);
});

/** A value of the fixture's `replicate` flags: the plan's defaults are the same regions and endpoints. */
function flagOf(fixture: ReplicationFixture, flag: string): string {
  const argv = fixture.args();
  return argv[argv.indexOf(flag) + 1] ?? '';
}

test('bootstrap --plan: one progress line for every copy of the plan, a summary, and a missing table failing alone', async (t) => {
  const sizes = [1500, 1000, 500];
  const fixtures = await Promise.all(sizes.map((_, i) => fixtureFor(t, `boot-plan${i}`)));
  await Promise.all(fixtures.map((fixture, i) => backlogBeforeStream(t, fixture, sizes[i]!)));
  // A table the plan names that does not exist: its task fails its startup checks, the others go on.
  const missing = `${fixtures[0]!.sourceTable}-missing`;
  const missingTask = `${fixtures[0]!.taskName}-missing`;
  const dir = mkdtempSync(join(tmpdir(), 'boot-plan-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await deleteTableIfExists(fixtures[0]!.source, `DynamoDBCrossRegionReplication${missingTask}`);
  });
  const planFile = join(dir, 'plan.yaml');
  const entry = (source: string, destination: string, task: string): string =>
    `  - { source: { table: ${source} }, destination: { table: ${destination} }, taskName: ${task} }`;
  writeFileSync(
    planFile,
    [
      'defaults:',
      `  source: { region: ${flagOf(fixtures[0]!, '--source-region')}, endpoint: "${flagOf(fixtures[0]!, '--source-endpoint')}" }`,
      `  destination: { region: ${flagOf(fixtures[0]!, '--dest-region')}, endpoint: "${flagOf(fixtures[0]!, '--dest-endpoint')}" }`,
      'replications:',
      ...fixtures.map((f) => entry(f.sourceTable, f.destTable, f.taskName)),
      entry(missing, `${missing}-dr`, missingTask),
      '',
    ].join('\n'),
  );
  // Each copy paced (the rate is per task) so that it lasts long enough for a few lines.
  const worker = start([
    'bootstrap',
    '--plan',
    planFile,
    ...[
      '--segments',
      '4',
      '--max-write-rate',
      '1000',
      '--failover-ms',
      '3000',
      '--progress-interval-ms',
      '250',
    ],
  ]);
  const exit = await worker.waitForExit(120_000);
  assert.equal(exit.code, 1, worker.describe());
  assert.match(
    worker.logs.find((l) => l.level === 'fatal')?.msg ?? '',
    new RegExp(`^1 of 4 tasks failed: ${missingTask} \\(`),
  );

  // Every item of the three tables is in its destination: the figures below must say as much.
  const count = async (client: (typeof fixtures)[number]['source'], table: string) =>
    (await scanAll(client, table)).length;
  const sourceItems = await Promise.all(fixtures.map((f) => count(f.source, f.sourceTable)));
  const destItems = await Promise.all(fixtures.map((f) => count(f.destination, f.destTable)));
  assert.deepEqual(destItems, sourceItems);
  const expected = sourceItems.reduce((a, b) => a + b, 0);

  const lines = worker.logs.filter((l) => l.msg === 'plan copy progress');
  const progress = (l: LogLine) => l.progress as Record<string, number>;
  t.diagnostic(`${lines.length} plan copy progress lines; the last: ${JSON.stringify(lines.at(-1))}`);
  assert.ok(lines.length >= 3, worker.describe());
  assert.ok(!worker.logs.some((l) => l.msg === 'copy progress'), 'no progress line per task');
  let before = 0;
  for (const line of lines) {
    const p = progress(line);
    assert.equal(p.tables, 4, JSON.stringify(line));
    const done = p.done ?? -1;
    assert.ok(done >= before && done <= expected, `done goes from ${before} to ${done} of ${expected}`);
    before = done;
  }
  const copying = lines.find((l) => progress(l).copying! > 0 && progress(l).total !== undefined);
  assert.ok(copying !== undefined, 'a line while copying, with a total');
  const named = (copying.mostItemsLeft as { table: string }[]).map((c) => c.table);
  assert.ok(
    named.length > 0 && named.every((table) => fixtures.some((f) => f.sourceTable === table)),
    JSON.stringify(copying),
  );
  const last = progress(lines.at(-1)!);
  assert.deepEqual(
    [last.done, last.total, last.copied, last.failed, last.segmentsDone, last.segments],
    [expected, expected, 3, 1, 12, 12],
  );

  const summary = worker.logs.find((l) => l.msg === 'plan copy ended with failed copies');
  assert.ok(summary !== undefined, worker.describe());
  assert.deepEqual(
    [summary.tables, summary.copied, summary.failed, summary.fleetItems, summary.items],
    [4, 3, 1, expected, expected],
  );
  const [first] = summary.tasks as { task: string; table: string; state: string }[];
  assert.deepEqual([first?.task, first?.table, first?.state], [missingTask, missing, 'failed']);
  // Each copy's own summary is as a single `bootstrap` logs it.
  const copied = worker.logs.filter((l) => l.msg === 'copy done');
  assert.equal(copied.length, 3);
  assert.equal(
    copied.reduce((n, l) => n + numberField(l, 'fleetItems'), 0),
    expected,
  );
});
