// dynamodb-local: shared
// `replicate --ttl-deletes replicate|skip` end to end. DynamoDB Local makes no TTL deletes, so the worker reads
// the source's stream from the stream server: real writes to the source table are fed into it, and the TTL
// deletes are appended to it as AWS serves them (a REMOVE whose userIdentity is the service
// dynamodb.amazonaws.com). Items are inserted, then some are deleted by TTL and some by a user: by default both
// kinds are deleted at the destination; with skip the destination keeps the TTL-deleted ones as they were and
// loses the others. A TTL delete squashed with a MODIFY of the same key in one flush keeps the MODIFY's image
// under skip. ddb_replicator_ttl_deletes_total counts each kind, exactly.
import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { scanAll } from '../../src/local/local-tables.js';
import {
  canonicalItem,
  createFixture,
  keyOf,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { serveSourceStream, type ServedSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';

type Mode = 'replicate' | 'skip';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const TTL_KEYS = ['ttl-0', 'ttl-1', 'ttl-2', 'ttl-3'];
const USER_KEYS = ['user-0', 'user-1', 'user-2'];
const LIVE_KEYS = ['live-0', 'live-1', 'live-2'];
/** Inserted, modified and deleted by TTL before the worker starts: the three in one page, one flush. */
const SQUASHED_KEY = 'squash-0';

function image(pk: string, version: number): Item {
  return {
    pk: { S: pk },
    version: { N: String(version) },
    tags: { SS: ['archive', `v${version}`] },
    doc: { M: { owner: { S: `owner-of-${pk}` }, active: { BOOL: version === 1 } } },
    expiresAt: { N: String(1_700_000_000 + version) },
  };
}

function keysOf(pk: string): Item {
  return { pk: { S: pk } };
}

/** Counter values by label set, of one metric of one task, from a /metrics text; absent series are 0. */
function counterValues(text: string, metric: string, task: string, label: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const match = /^[^{]+\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null) continue;
    const labels = Object.fromEntries(
      [...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    if (labels.task !== task) continue;
    const value = labels[label] ?? '';
    values[value] = (values[value] ?? 0) + Number(match[2]);
  }
  return values;
}

interface Scrape {
  readonly ttl: { replicated: number; skipped: number };
  readonly applied: number;
}

async function scrape(port: number, task: string): Promise<Scrape> {
  const text = await (await fetch(`http://127.0.0.1:${String(port)}/metrics`)).text();
  const ttl = counterValues(text, 'ddb_replicator_ttl_deletes_total', task, 'action');
  const applied = counterValues(text, 'ddb_replicator_records_applied_total', task, 'task');
  return {
    ttl: { replicated: ttl.replicated ?? 0, skipped: ttl.skipped ?? 0 },
    applied: applied[task] ?? 0,
  };
}

/** Waits until every record in the model is covered by a successful flush, and returns the metrics then. */
async function allApplied(
  worker: ReplicatorProcess,
  port: number,
  fixture: ReplicationFixture,
  served: ServedSourceStream,
): Promise<Scrape> {
  return waitFor(
    `all ${served.model.appendedCount} records applied`,
    async () => {
      if (worker.child.exitCode !== null) assert.fail(`the worker exited:\n${worker.describe()}`);
      const now = await scrape(port, fixture.taskName);
      return now.applied === served.model.appendedCount ? now : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** The destination's items by key, canonical, in key order. */
async function destinationItems(fixture: ReplicationFixture): Promise<[string, string][]> {
  const items = await scanAll(fixture.destination, fixture.destTable);
  return items
    .map((item): [string, string] => [keyOf(item, fixture.key), canonicalItem(item)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function expectedItems(fixture: ReplicationFixture, images: readonly Item[]): [string, string][] {
  return images
    .map((item): [string, string] => [keyOf(item, fixture.key), canonicalItem(item)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

async function put(fixture: ReplicationFixture, item: Item): Promise<void> {
  await fixture.source.send(new PutItemCommand({ TableName: fixture.sourceTable, Item: item }));
}

async function runMode(t: TestContext, mode: Mode): Promise<void> {
  const started = performance.now();
  const fixture = await createFixture({ prefix: `ttl-${mode}` });
  cleanups.push(() => fixture.cleanup());
  const served = await serveSourceStream(fixture.source, fixture.sourceTable);
  cleanups.push(() => served.close());
  const { model, server } = served;

  // Before the worker starts: the items, and one key inserted, modified and then deleted by TTL.
  for (const pk of [...TTL_KEYS, ...USER_KEYS, ...LIVE_KEYS, SQUASHED_KEY]) await put(fixture, image(pk, 1));
  await put(fixture, image(SQUASHED_KEY, 2));
  await served.feeder.caughtUp();
  model.appendChange({ keys: keysOf(SQUASHED_KEY), eventName: 'REMOVE', ttl: true });
  const backlog = TTL_KEYS.length + USER_KEYS.length + LIVE_KEYS.length + 3;
  assert.equal(model.appendedCount, backlog);
  const ttlRecords = model.records().filter((r) => r.wire.userIdentity !== undefined);
  assert.deepEqual(
    ttlRecords.map((r) => [r.wire.eventName, r.wire.userIdentity]),
    [['REMOVE', { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' }]],
  );

  const flags = [
    ...served.args(),
    '--metrics-port',
    '0',
    ...(mode === 'skip' ? ['--ttl-deletes', 'skip'] : []),
  ];
  const worker = new ReplicatorProcess(fixture.args(flags));
  try {
    const { port } = await worker.waitForLog('serving /metrics and /healthz');
    assert.equal(typeof port, 'number');
    const metricsPort = port as number;

    // The backlog: one page, so the squashed key's INSERT, MODIFY and TTL REMOVE meet in one flush.
    const first = await allApplied(worker, metricsPort, fixture, served);
    const pages = server.log.entries((e) => e.operation === 'GetRecords' && (e.records ?? 0) > 0);
    assert.equal(pages[0]?.records, backlog, 'the backlog was served in one page');
    assert.deepEqual(
      first.ttl,
      mode === 'skip' ? { replicated: 0, skipped: 1 } : { replicated: 1, skipped: 0 },
    );
    const inserted = [...TTL_KEYS, ...USER_KEYS, ...LIVE_KEYS].map((pk) => image(pk, 1));
    assert.deepEqual(
      await destinationItems(fixture),
      expectedItems(fixture, mode === 'skip' ? [...inserted, image(SQUASHED_KEY, 2)] : inserted),
      mode === 'skip'
        ? 'skip: the squashed key keeps its MODIFY image'
        : 'replicate: the squashed key is deleted',
    );

    // While it runs: TTL deletes (appended as the service's) and a user's deletes (real, fed from the source),
    // interleaved.
    for (let i = 0; i < Math.max(TTL_KEYS.length, USER_KEYS.length); i++) {
      const ttlKey = TTL_KEYS[i];
      if (ttlKey !== undefined) model.appendChange({ keys: keysOf(ttlKey), eventName: 'REMOVE', ttl: true });
      const userKey = USER_KEYS[i];
      if (userKey !== undefined) {
        await fixture.source.send(
          new DeleteItemCommand({ TableName: fixture.sourceTable, Key: keysOf(userKey) }),
        );
      }
    }
    await served.feeder.caughtUp();
    assert.equal(model.appendedCount, backlog + TTL_KEYS.length + USER_KEYS.length);
    const last = await allApplied(worker, metricsPort, fixture, served);
    const ttlTotal = TTL_KEYS.length + 1;
    assert.deepEqual(
      last.ttl,
      mode === 'skip' ? { replicated: 0, skipped: ttlTotal } : { replicated: ttlTotal, skipped: 0 },
    );

    // Item by item: skip keeps exactly the TTL-deleted items as they were; both kinds are gone by default.
    const live = LIVE_KEYS.map((pk) => image(pk, 1));
    const kept = [...TTL_KEYS.map((pk) => image(pk, 1)), image(SQUASHED_KEY, 2)];
    assert.deepEqual(
      await destinationItems(fixture),
      expectedItems(fixture, mode === 'skip' ? [...live, ...kept] : live),
    );

    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), []);
    t.diagnostic(
      `${mode}: ttl deletes ${JSON.stringify(last.ttl)}, records applied ${last.applied}, ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    await worker.kill();
  }
}

// The two modes run side by side: each has its own tables, stream server and worker.
describe('TTL deletes through the stream', { concurrency: 2 }, () => {
  test('--ttl-deletes skip keeps the TTL-deleted items at the destination and deletes the user-deleted ones', async (t) => {
    await runMode(t, 'skip');
  });

  test('by default (--ttl-deletes replicate) TTL deletes and user deletes both delete at the destination', async (t) => {
    await runMode(t, 'replicate');
  });
});
