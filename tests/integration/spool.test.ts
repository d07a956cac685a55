// dynamodb-local: shared
// Spool mode (src/spool/) through the real CLI against DynamoDB Local: `replicate --bootstrap --copy-mode spool`
// copies a table while puts, updates and deletes go on from before the positions are recorded until after the
// switch; the consumers spool the stream during the copy (the spool table fills while the copy runs), the spool is
// drained twice, the consumers switch to the destination, the spool table is deleted, and the destination ends
// equal to the source item by item. With a stream whose records are trimmed after a few seconds (the controlled
// stream endpoint) and a copy slower than that, a spool copy still ends equal, while a direct copy of the same
// table stops with its data-loss error.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createTable, deleteTableIfExists, scanAll } from '../../src/local/local-tables.js';
import {
  assertTablesConverge,
  createFixture,
  fixtureOf,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { sourceEndpoint, SOURCE_REGION } from '../support/local-env.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { enforceRetention } from '../support/stream-server/retention.js';
import { serveSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';
import { runMixedWorkload, writeBacklog } from '../support/workload.js';

const workers: ReplicatorProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const worker of workers) await worker.kill();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const leaseTable = (fixture: ReplicationFixture): string =>
  `DynamoDBCrossRegionReplication${fixture.taskName}`;
const spoolTable = (fixture: ReplicationFixture): string => `${leaseTable(fixture)}-spool`;

async function fixtureFor(t: TestContext, prefix: string): Promise<ReplicationFixture> {
  const fixture = await createFixture({ prefix });
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      await deleteTableIfExists(fixture.source, spoolTable(fixture));
      await fixture.cleanup();
    })());
  cleanups.push(cleanup);
  t.after(async () => {
    for (const worker of workers) await worker.kill();
    await cleanup();
  });
  return fixture;
}

function start(
  fixture: ReplicationFixture,
  command: 'replicate' | 'bootstrap',
  extra: string[],
): ReplicatorProcess {
  const [, ...rest] = fixture.args(['--failover-ms', '1500', ...extra]);
  const worker = new ReplicatorProcess([command, ...rest]);
  workers.push(worker);
  return worker;
}

async function taskState(fixture: ReplicationFixture): Promise<string | undefined> {
  const items = await scanAll(fixture.source, leaseTable(fixture));
  return items.find((item) => item.leaseKey?.S === 'bootstrap#task')?.state?.S;
}

async function spoolExists(fixture: ReplicationFixture): Promise<boolean> {
  try {
    await fixture.source.send(new DescribeTableCommand({ TableName: spoolTable(fixture) }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

test('with a retention shorter than the copy, a spool copy ends equal where a direct copy stops with its data-loss error', async (t) => {
  const fixture = await fixtureFor(t, 'spool-trim');
  // A second task over the same source and its stream, copying directly to a destination of its own.
  const direct = fixtureOf({
    ...fixture,
    destTable: `${fixture.destTable}-direct`,
    taskName: `${fixture.taskName}-direct`,
    cleanup: async () => {
      await deleteTableIfExists(fixture.destination, `${fixture.destTable}-direct`);
      await deleteTableIfExists(fixture.source, leaseTable(direct));
    },
  });
  cleanups.push(() => direct.cleanup());
  await createTable(fixture.destination, direct.destTable, fixture.key);
  await writeBacklog(fixture.source, fixture.sourceTable, 1000);
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards: 2 });
  const retention = new AbortController();
  const workload = new AbortController();
  let trimming: Promise<number> | undefined;
  let writing: Promise<number> | undefined;
  try {
    await served.feeder.caughtUp();
    // A copy of 1,000 items at 150 items/s lasts about 7 s; records are trimmed after 2 s.
    const flags = [...served.args(), '--segments', '2', '--max-write-rate', '150'];
    const spool = start(fixture, 'replicate', [
      ...['--bootstrap', '--copy-mode', 'spool', '--metrics-port', '0', ...flags],
    ]);
    const plain = start(direct, 'bootstrap', ['--copy-mode', 'direct', ...flags]);
    await spool.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    await plain.waitForLog('stream positions recorded', { timeoutMs: 60_000 });
    // The spool's consumers read both shards before any change can age out of the stream.
    await waitFor('the spool consumers on both shards', () =>
      spool.logs.filter((l) => l.msg === 'lease taken').length >= 2 ? true : undefined,
    );
    writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
      keys: 1000,
      prefix: 'b',
      signal: workload.signal,
      seed: 4242,
    });
    trimming = enforceRetention(served.model, 2000, retention.signal);

    // While the scan copy runs, the consumers write the stream's changes to the spool, not the destination.
    const spooled = await waitFor(
      'changes spooled while copying',
      async () => {
        if ((await taskState(fixture)) !== 'copying') return undefined;
        const items = await scanAll(fixture.source, spoolTable(fixture)).catch(() => []);
        return items.length >= 20 ? items.length : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    t.diagnostic(`${spooled} keys spooled during the copy`);
    // The spool's size before any drain: `status` and the metric show the changes the fleet counted.
    const port = Number((await spool.waitForLog('serving /metrics and /healthz')).port);
    const counted = await waitFor(
      'the spooled changes counted while copying',
      async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const total = Number(/^ddb_replicator_spool_fleet_changes\{[^}]*\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
        return total >= spooled && (await taskState(fixture)) === 'copying' ? total : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const status = await copyStatus(fixture);
    assert.ok((status.json.spool?.spooledChanges ?? 0) >= counted, JSON.stringify(status.json));
    // Until pass 1 has scanned the spool (its key count known), the text gives the count (a loaded machine may
    // be draining by the time `status` reads the table: "draining the spool, pass 1: ... (191 changes spooled)").
    if (status.json.spool?.spoolKeys === undefined) {
      assert.match(status.text, /bootstrap copy: (copying|draining).*\b[\d,]+ changes spooled/);
    }
    t.diagnostic(`${counted} changes counted as spooled while copying (status: ${status.json.state})`);
    const exit = await plain.waitForExit(120_000);
    assert.equal(exit.code, 1, plain.describe());
    const fatal = plain.logs.filter((l) => l.level === 'fatal');
    assert.equal(fatal.length, 1, plain.describe());
    assert.match(fatal[0]?.msg ?? '', /^data lost: records of shard /);

    for (const line of [
      'copy done: draining the spool',
      'spool drained once: switching the consumers to the destination',
      'spool drained: the consumers write the destination from the spool checkpoints on',
      'spool table deleted',
    ]) {
      await spool.waitForLog(line, { timeoutMs: 120_000 });
    }
    assert.equal(await taskState(fixture), 'done');
    assert.equal(await spoolExists(fixture), false, 'the spool table is deleted at the end');
    // Changes go on after the switch, straight to the destination.
    const deletedAt = spool.logs.findIndex((l) => l.msg === 'spool table deleted');
    await spool.waitForLog('progress', { from: deletedAt, timeoutMs: 30_000 });
    workload.abort();
    assert.ok((await writing) > 0);
    await served.feeder.caughtUp();
    const diff = await assertTablesConverge(fixture, 60_000);
    assert.ok(diff.compared > 300, `compared ${diff.compared} items`);
    retention.abort();
    const trimmed = await trimming;
    t.diagnostic(`${trimmed} stream records trimmed during the copies`);
    assert.ok(trimmed > 0, 'records were trimmed while the copies ran');
    assert.equal((await spool.stop()).code, 0, spool.describe());
    assert.deepEqual(spool.errors(), []);
  } finally {
    workload.abort();
    retention.abort();
    await Promise.all([writing?.catch(() => 0), trimming?.catch(() => 0)]);
    await served.close();
  }
});

interface CopyJson {
  readonly state: string;
  readonly spool?: { readonly phase: string; readonly spooledChanges: number; readonly spoolKeys?: number };
}

/** `status` as a user runs it, as JSON and as text. */
async function copyStatus(fixture: ReplicationFixture): Promise<{ json: CopyJson; text: string }> {
  const run = async (extra: string[]): Promise<string> => {
    const status = new ReplicatorProcess([
      ...['status', '--task-name', fixture.taskName, '--lease-region', SOURCE_REGION],
      ...['--lease-endpoint', sourceEndpoint(), ...extra],
    ]);
    workers.push(status);
    assert.equal((await status.waitForExit()).code, 0, status.describe());
    return status.stdout;
  };
  const [json, text] = await Promise.all([run(['--json']), run([])]);
  const copy = (JSON.parse(json) as { copy?: CopyJson }).copy;
  assert.ok(copy !== undefined, json);
  return { json: copy, text };
}

test('auto picks spool, and says why with its figures, when the copy at --max-read-rate would take over half the retention', async (t) => {
  const fixture = await fixtureFor(t, 'spool-auto');
  await writeBacklog(fixture.source, fixture.sourceTable, 200);
  // 200 items at 0.002 items/s: 27.8 h, over 12 h. The copy itself would never end here: the test stops it.
  const worker = start(fixture, 'replicate', ['--bootstrap', '--max-read-rate', '0.002']);
  const started = await worker.waitForLog('bootstrap copy started', { timeoutMs: 60_000 });
  assert.equal(started.copyMode, 'spool', worker.describe());
  assert.match(
    String(started.why),
    /^the copy is projected to take 27\.8 h \(~200 items at 0\.002 items\/s \(--max-read-rate\)\), over half the stream's 24\.0 h retention: spooling the stream during the copy$/,
  );
  await worker.waitForLog('spool table created');
  // Its consumers spool while the copy crawls.
  await writeBacklog(fixture.source, fixture.sourceTable, 30, 'new');
  await waitFor(
    'the new changes spooled',
    async () => ((await scanAll(fixture.source, spoolTable(fixture))).length >= 30 ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  assert.equal(await taskState(fixture), 'copying');
  assert.equal((await worker.stop()).code, 0, worker.describe());
});

/** Items a drain pass wrote so far over its segments, from the lease table. */
async function drained(fixture: ReplicationFixture, pass: 1 | 2): Promise<number> {
  const items = await scanAll(fixture.source, leaseTable(fixture)).catch(() => []);
  return items
    .filter((item) => (item.leaseKey?.S ?? '').startsWith(`bootstrap#drain${pass}-`))
    .reduce((sum, item) => sum + Number(item.itemsCopied?.N ?? '0'), 0);
}

test('kill -9 in every phase (copying and spooling, draining, switching, done before the spool is deleted): the same command goes on with two workers sharing shards and drain segments; tables end equal', async (t) => {
  const fixture = await fixtureFor(t, 'spool-kill');
  await writeBacklog(fixture.source, fixture.sourceTable, 800);
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards: 4 });
  const workload = new AbortController();
  let writing: Promise<number> | undefined;
  const flags = [
    ...served.args(),
    ...['--copy-mode', 'spool', '--segments', '4', '--copy-concurrency', '2', '--max-write-rate', '200'],
  ];
  const pair = (names: [string, string]): ReplicatorProcess[] =>
    names.map((id) => start(fixture, 'bootstrap', [...flags, '--worker-id', id]));
  const killAll = async (group: ReplicatorProcess[]): Promise<void> => {
    for (const worker of group) await worker.kill();
  };
  /** Waits for the task to be in `state` with `ready` true, and fails if it moves past it first. */
  const inState = (state: string, ready: () => Promise<boolean>): Promise<true> =>
    waitFor(
      `the task ${state}, part done`,
      async () => {
        const now = await taskState(fixture);
        if (now !== state && now !== undefined && ORDER.indexOf(now) > ORDER.indexOf(state)) {
          throw new Error(`the task moved on to ${now} before it could be killed in ${state}`);
        }
        return now === state && (await ready()) ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
  try {
    await served.feeder.caughtUp();
    writing = runMixedWorkload(fixture.source, fixture.sourceTable, {
      keys: 800,
      prefix: 'b',
      signal: workload.signal,
      seed: 99,
    });
    // Copying, the consumers spooling: killed once both have progressed.
    const first = start(fixture, 'bootstrap', [...flags, '--worker-id', 'a']);
    await inState('copying', async () => {
      const spool = await scanAll(fixture.source, spoolTable(fixture)).catch(() => []);
      return spool.length >= 20 && first.logs.some((l) => l.msg === 'segment taken');
    });
    await first.kill();

    // Two workers go on: they share the shards (spooling) and the copy's segments, then the first drain.
    const second = pair(['b', 'c']);
    await inState('draining', async () => (await drained(fixture, 1)) > 0);
    for (const worker of second) {
      assert.ok(
        worker.logs.some((l) => l.msg === 'lease taken'),
        `worker ${worker.describe()} spooled a shard`,
      );
    }
    await killAll(second);

    const third = pair(['d', 'e']);
    await inState('switching', async () => (await drained(fixture, 2)) > 0);
    await killAll(third);

    // Done, the spool table not deleted yet (the deletion waits a failover time): killed there too.
    const fourth = pair(['f', 'g']);
    await waitFor(
      'the task done, its spool table still there',
      async () => {
        if (fourth.some((w) => w.logs.some((l) => l.msg === 'spool table deleted'))) {
          throw new Error('the spool table was deleted before the workers could be killed');
        }
        return (await taskState(fixture)) === 'done' && (await spoolExists(fixture)) ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    await killAll(fourth);
    assert.equal(await spoolExists(fixture), true);

    const last = [start(fixture, 'bootstrap', [...flags, '--worker-id', 'h'])];
    for (const worker of last) assert.equal((await worker.waitForExit(120_000)).code, 0, worker.describe());
    assert.ok(
      last[0]?.logs.some((l) => l.msg === 'spool table deleted'),
      last[0]?.describe(),
    );
    assert.equal(await taskState(fixture), 'done');
    assert.equal(await spoolExists(fixture), false, 'the spool table is deleted at the end');
    const drainers = new Set(
      [...second, ...third, ...fourth].flatMap((w) =>
        w.logs.filter((l) => l.msg === 'spool segment drained').map(() => w),
      ),
    );
    assert.ok(drainers.size >= 2, `drain segments drained by ${drainers.size} workers`);

    // Replication goes on from the spool's checkpoints.
    const replicating = start(fixture, 'replicate', served.args());
    await replicating.waitForLog('lease taken', { timeoutMs: 30_000 });
    workload.abort();
    assert.ok((await writing) > 0);
    await served.feeder.caughtUp();
    const diff = await assertTablesConverge(fixture, 60_000);
    assert.ok(diff.compared > 300, `compared ${diff.compared} items`);
    assert.equal((await replicating.stop()).code, 0, replicating.describe());
  } finally {
    workload.abort();
    await writing?.catch(() => 0);
    await served.close();
  }
});

const ORDER = ['recording-positions', 'positions-recorded', 'copying', 'draining', 'switching', 'done'];
