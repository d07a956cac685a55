// dynamodb-local: shared
// Proves that a write the destination rejects stops the worker loudly (exit 1, one fatal line naming the
// destination table and the rejected item's key, no stack trace) without moving the checkpoint to or past the
// rejected record, and that the same task, restarted once the cause is fixed, resumes from that checkpoint.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EXIT_FAILED } from '../../src/cli/exit-codes.js';
import { deleteItem, putItems } from '../support/attribute-items.js';
import {
  assertTablesConverge,
  createFixture,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { convergedWhileRunning, stackTraceFrames } from '../support/run-replicator.js';
import { isAtOrAfter, readCheckpoint, readSourceStream } from '../support/stream-inspection.js';
import { dropIndex, replaceWithIndexedTable } from '../support/table-with-index.js';
import { waitFor } from '../support/wait-for.js';

const INDEX = 'by-group';
/** The destination's index types `group` as S; this item carries it as N, so the destination rejects it. */
const BAD_KEY: Item = { pk: { S: 'bad' } };
const BAD: Item = { ...BAD_KEY, group: { N: '7' } };
const GOOD_BEFORE = 5;
const GOOD_AROUND = 6;

const fixtures: ReplicationFixture[] = [];
after(async () => {
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

function good(i: number): Item {
  return { pk: { S: `good-${i}` }, group: { S: `group-${i % 3}` }, n: { N: String(i) } };
}

async function destinationItem(fixture: ReplicationFixture, key: Item): Promise<Item | undefined> {
  const out = await fixture.destination.send(
    new GetItemCommand({ TableName: fixture.destTable, Key: key, ConsistentRead: true }),
  );
  return out.Item;
}

/**
 * Replicates a few good items (checkpointed), then writes good items around one the destination rejects, and
 * checks how the worker stops. Returns the checkpoint it left.
 */
async function provokeRejectedWrite(fixture: ReplicationFixture): Promise<string> {
  const { source, sourceTable, taskName } = fixture;
  await replaceWithIndexedTable(fixture.destination, fixture.destTable, INDEX, 'group');
  await putItems(
    source,
    sourceTable,
    Array.from({ length: GOOD_BEFORE }, (_, i) => good(i)),
  );
  const worker = new ReplicatorProcess(fixture.args());
  let lastGood: string;
  try {
    await convergedWhileRunning(fixture, worker);
    lastGood = (await readSourceStream(source, sourceTable)).at(-1)!.sequenceNumber;
    await waitFor('the checkpoint to pass the replicated items', async () =>
      isAtOrAfter(await readCheckpoint(source, taskName), lastGood),
    );

    const half = GOOD_AROUND / 2;
    await putItems(
      source,
      sourceTable,
      Array.from({ length: half }, (_, i) => good(GOOD_BEFORE + i)),
    );
    await putItems(source, sourceTable, [BAD]);
    await putItems(
      source,
      sourceTable,
      Array.from({ length: half }, (_, i) => good(GOOD_BEFORE + half + i)),
    );

    const exit = await worker.waitForExit(30_000);
    const detail = worker.describe();
    assert.equal(exit.code, EXIT_FAILED, detail);
    const fatal = worker.logs.filter((l) => l.level === 'fatal');
    assert.equal(fatal.length, 1, `exactly one fatal line:\n${detail}`);
    const message = fatal[0]!.msg;
    assert.ok(message.includes(`destination table ${fixture.destTable}`), `names the table: ${message}`);
    assert.ok(message.includes(JSON.stringify(BAD_KEY)), `names the rejected key: ${message}`);
    assert.ok(message.includes('ValidationException'), `says why: ${message}`);
    assert.deepEqual(stackTraceFrames(worker), [], 'no stack trace in stderr');
  } finally {
    await worker.kill();
  }

  const badRecord = (await readSourceStream(source, sourceTable)).find(
    (r) => r.eventName === 'INSERT' && r.keys.pk?.S === BAD_KEY.pk?.S,
  );
  assert.ok(badRecord !== undefined, 'the rejected item has its stream record');
  const checkpoint = await readCheckpoint(source, taskName);
  assert.ok(
    !isAtOrAfter(checkpoint, badRecord.sequenceNumber),
    `checkpoint ${checkpoint} stays before the rejected record ${badRecord.sequenceNumber}`,
  );
  assert.ok(isAtOrAfter(checkpoint, lastGood), `checkpoint ${checkpoint} kept the replicated items`);
  assert.equal(await destinationItem(fixture, BAD_KEY), undefined, 'the rejected item was not written');
  return checkpoint;
}

/** Restarts the same task: it must resume after `checkpoint`, converge, and stop cleanly. */
async function resumeToConvergence(fixture: ReplicationFixture, checkpoint: string): Promise<number> {
  const worker = new ReplicatorProcess(fixture.args());
  try {
    // The lease of the stopped run may still have to run out (failover) before this worker reads; under a loaded
    // CI machine that and the start took over 30 s once.
    const reading = await worker.waitForLog('shard reading', { timeoutMs: 60_000 });
    assert.equal(reading.position, `after ${checkpoint}`, 'resumes from the checkpoint');
    await convergedWhileRunning(fixture, worker);
    const diff = await assertTablesConverge(fixture);
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
    return diff.compared;
  } finally {
    await worker.kill();
  }
}

async function newFixture(prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ prefix });
  fixtures.push(fixture);
  return fixture;
}

test('a rejected write stops the worker before its record; dropping the index lets the task resume', async () => {
  const fixture = await newFixture('werr-index');
  const checkpoint = await provokeRejectedWrite(fixture);

  await dropIndex(fixture.destination, fixture.destTable, INDEX);
  const compared = await resumeToConvergence(fixture, checkpoint);
  assert.equal(compared, GOOD_BEFORE + GOOD_AROUND + 1);
  assert.equal(
    (await destinationItem(fixture, BAD_KEY))?.group?.N,
    '7',
    'the once-rejected item arrived as is',
  );
});

test('a rejected write stops the worker; deleting the item from the source lets the task resume', async () => {
  const fixture = await newFixture('werr-delete');
  const checkpoint = await provokeRejectedWrite(fixture);

  // The replay reads the rejected INSERT and this REMOVE in one batch and squashes them into a delete.
  await deleteItem(fixture.source, fixture.sourceTable, BAD_KEY);
  const compared = await resumeToConvergence(fixture, checkpoint);
  assert.equal(compared, GOOD_BEFORE + GOOD_AROUND);
  assert.equal(await destinationItem(fixture, BAD_KEY), undefined);
});

test('a rejected write stops the worker; fixing the item in the source lets the task resume', async () => {
  const fixture = await newFixture('werr-update');
  const checkpoint = await provokeRejectedWrite(fixture);

  // Same squash as above: the replay writes only the item's latest image, whose `group` is now a string.
  await fixture.source.send(
    new UpdateItemCommand({
      TableName: fixture.sourceTable,
      Key: BAD_KEY,
      UpdateExpression: 'SET #g = :g',
      ExpressionAttributeNames: { '#g': 'group' },
      ExpressionAttributeValues: { ':g': { S: '7' } },
    }),
  );
  const compared = await resumeToConvergence(fixture, checkpoint);
  assert.equal(compared, GOOD_BEFORE + GOOD_AROUND + 1);
  assert.equal((await destinationItem(fixture, BAD_KEY))?.group?.S, '7');
});
