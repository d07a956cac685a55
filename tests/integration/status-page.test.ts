// dynamodb-local: shared
// The live status page in a real browser (headless Chromium): a running replication's page shows its shard with
// a lag value and a chart, then a second worker of the task as it joins; a screenshot is kept under
// test-artifacts/. /status.json has the shape of `status --json`.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultTaskName, leaseTableName } from '../../src/config/task-name.js';
import { deleteTableIfExists } from '../../src/local/local-tables.js';
import { chromiumPath, dumpDom, screenshot } from '../support/headless-chromium.js';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { DEST_REGION, SOURCE_REGION, destEndpoint, sourceEndpoint } from '../support/local-env.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';
import { writeBacklog } from '../support/workload.js';

const ARTIFACTS = resolve(fileURLToPath(new URL('../../../test-artifacts', import.meta.url)));

const fixtures: ReplicationFixture[] = [];
const workers: ReplicatorProcess[] = [];
after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

async function startWorker(
  fixture: ReplicationFixture,
  workerId: string,
): Promise<{ worker: ReplicatorProcess; url: string }> {
  const worker = new ReplicatorProcess(
    fixture.args([
      ...['--worker-id', workerId, '--failover-ms', '3000'],
      ...['--metrics-port', '0', '--metrics-host', '127.0.0.1'],
    ]),
  );
  workers.push(worker);
  const page = await worker.waitForLog('status page');
  return { worker, url: String(page.url) };
}

/** The text of the cell of `cls` in the row whose attribute `attr` is `value`, if the DOM has that row. */
function rowOf(dom: string, attr: string, value: string): string | undefined {
  const start = dom.indexOf(`<tr ${attr}="${value}"`);
  if (start < 0) return undefined;
  const end = dom.indexOf('</tr>', start);
  return dom.slice(start, end < 0 ? undefined : end);
}

test('the status page shows the shard with its lag and a chart, then a second worker joining', async () => {
  // First: a missing browser fails here, with how to install it, before anything starts.
  await chromiumPath();
  const fixture = await createFixture({ prefix: 'page' });
  fixtures.push(fixture);
  const first = await startWorker(fixture, 'page-worker-1');
  assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const reading = await first.worker.waitForLog('shard reading');
  const shardId = String(reading.shardId);
  await writeBacklog(fixture.source, fixture.sourceTable, 60, 'page');
  await assertTablesConverge(fixture);

  // The page's own data: the shape of `status --json`, and no credentials in it.
  // (The poller may have read before the worker created the lease table: the next poll, 2 s on, sees it.)
  const json = await waitFor('/status.json with the shard', async () => {
    const body = (await (await fetch(new URL('status.json', first.url))).json()) as Record<string, unknown>;
    return Array.isArray(body.shards) && body.shards.length > 0 ? body : undefined;
  });
  assert.equal(json.taskName, fixture.taskName);
  assert.equal(json.leaseTable, `DynamoDBCrossRegionReplication${fixture.taskName}`);
  assert.ok(
    Array.isArray(json.shards) && Array.isArray(json.workers) && typeof json.totals === 'object',
    JSON.stringify(json),
  );
  assert.doesNotMatch(JSON.stringify(json), /secret|accessKey|sessionToken|externalId/i);

  // The shard's row with a lag (a number of ms, once the owner's renewal recorded one) and a chart with a line.
  let dom = '';
  await waitFor(
    'the shard row with a lag value and a chart',
    async () => {
      dom = await dumpDom(first.url);
      const row = rowOf(dom, 'data-shard', shardId);
      return (
        row !== undefined &&
        /class="num lag"[^>]*>\d[\d,]*<\/td>/.test(row) &&
        /<svg[^>]*class="chart"[\s\S]*<polyline/.test(row) &&
        row.includes('page-worker-1')
      );
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last DOM: ${dom.slice(0, 4000)}`, { cause: err });
  });

  // A second worker of the task joins (a standby: one shard, already held): the first worker's page shows it.
  // Its id has markup in it: the page shows it as text, never as an element.
  const second = await startWorker(fixture, 'page-worker-2<b>bold</b>');
  await waitFor(
    "the second worker on the first worker's page",
    async () => {
      dom = await dumpDom(first.url);
      return (
        dom.includes('<td>page-worker-2&lt;b&gt;bold&lt;/b&gt;</td>') &&
        rowOf(dom, 'data-worker', 'page-worker-1') !== undefined
      );
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last DOM: ${dom.slice(0, 4000)}`, { cause: err });
  });

  assert.doesNotMatch(dom, /<b>bold<\/b>/);

  await mkdir(ARTIFACTS, { recursive: true });
  const shot = resolve(ARTIFACTS, 'status-page.png');
  await screenshot(first.url, shot);
  process.stdout.write(`# status page screenshot: ${shot}\n`);

  assert.equal((await second.worker.stop()).code, 0, second.worker.describe());
  assert.equal((await first.worker.stop()).code, 0, first.worker.describe());
  assert.deepEqual([...first.worker.errors(), ...second.worker.errors()], []);
});

test("a plan's page: every task of the plan, a bootstrap copy's progress; /status.json as status --plan --json", async () => {
  await chromiumPath();
  const pairs = [
    await createFixture({ prefix: 'page-plan-a' }),
    await createFixture({ prefix: 'page-plan-b' }),
  ];
  const [copied, streamed] = pairs as [ReplicationFixture, ReplicationFixture];
  fixtures.push(...pairs);
  await writeBacklog(copied.source, copied.sourceTable, 40, 'before');
  const dir = await mkdtemp(join(tmpdir(), 'status-page-plan-'));
  const tasks = pairs.map((f) => defaultTaskName(SOURCE_REGION, f.sourceTable, DEST_REGION, f.destTable));
  try {
    const plan = join(dir, 'plan.yaml');
    await writeFile(
      plan,
      [
        'defaults:',
        `  source: { region: ${SOURCE_REGION}, endpoint: "${sourceEndpoint()}" }`,
        `  destination: { region: ${DEST_REGION}, endpoint: "${destEndpoint()}" }`,
        'replications:',
        `  - { source: { table: ${copied.sourceTable} }, destination: { table: ${copied.destTable} }, bootstrap: true }`,
        `  - { source: { table: ${streamed.sourceTable} }, destination: { table: ${streamed.destTable} } }`,
        '',
      ].join('\n'),
    );
    const worker = new ReplicatorProcess([
      ...['replicate', '--plan', plan, '--worker-id', 'page-plan-worker', '--failover-ms', '3000'],
      ...['--metrics-port', '0', '--metrics-host', '127.0.0.1'],
    ]);
    workers.push(worker);
    const url = String((await worker.waitForLog('status page')).url);
    await writeBacklog(streamed.source, streamed.sourceTable, 20, 'page');
    await Promise.all(pairs.map((f) => assertTablesConverge(f)));

    interface PlanJson {
      readonly tasks: readonly {
        taskName: string;
        state: string;
        copy?: unknown;
        fleet?: { shards: unknown[] };
      }[];
      readonly workers: readonly { workerId: string }[];
    }
    const json = await waitFor('/status.json with both tasks and their shards', async () => {
      const body = (await (await fetch(new URL('status.json', url))).json()) as PlanJson;
      return body.tasks.length === 2 && body.tasks.every((t) => (t.fleet?.shards.length ?? 0) > 0)
        ? body
        : undefined;
    });
    assert.deepEqual(json.tasks.map((t) => t.taskName).sort(), [...tasks].sort());
    assert.ok(json.tasks.some((t) => t.copy !== undefined));
    assert.deepEqual(
      json.workers.map((w) => w.workerId),
      ['page-plan-worker'],
    );

    let dom = '';
    await waitFor(
      'both tasks, the copy and the worker on the page',
      async () => {
        dom = await dumpDom(url);
        return (
          tasks.every((t) => dom.includes(`data-task="${t}"`)) &&
          /class="copy"[^>]*>Bootstrap copy \((done|copying)/.test(dom) &&
          rowOf(dom, 'data-worker', 'page-plan-worker') !== undefined
        );
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; last DOM: ${dom.slice(0, 4000)}`, { cause: err });
    });
    await mkdir(ARTIFACTS, { recursive: true });
    const shot = resolve(ARTIFACTS, 'status-page-plan.png');
    await screenshot(url, shot);
    process.stdout.write(`# plan status page screenshot: ${shot}\n`);
    assert.equal((await worker.stop()).code, 0, worker.describe());
    assert.deepEqual(worker.errors(), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await Promise.all(tasks.map((t) => deleteTableIfExists(copied.source, leaseTableName(t))));
  }
});
