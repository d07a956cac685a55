// dynamodb-local: shared
// /healthz and /readyz of a real worker on DynamoDB Local: ready once it takes part in the fleet; stuck (503, the
// shard named) while its destination is unreachable and live again once it is back, nothing lost; stuck while its
// lease table refuses every renewal for longer than the failover time, and live again after.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { destEndpoint, sourceEndpoint } from '../support/local-env.js';
import { FaultProxy } from '../support/fault-proxy.js';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';
import { writeBacklog } from '../support/workload.js';

const fixtures: ReplicationFixture[] = [];
const workers: ReplicatorProcess[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await Promise.all(closers.map((close) => close()));
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

/** A worker with fast timings: renewals every 500 ms, a stall after 3 s without progress. */
async function startWorker(
  prefix: string,
  endpoints: { dest?: string; lease?: string },
): Promise<{ worker: ReplicatorProcess; fixture: ReplicationFixture; port: number }> {
  const fixture = await createFixture({ prefix });
  fixtures.push(fixture);
  const args = fixture.args([
    ...['--worker-id', `${prefix}-worker`, '--failover-ms', '3000', '--stall-timeout-ms', '3000'],
    ...['--metrics-port', '0'],
    ...(endpoints.lease === undefined ? [] : ['--lease-endpoint', endpoints.lease]),
  ]);
  if (endpoints.dest !== undefined) args[args.indexOf('--dest-endpoint') + 1] = endpoints.dest;
  const worker = new ReplicatorProcess(args);
  workers.push(worker);
  const served = await worker.waitForLog('serving /metrics and /healthz');
  return { worker, fixture, port: Number(served.port) };
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function probe(port: number, path: '/healthz' | '/readyz'): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Waits until `path` answers `status`, and returns that answer; on timeout says what it answered last. */
async function until(
  worker: ReplicatorProcess,
  port: number,
  path: '/healthz' | '/readyz',
  status: number,
): Promise<Answer> {
  let last: Answer | undefined;
  try {
    return await waitFor(
      `${path} ${status}`,
      async () => {
        last = await probe(port, path);
        return last.status === status ? last : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; last answer ${JSON.stringify(last)}; worker: ${worker.describe()}`,
      { cause: err },
    );
  }
}

test('/healthz turns 503 naming the shard while the destination is unreachable, and 200 once it is back', async () => {
  // A FaultProxy, not TcpProxy.freeze(): a freeze holds only the connections open at that moment, and the writer's
  // retries open new ones. Every connection reset before it is forwarded is a destination that cannot be reached.
  const destination = await FaultProxy.start(destEndpoint());
  closers.push(() => destination.close());
  const { worker, fixture, port } = await startWorker('health-dest', { dest: destination.endpoint });

  assert.deepEqual(await until(worker, port, '/readyz', 200), { status: 200, body: 'ready\n' });
  const reading = await worker.waitForLog('shard reading');
  const shardId = String(reading.shardId);
  await writeBacklog(fixture.source, fixture.sourceTable, 50, 'before');
  await assertTablesConverge(fixture);
  assert.deepEqual(await probe(port, '/healthz'), { status: 200, body: 'ok\n' });

  const cut = destination.add({ kinds: ['reset-before'] });
  const logsBefore = worker.logs.length;
  await writeBacklog(fixture.source, fixture.sourceTable, 30, 'during');
  const stuck = await until(worker, port, '/healthz', 503);
  assert.match(
    stuck.body,
    new RegExp(
      `^task ${fixture.taskName} shard ${shardId} behind.*, no write for .* with \\d+ records waiting \\(destination unreachable\\?\\)\\n$`,
    ),
  );
  // Stuck is not unready: the worker still takes part in the fleet.
  assert.equal((await probe(port, '/readyz')).status, 200);
  const logged = await worker.waitForLog('worker stuck', { from: logsBefore });
  assert.equal(logged.level, 'warn');
  assert.match(String((logged.reasons as string[])[0]), new RegExp(`shard ${shardId} `));

  cut.remove();
  assert.deepEqual(await until(worker, port, '/healthz', 200), { status: 200, body: 'ok\n' });
  await worker.waitForLog('worker no longer stuck', { from: logsBefore });
  await assertTablesConverge(fixture);
  assert.equal((await worker.stop()).code, 0, worker.describe());
  assert.deepEqual(worker.errors(), [], worker.describe());
});

test('/healthz turns 503 while the lease table refuses renewals for longer than the failover time', async () => {
  const lease = await FaultProxy.start(sourceEndpoint());
  closers.push(() => lease.close());
  const { worker, fixture, port } = await startWorker('health-lease', { lease: lease.endpoint });
  assert.equal((await until(worker, port, '/readyz', 200)).status, 200);
  await worker.waitForLog('shard reading');
  assert.deepEqual(await probe(port, '/healthz'), { status: 200, body: 'ok\n' });

  // Every call to the lease table answered with a 500 from now on: heartbeats, renewals, looks, checkpoints.
  const refusing = lease.add({ kinds: ['server-error'] });
  const stuck = await until(worker, port, '/healthz', 503);
  assert.match(
    stuck.body,
    new RegExp(
      `^task ${fixture.taskName} lease renewals failing for .* \\(failover time 3\\.0 s\\): lease table DynamoDBCrossRegionReplication${fixture.taskName} unreachable\\?\\n$`,
    ),
  );
  assert.ok(refusing.hits > 0);

  refusing.remove();
  assert.deepEqual(await until(worker, port, '/healthz', 200), { status: 200, body: 'ok\n' });
  // Back in business: it takes the shard again and replicates what was written meanwhile.
  await writeBacklog(fixture.source, fixture.sourceTable, 20, 'after');
  await assertTablesConverge(fixture);
  assert.equal((await worker.stop()).code, 0, worker.describe());
});
