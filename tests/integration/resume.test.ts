// Restarts lose nothing: after a clean stop (SIGTERM) and after kill -9, a new worker with the same task resumes
// from the checkpoints in the lease table while writes go on, and the destination ends equal to the source.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';
import { waitFor } from '../support/wait-for.js';

const fixtures: ReplicationFixture[] = [];
after(async () => {
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

function recordsRead(worker: ReplicatorProcess): number {
  const lines = worker.logs.filter((l) => l.msg === 'progress');
  const last = lines.at(-1)?.progress as { recordsRead?: number } | undefined;
  return last?.recordsRead ?? 0;
}

let fixture: ReplicationFixture;
before(async () => {
  fixture = await createFixture({ prefix: 'resume' });
  fixtures.push(fixture);
});

test('a clean stop and a restart resume from the checkpoint while writes go on', async () => {
  await writeBacklog(fixture.source, fixture.sourceTable, 1000);
  const first = new ReplicatorProcess(fixture.args());
  const workload = new AbortController();
  const writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
    keys: 300,
    signal: workload.signal,
  });
  let second: ReplicatorProcess | undefined;
  try {
    await first.waitForLog('progress', {
      match: (l) => ((l.progress as { recordsRead: number }).recordsRead ?? 0) >= 1000,
    });
    const stopped = await first.stop();
    assert.equal(stopped.code, 0, first.describe());
    assert.ok(first.logs.some((l) => l.msg === 'lease released'));
    const readBefore = recordsRead(first);

    second = new ReplicatorProcess(fixture.args());
    // The released lease is taken at once, from its checkpoint, not from the oldest record.
    const taken = await second.waitForLog('lease taken');
    assert.notEqual(taken.checkpoint, 'TRIM_HORIZON', 'the second worker starts from a checkpoint');
    workload.abort();
    const writes = await writing;
    assert.ok(writes > 0);
    await assertTablesConverge(fixture);
    await second.waitForLog('progress', { from: second.logs.length });
    // Records the first run applied are not read again (at most the unflushed tail of the first run).
    assert.ok(recordsRead(second) < readBefore + writes, `second run read ${recordsRead(second)} records`);
    assert.equal((await second.stop()).code, 0, second.describe());
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
    await first.kill();
    await second?.kill();
  }
});

test('kill -9 mid-stream and a restart lose nothing', async () => {
  const killed = await createFixture({ prefix: 'kill9' });
  fixtures.push(killed);
  await writeBacklog(killed.source, killed.sourceTable, 2000);
  const workload = new AbortController();
  const writing = runMixedWorkload(killed.source, killed.sourceTable, { keys: 500, signal: workload.signal });
  const first = new ReplicatorProcess(killed.args(['--failover-ms', '3000']));
  let second: ReplicatorProcess | undefined;
  try {
    await first.waitForLog('lease taken');
    // Kill it while it is busy with the backlog and the live writes.
    await waitFor('some records replicated', () => recordsRead(first) > 0 || undefined, {
      timeoutMs: 30_000,
    });
    await first.kill();
    second = new ReplicatorProcess(killed.args(['--failover-ms', '3000']));
    // The dead worker's lease is still owned by it: the new worker takes it once it has expired.
    const taken = await second.waitForLog('lease taken', { timeoutMs: 30_000 });
    assert.ok(
      typeof taken.previousOwner === 'string' && taken.previousOwner !== '',
      'taken over from the dead worker',
    );
    workload.abort();
    await writing;
    await assertTablesConverge(killed);
    assert.equal((await second.stop()).code, 0, second.describe());
    assert.deepEqual(second.errors(), []);
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
    await first.kill();
    await second?.kill();
  }
});
