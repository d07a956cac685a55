// Several real worker processes share one task through the lease table on DynamoDB Local: kill -9 of the owner
// and a clean SIGTERM hand the shard to the other worker, `status` shows who reads what, and a worker frozen with
// SIGSTOP in the middle of a flush writes nothing once it wakes up after its lease moved (fencing).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BatchWriteItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoLeaseStore } from '../../src/lease/dynamo-lease-store.js';
import { sourceEndpoint, SOURCE_REGION } from '../support/local-env.js';
import {
  assertTablesConverge,
  createFixture,
  diffTables,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess, type LogLine } from '../support/replicator-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';

const fixtures: ReplicationFixture[] = [];
const workers: ReplicatorProcess[] = [];
const proxies: TcpProxy[] = [];
after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  for (const worker of workers) {
    if (worker.child.signalCode === null && worker.child.exitCode === null) worker.child.kill('SIGCONT');
    await worker.kill();
  }
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

async function fixtureFor(prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ prefix });
  fixtures.push(fixture);
  return fixture;
}

function start(fixture: ReplicationFixture, id: string, extra: string[] = []): ReplicatorProcess {
  const worker = new ReplicatorProcess(fixture.args(['--worker-id', id, '--failover-ms', '3000', ...extra]));
  workers.push(worker);
  return worker;
}

/** The worker that logged "lease taken" first (from log index `from` on), and the other one. */
async function owner(
  a: ReplicatorProcess,
  b: ReplicatorProcess,
): Promise<[ReplicatorProcess, ReplicatorProcess]> {
  const taken = (w: ReplicatorProcess): LogLine | undefined => w.logs.find((l) => l.msg === 'lease taken');
  return waitFor('one worker to take the lease', () => {
    if (taken(a) !== undefined) return [a, b] as [ReplicatorProcess, ReplicatorProcess];
    if (taken(b) !== undefined) return [b, a] as [ReplicatorProcess, ReplicatorProcess];
    return undefined;
  });
}

test('kill -9 of the owner: the other worker takes the shard over and nothing is lost', async () => {
  const fixture = await fixtureFor('fleet-kill');
  await writeBacklog(fixture.source, fixture.sourceTable, 1000);
  const a = start(fixture, 'worker-a');
  const b = start(fixture, 'worker-b');
  const workload = new AbortController();
  const writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
    keys: 400,
    signal: workload.signal,
  });
  try {
    const [first, second] = await owner(a, b);
    await first.kill();
    const taken = await second.waitForLog('lease taken', { timeoutMs: 30_000 });
    assert.equal(taken.previousOwner, first === a ? 'worker-a' : 'worker-b');
    workload.abort();
    await writing;
    await assertTablesConverge(fixture);
    assert.equal((await second.stop()).code, 0, second.describe());
  } finally {
    workload.abort();
    await writing.catch(() => undefined);
  }
});

test('SIGTERM of the owner hands the shard to the other worker at once, and status shows the fleet', async () => {
  const fixture = await fixtureFor('fleet-term');
  await writeBacklog(fixture.source, fixture.sourceTable, 500);
  const a = start(fixture, 'worker-a');
  const b = start(fixture, 'worker-b');
  const [first, second] = await owner(a, b);
  await assertTablesConverge(fixture);
  // Caught up, the owner's next renewal records a lag of 0 in its lease, where status (any reader) finds it.
  const leases = new DynamoLeaseStore(fixture.source, `DynamoDBCrossRegionReplication${fixture.taskName}`);
  await waitFor('the lag of 0 recorded in the lease', async () =>
    (await leases.list()).every((l) => l.behindMs === 0),
  );

  const status = statusProcess(fixture, ['--json']);
  assert.equal((await status.waitForExit()).code, 0, status.describe());
  const fleet = JSON.parse(status.stdout) as {
    shards: { state: string; owner: string; behindMs?: number }[];
    workers: { workerId: string; leases: number; sinceHeartbeatMs?: number }[];
  };
  const ownerId = first === a ? 'worker-a' : 'worker-b';
  assert.deepEqual(
    fleet.shards.map((s) => [s.state, s.owner, s.behindMs]),
    [['reading', ownerId, 0]],
  );
  // Both show: the owner with its lease, the other one as a standby by its heartbeat.
  const otherId = ownerId === 'worker-a' ? 'worker-b' : 'worker-a';
  assert.deepEqual(
    fleet.workers.map((w) => [w.workerId, w.leases]).sort(),
    [
      [ownerId, 1],
      [otherId, 0],
    ].sort(),
  );
  assert.ok(fleet.workers.every((w) => typeof w.sinceHeartbeatMs === 'number'));

  assert.equal((await first.stop()).code, 0, first.describe());
  assert.ok(first.logs.some((l) => l.msg === 'lease released'));
  // It left the fleet: its presence item is gone, so the other one counts only itself.
  const { workers } = await new DynamoLeaseStore(
    fixture.source,
    `DynamoDBCrossRegionReplication${fixture.taskName}`,
  ).listFleet();
  assert.ok(!workers.some((w) => w.workerId === ownerId), JSON.stringify(workers));
  // Released, not expired: the other worker needs no failover wait and finds no previous owner.
  const taken = await second.waitForLog('lease taken');
  assert.equal(taken.previousOwner, undefined);
  await writeBacklog(fixture.source, fixture.sourceTable, 200, 'after');
  await assertTablesConverge(fixture);
  const healthy = await check(fixture, ['--max-lag-ms', '60000']);
  assert.deepEqual([healthy.code, healthy.stdout], [0, `ok: task ${fixture.taskName} healthy\n`]);
  assert.equal((await second.stop()).code, 0, second.describe());
  // Nobody runs the task now: a check for cron and monitoring says so, exit 1.
  const stopped = await check(fixture);
  assert.equal(stopped.code, 1, stopped.stdout);
  assert.match(
    stopped.stdout,
    new RegExp(`^task ${fixture.taskName}: no live worker: nothing replicates$`, 'm'),
  );
  const misuse = await check(fixture, ['--no-check', '--max-lag-ms', '5']);
  assert.equal(misuse.code, 2);
});

/** `status` of the fixture's task, read from its lease table. */
function statusProcess(fixture: { taskName: string }, extra: readonly string[]): ReplicatorProcess {
  return new ReplicatorProcess([
    'status',
    ...['--task-name', fixture.taskName],
    ...['--lease-region', SOURCE_REGION, '--lease-endpoint', sourceEndpoint()],
    ...extra,
  ]);
}

/** `status --check` of the fixture's task, as a monitoring script runs it. */
async function check(
  fixture: { taskName: string },
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string }> {
  const status = statusProcess(fixture, ['--check', ...extra]);
  const { code } = await status.waitForExit();
  return { code, stdout: status.stdout };
}

test('a worker frozen mid-flush writes nothing after it wakes up without its lease', async () => {
  const fixture = await fixtureFor('fleet-stop');
  const keys = 4000;
  await writeBacklog(fixture.source, fixture.sourceTable, keys);
  // Worker A reaches its lease table through a proxy that is cut while A is frozen and stays cut after A wakes:
  // A cannot learn from the lease table that it lost the lease, so only its own clock can stop its writes.
  const leaseProxy = await TcpProxy.start(sourceEndpoint());
  proxies.push(leaseProxy);
  // One request at a time makes the flush of the backlog long enough to freeze it in the middle.
  const a = start(fixture, 'worker-a', ['--write-concurrency', '1', '--lease-endpoint', leaseProxy.endpoint]);
  await a.waitForLog('lease taken');
  await waitFor(
    'the first flush to be under way',
    async () => {
      const out = await fixture.destination.send(
        new ScanCommand({ TableName: fixture.destTable, Select: 'COUNT' }),
      );
      return (out.Count ?? 0) > 0 || undefined;
    },
    { intervalMs: 5 },
  );
  a.child.kill('SIGSTOP');
  leaseProxy.freeze();
  const destinationAtFreeze = (await diffTables(fixture)).missing.length;
  assert.ok(destinationAtFreeze > 0, 'frozen before the flush finished');

  const b = start(fixture, 'worker-b');
  const taken = await b.waitForLog('lease taken', { timeoutMs: 30_000 });
  assert.equal(taken.previousOwner, 'worker-a');
  // Newer images of every key, written by the new owner only.
  for (let start = 0; start < keys; start += 25) {
    await fixture.source.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [fixture.sourceTable]: Array.from({ length: 25 }, (_, i) => ({
            PutRequest: { Item: { pk: { S: `b-${start + i}` }, n: { N: '-1' }, version: { N: '2' } } },
          })),
        },
      }),
    );
  }
  await assertTablesConverge(fixture);

  const resumedAt = a.logs.length;
  a.child.kill('SIGCONT');
  await a.waitForLog('lease lost', { from: resumedAt, timeoutMs: 30_000 });
  await a.waitForLog('shard stopped', { from: resumedAt, timeoutMs: 30_000 });
  // Had it sent the rest of its old flush, older images would now stand over the newer ones.
  const diff = await diffTables(fixture);
  leaseProxy.thaw();
  assert.deepEqual(
    { different: diff.different.length, missing: diff.missing.length, extra: diff.extra.length },
    {
      different: 0,
      missing: 0,
      extra: 0,
    },
  );
  assert.equal((await a.stop()).code, 0, a.describe());
  assert.equal((await b.stop()).code, 0, b.describe());
});
