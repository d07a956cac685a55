// `replicate --two-way` as users run it (the real CLI, a child process) between two DynamoDB Local instances, with
// app writers on both sides over 50 keys at once so that conflicts are frequent: blind puts, updates, deletes,
// delete-then-recreate, and an app that copies the markers on read-modify-write; plus keys written on one side
// only. Two processes run the pair as a fleet, one direction each (the plan's fair share over both tasks); the
// one holding a direction chosen at random is killed (kill -9) at a random moment while the other runs on, then,
// with side Y unreachable (a frozen proxy), the one holding X→Y (X chosen at random) once X's writes are stamped
// on X and not applied on Y; each is started again. Once the writers stop and both directions drained:
// both tables are equal item by item, markers included; every item's stamp is the highest written for its key
// (above both tombstones and every stamp in the conflict log); no deleted key came back; one-side keys end as
// their last write there; conflicts were recorded. Each app write's token and ReturnValues tell the test what it
// overwrote: every app put must be final, overwritten by an app that saw it, or a loser in the conflict log.
// TWOWAY_TRACE_FILE=<path> runs the replicator at trace level and writes there, for each put that is none of the
// three, every record the sink saw and every write it made for that key.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { WORKER_KEY_PREFIX } from '../../src/lease/worker-presence.js';
import { scanAll } from '../../src/local/local-tables.js';
import type { Item } from '../../src/stream/change-record.js';
import type { Conflict } from '../../src/twoway/conflict-log.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp } from '../../src/twoway/markers.js';
import { compareMaybeStamps } from '../../src/twoway/version-stamp.js';
import { canonicalItem } from '../support/replication-fixture.js';
import { destEndpoint, sourceEndpoint } from '../support/local-env.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { byPk as byKey, TwoWayPair, type Direction, type SideName } from '../support/twoway-fixture.js';
import { waitFor } from '../support/wait-for.js';

const pair = new TwoWayPair('twoway');
const { a, b, tableA, tableB, task, markers, workers } = pair;
const proxies = new Map<SideName, TcpProxy>();

after(async () => {
  await pair.cleanup();
  for (const proxy of proxies.values()) await proxy.close();
});

/** One app write as its writer saw it: what it wrote, and the token of what it overwrote. */
interface AppWrite {
  readonly side: SideName;
  readonly pk: string;
  readonly kind: 'put' | 'delete';
  readonly tok?: string;
  readonly digest?: string;
  readonly overwrote: string | undefined;
  readonly index: number;
  /** A read-modify-write that read an item a replicator was deleting, and copied its delete mark. */
  readonly underMark?: boolean;
}

let sequence = 0;

function content(pk: string, tok: string, n: number): Item {
  return { pk: { S: pk }, tok: { S: tok }, n: { N: String(n) } };
}

async function appWrite(
  side: SideName,
  client: DynamoDBClient,
  table: string,
  pk: string,
  op: number,
  log: AppWrite[],
): Promise<void> {
  const tok = `${side}-${sequence++}`;
  const n = Math.floor(Math.random() * 1000);
  const put = (overwrote: string | undefined, underMark = false): void => {
    log.push({
      underMark,
      side,
      pk,
      kind: 'put',
      tok,
      digest: digestOf(content(pk, tok, n), markers),
      overwrote,
      index: log.length,
    });
  };
  const key = { pk: { S: pk } };
  if (op < 0.3) {
    const out = await client.send(
      new PutItemCommand({ TableName: table, Item: content(pk, tok, n), ReturnValues: 'ALL_OLD' }),
    );
    put(out.Attributes?.tok?.S);
  } else if (op < 0.55) {
    const out = await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key,
        UpdateExpression: 'SET tok = :t, n = :n',
        ExpressionAttributeValues: { ':t': { S: tok }, ':n': { N: String(n) } },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    put(out.Attributes?.tok?.S);
  } else if (op < 0.7) {
    const out = await client.send(
      new DeleteItemCommand({ TableName: table, Key: key, ReturnValues: 'ALL_OLD' }),
    );
    log.push({ side, pk, kind: 'delete', overwrote: out.Attributes?.tok?.S, index: log.length });
  } else if (op < 0.8) {
    // Delete, then re-create at once.
    const out = await client.send(
      new DeleteItemCommand({ TableName: table, Key: key, ReturnValues: 'ALL_OLD' }),
    );
    log.push({ side, pk, kind: 'delete', overwrote: out.Attributes?.tok?.S, index: log.length });
    const again = await client.send(
      new PutItemCommand({ TableName: table, Item: content(pk, tok, n), ReturnValues: 'ALL_OLD' }),
    );
    put(again.Attributes?.tok?.S);
  } else {
    // Read-modify-write that copies everything it read, markers included.
    const read = await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }));
    const item = { ...(read.Item ?? {}), ...content(pk, tok, n) };
    const out = await client.send(
      new PutItemCommand({ TableName: table, Item: item, ReturnValues: 'ALL_OLD' }),
    );
    put(out.Attributes?.tok?.S, isMarkedDeleting(read.Item, markers));
  }
}

/**
 * Writes until `until` says stop, holding back while it says pause: a restart takes as long as the machine's load
 * makes it, and the writes go on only between restarts, so that their number (and the test's time) does not.
 */
interface Writing {
  stop: boolean;
  pause: boolean;
}

async function writer(
  side: SideName,
  client: DynamoDBClient,
  table: string,
  until: Writing,
  log: AppWrite[],
): Promise<void> {
  for (let i = 0; !until.stop; i++) {
    while (until.pause && !until.stop) await new Promise((resolve) => setTimeout(resolve, 50));
    const only = Math.random() < 0.1;
    const pk = only ? `${side}-only-${i % 5}` : `k${Math.floor(Math.random() * 50)}`;
    await appWrite(side, client, table, pk, Math.random(), log);
    if (i % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The current process of each worker id of the fleet (a killed one is replaced under the same id). */
const fleet = new Map<string, ReplicatorProcess>();

function start(id: string): ReplicatorProcess {
  const endpoint = (side: SideName): string => proxies.get(side)?.endpoint ?? '';
  const worker = pair.start([
    'replicate',
    '--two-way',
    ...pair.flags({ a: endpoint('a'), b: endpoint('b') }),
    ...['--worker-id', id, '--failover-ms', '5000'],
    ...['--poll-interval-ms', '50', '--max-poll-interval-ms', '200', '--checkpoint-interval-ms', '0'],
    ...['--progress-interval-ms', '0'],
    ...['--log-level', process.env.TWOWAY_TRACE_FILE !== undefined ? 'trace' : 'info'],
  ]);
  fleet.set(id, worker);
  return worker;
}

/** The worker ids holding A→B's and B→A's leases, once they are two (each lease table has one lease: DynamoDB
 * Local's stream has one shard). A plan's fair share, over both tasks, gives two workers one direction each. */
async function oneDirectionEach(): Promise<Record<Direction, string>> {
  const owner = async (client: DynamoDBClient, direction: Direction): Promise<string | undefined> =>
    (await scanAll(client, pair.leaseTable(direction))).find(
      (item) =>
        item.leaseKey?.S?.startsWith(WORKER_KEY_PREFIX) === false && item.checkpoint?.S !== 'SHARD_END',
    )?.leaseOwner?.S;
  return waitFor(
    'each worker holding one direction',
    async () => {
      const [ab, ba] = await Promise.all([owner(a, 'a-b'), owner(b, 'b-a')]);
      return ab !== undefined && ba !== undefined && ab !== ba ? { 'a-b': ab, 'b-a': ba } : undefined;
    },
    // The split waits for a worker's heartbeat and the fair share's next round; on a loaded machine, seconds more.
    { timeoutMs: 60_000 },
  );
}

/** kill -9 of the worker holding one direction: the other direction runs on. */
async function killDirection(direction: Direction, held: Record<Direction, string>): Promise<string> {
  const id = held[direction];
  await fleet.get(id)?.kill();
  return id;
}

/** A killed worker back, reading before the next kill: its lease again, or the other worker's by a hand-over. */
async function restart(id: string, writing: Writing): Promise<void> {
  writing.pause = true;
  await start(id).waitForLog('lease taken', { timeoutMs: 30_000 });
  writing.pause = false;
}

test('two writers, a fleet of two, kill -9 of one direction twice: both tables converge on the highest version, no deleted key back', async (t) => {
  await pair.createTables();
  proxies.set('a', await TcpProxy.start(sourceEndpoint()));
  proxies.set('b', await TcpProxy.start(destEndpoint()));
  await start('two-way-1').waitForLog('replicating', { timeoutMs: 30_000 });
  start('two-way-2');
  await oneDirectionEach();

  const log: AppWrite[] = [];
  const until: Writing = { stop: false, pause: false };
  const writing = Promise.all([writer('a', a, tableA, until, log), writer('b', b, tableB, until, log)]);

  // kill -9 of one direction, either, at a random moment of the writers' run.
  const first: Direction = Math.random() < 0.5 ? 'a-b' : 'b-a';
  const firstAt = 60 + Math.floor(Math.random() * 80);
  await waitFor('some writes replicated', () => log.length > firstAt);
  await restart(await killDirection(first, await oneDirectionEach()), until);

  // Side Y unreachable: X's writes get stamped on X, their puts on Y hang; kill -9 of X→Y then, between the two.
  const secondAt = log.length + 60 + Math.floor(Math.random() * 80);
  await waitFor('more writes', () => log.length > secondAt);
  const held = await oneDirectionEach();
  const [x, y, direction]: [SideName, SideName, Direction] =
    Math.random() < 0.5 ? ['a', 'b', 'a-b'] : ['b', 'a', 'b-a'];
  // Stamped on X and not on Y, nor below Y's tombstone: its put on Y is still to come.
  const [xClient, xTable, yClient, yTable] = [pair.client(x), pair.table(x), pair.client(y), pair.table(y)];
  const pending = async (): Promise<string[]> => {
    const [onX, onY, tombY] = await Promise.all([
      scanAll(xClient, xTable),
      scanAll(yClient, yTable),
      pair.tombstones(y),
    ]);
    const there = byKey(onY);
    return onX.flatMap((item) => {
      const stamp = readStamp(item, markers);
      const pk = item.pk?.S ?? '?';
      const waiting =
        stamp?.endsWith(`#${x}`) === true &&
        matchesItsStamp(item, markers) &&
        compareMaybeStamps(readStamp(there.get(pk), markers), stamp) < 0 &&
        compareMaybeStamps(tombY.get(pk), stamp) < 0;
      return waiting ? [pk] : [];
    });
  };
  // A flush that meets Y with deletes only hangs there without a stamp: Y comes back for a moment, and again.
  let between: string[] = [];
  for (let round = 0; round < 10 && between.length === 0; round++) {
    proxies.get(y)?.thaw();
    await new Promise((resolve) => setTimeout(resolve, 500));
    proxies.get(y)?.freeze();
    between = await waitFor(`a write of ${x} stamped there, its put on ${y} not applied`, pending, {
      timeoutMs: 4_000,
    }).catch(() => []);
  }
  // Under a heavy load a round may meet only flushes of deletes: the kill then falls elsewhere (said below).
  const killed = await killDirection(direction, held);
  proxies.get(y)?.thaw();
  await restart(killed, until);
  const lastAt = log.length + 100;
  await waitFor('writes after the last restart', () => log.length > lastAt);
  until.stop = true;
  t.diagnostic(
    `killed ${first} after ${firstAt} app writes, then ${direction} after ${secondAt} with ${y} unreachable and ${between.length} puts pending`,
  );
  await writing;

  // Both directions drained: the tables are equal, markers included, and every item carries its own stamp.
  try {
    let settled = '';
    await waitFor(
      'both tables equal and stamped, twice in a row',
      async () => {
        const [itemsA, itemsB] = await Promise.all([scanAll(a, tableA), scanAll(b, tableB)]);
        const same =
          itemsA.length === itemsB.length &&
          itemsA.every((item) => {
            const other = byKey(itemsB).get(item.pk?.S ?? '?');
            return other !== undefined && canonicalItem(other) === canonicalItem(item);
          }) &&
          itemsA.every((item) => matchesItsStamp(item, markers));
        const now = same ? JSON.stringify(itemsA.map(canonicalItem).sort()) : '';
        const stable = same && now === settled;
        settled = now;
        return stable;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
  } catch (err) {
    const [itemsA, itemsB] = await Promise.all([scanAll(a, tableA), scanAll(b, tableB)]);
    const onB = byKey(itemsB);
    const differ = itemsA
      .filter((item) => {
        const other = onB.get(item.pk?.S ?? '?');
        return (
          other === undefined ||
          canonicalItem(other) !== canonicalItem(item) ||
          !matchesItsStamp(item, markers)
        );
      })
      .slice(0, 4)
      .map((item) => ({ a: item, b: onB.get(item.pk?.S ?? '?') }));
    const onlyB = itemsB.filter((item) => !itemsA.some((x) => x.pk?.S === item.pk?.S)).slice(0, 4);
    const suspects = new Set([...differ.map((d) => d.a.pk?.S), ...onlyB.map((i) => i.pk?.S)]);
    const [tA, tB] = await Promise.all([pair.tombstones('a'), pair.tombstones('b')]);
    const cs = (await pair.conflicts()).filter((c) => suspects.has(c.keys.pk?.S));
    const why = [...suspects].map((pk) => ({
      pk,
      tombA: tA.get(pk ?? ''),
      tombB: tB.get(pk ?? ''),
      writes: log.filter((w) => w.pk === pk).slice(-4),
    }));
    if (process.env.TWOWAY_TRACE_FILE !== undefined)
      writeFileSync(
        `${process.env.TWOWAY_TRACE_FILE}.diverged`,
        workers
          .flatMap((x, n) =>
            x.logs
              .filter(
                (l) =>
                  l.msg.startsWith('two-way') &&
                  [...suspects].some((pk) => JSON.stringify(l).includes(`"${pk ?? ''}"`)),
              )
              .map((l) => JSON.stringify({ n, ...l })),
          )
          .join('\n'),
      );
    throw new Error(
      `${String(err)}: ${JSON.stringify({ differ, onlyB, why, cs, errors: workers.flatMap((w) => w.errors()).slice(0, 5) })}\n${[...fleet.values()].map((w) => w.describe()).join('\n')}`,
      { cause: err },
    );
  }
  for (const worker of fleet.values()) assert.equal((await worker.stop()).code, 0, worker.describe());
  const final = byKey(await scanAll(a, tableA));
  const [tombA, tombB] = await Promise.all([pair.tombstones('a'), pair.tombstones('b')]);
  const conflicts: Conflict[] = await pair.conflicts();
  assert.ok(conflicts.length > 0, 'writers on both sides over 50 keys make conflicts');
  const written = new Set(log.flatMap((w) => (w.tok === undefined ? [] : [w.tok])));

  // Every key's final state is the highest version written for it.
  const keys = new Set(log.map((w) => w.pk));
  for (const pk of keys) {
    const item = final.get(pk);
    const deletes = [tombA.get(pk), tombB.get(pk)].filter((s): s is string => s !== undefined);
    const recorded = conflicts
      .filter((c) => c.keys.pk?.S === pk)
      .flatMap((c) => [c.loser.stamp, c.winner.stamp])
      .filter((s): s is string => s !== undefined);
    if (item !== undefined) {
      const stamp = readStamp(item, markers);
      assert.ok(written.has(item.tok?.S ?? ''), `${pk} holds a token no app wrote`);
      for (const deleted of deletes) {
        assert.ok(
          compareMaybeStamps(stamp, deleted) > 0,
          `${pk} came back: ${stamp} below its delete ${deleted}`,
        );
      }
      for (const other of recorded) {
        assert.ok(
          compareMaybeStamps(stamp, other) >= 0,
          `${pk} ends at ${stamp}, below ${other} of its conflicts`,
        );
      }
    } else {
      const top = deletes.sort().at(-1);
      // A delete of an absent item makes no stream record, so a key never put may end without a tombstone.
      const put = log.some((w) => w.pk === pk && w.kind === 'put');
      assert.ok(top !== undefined || !put, `${pk} is gone without a tombstone`);
      for (const other of recorded) {
        assert.ok(
          compareMaybeStamps(top, other) >= 0,
          `${pk} deleted at ${top}, below ${other} of its conflicts`,
        );
      }
    }
  }

  // Keys written on one side only end as their last write there.
  for (const side of ['a', 'b'] as const) {
    for (let i = 0; i < 5; i++) {
      const pk = `${side}-only-${i}`;
      const last = log.filter((w) => w.pk === pk).at(-1);
      if (last === undefined) continue;
      assert.equal(final.get(pk)?.tok?.S, last.kind === 'put' ? last.tok : undefined, pk);
    }
  }
  // `conflicts list` prints the same log, one line each and the count.
  const listed = new ReplicatorProcess(['conflicts', 'list', ...pair.flags()]);
  assert.equal((await listed.waitForExit()).code, 0, listed.describe());
  const lines = listed.stdout.trim().split('\n');
  assert.equal(lines.at(-1), `${conflicts.length} conflicts`);
  assert.equal(lines.length, conflicts.length + 1);
  assert.match(lines[0] ?? '', / lost to (put|delete) /);

  // `status --two-way` shows both directions, each with the conflicts it recorded.
  const status = new ReplicatorProcess(['status', '--two-way', ...pair.flags()]);
  assert.equal((await status.waitForExit()).code, 0, status.describe());
  assert.match(status.stdout, new RegExp(`task ${task}\\.a-b, A → B \\(${tableA} → ${tableB}\\): `));
  assert.match(status.stdout, new RegExp(`task ${task}\\.b-a, B → A \\(${tableB} → ${tableA}\\): `));
  const counted = [...status.stdout.matchAll(/^conflicts: (\d+)/gm)].map((m) => Number(m[1]));
  assert.equal(counted.length, 2, status.stdout);
  assert.equal(
    counted.reduce((x, y) => x + y, 0),
    conflicts.length,
  );

  // Nothing lost silently: every app put is the final state, overwritten by an app that read it (its write's
  // ALL_OLD named it), or in the conflict log as a loser (by its content's digest). And the log does not cry
  // wolf: no loser it names is a key's final state.
  const seen = new Set(log.flatMap((w) => (w.overwrote === undefined ? [] : [w.overwrote])));
  const lostDigests = new Set(
    conflicts.flatMap((c) => (c.loser.digest === undefined ? [] : [c.loser.digest])),
  );
  const unaccounted = log.filter(
    (w) =>
      w.kind === 'put' &&
      final.get(w.pk)?.tok?.S !== w.tok &&
      !seen.has(w.tok ?? '') &&
      !lostDigests.has(w.digest ?? ''),
  );
  if (process.env.TWOWAY_TRACE_FILE !== undefined) {
    const tokOf = new Map(log.flatMap((w) => (w.digest === undefined ? [] : [[w.digest, w.tok]])));
    const named = (text: string): string =>
      text.replace(/"([A-Za-z0-9_-]{22})"/g, (m, d: string) => (tokOf.has(d) ? `"${tokOf.get(d)}"` : m));
    const lines = unaccounted.map((w) =>
      named(
        JSON.stringify({
          w,
          writes: log.filter((o) => o.pk === w.pk),
          conflicts: conflicts.filter((c) => c.keys.pk?.S === w.pk),
          final: final.get(w.pk),
          tombA: tombA.get(w.pk),
          tombB: tombB.get(w.pk),
          trace: workers.flatMap((x, n) =>
            x.logs
              .filter((l) => l.msg.startsWith('two-way') && JSON.stringify(l).includes(`"${w.pk}"`))
              .map((l) => ({ n, ...l, pid: undefined, hostname: undefined, time: undefined })),
          ),
        }),
      ),
    );
    writeFileSync(process.env.TWOWAY_TRACE_FILE, lines.join('\n'));
  }
  // Known gap (README): a write under a copied delete mark, deleted with it, whose stamp was tried only after the
  // item was re-created and whose REMOVE came in a later flush, is not recorded. Counted, not asserted.
  const underMark = unaccounted.filter((w) => w.underMark === true);
  t.diagnostic(
    `${log.length} app writes, ${conflicts.length} conflicts recorded, ${unaccounted.length} puts neither final, seen nor recorded (${underMark.length} under a copied delete mark)`,
  );
  assert.deepEqual(
    unaccounted.filter((w) => w.underMark !== true).map((w) => `${w.pk} ${w.tok ?? ''}`),
    [],
    'app puts neither final, overwritten by an app that read them, nor recorded as lost',
  );
  const finalDigests = new Set([...final.values()].map((item) => digestOf(item, markers)));
  assert.deepEqual(
    conflicts.filter((c) => c.loser.digest !== undefined && finalDigests.has(c.loser.digest)),
    [],
    'conflicts whose loser is a final state',
  );
});
