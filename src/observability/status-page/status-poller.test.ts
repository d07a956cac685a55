import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fleetStatus, type FleetStatus } from '../../app/fleet-status.js';
import { taskFleetJson, type FleetReader } from '../../app/fleet-reader.js';
import type { TableLocation } from '../../config/replication-config.js';
import { ConfigError } from '../../errors/replicator-error.js';
import type { Lease } from '../../lease/lease.js';
import { planStatusJson } from '../../plan/plan-status-report.js';
import type { Conflict } from '../../twoway/conflict-log.js';
import { conflictSummary } from '../../twoway/conflict-summary.js';
import { silentLogger } from '../logger.js';
import { StatusPoller, type PolledTask } from './status-poller.js';

function table(tableName: string): TableLocation {
  return { region: 'us-east-1', endpoint: undefined, tableName, credentials: undefined };
}

function task(name: string): PolledTask {
  return {
    label: `entry ${name}`,
    taskName: name,
    source: table(`${name}-src`),
    destination: table(`${name}-dst`),
    leaseTable: table(`DynamoDBCrossRegionReplication${name}`),
  };
}

function lease(shardId: string, behindMs: number): Lease {
  return {
    leaseKey: shardId,
    leaseOwner: 'w1',
    leaseCounter: 1,
    checkpoint: '100',
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    streamArn: undefined,
    pendingOwner: undefined,
    lastRenewedAt: Date.now(),
    failoverMs: 10_000,
    behindMs,
    startingSequenceNumber: undefined,
  };
}

/** Readers by lease table name, each answering from `fleets` (an Error is thrown). */
function readers(fleets: Map<string, FleetStatus | Error | undefined>): (l: TableLocation) => FleetReader {
  return (location) => ({
    read: () => {
      const fleet = fleets.get(location.tableName);
      return fleet instanceof Error ? Promise.reject(fleet) : Promise.resolve(fleet);
    },
    close: () => undefined,
  });
}

test('one task: /status.json is `status --json`; undefined before the first poll', async () => {
  const fleet = fleetStatus([lease('s1', 250)], Date.now());
  const written = new Map([['a', new Map([['s1', 10]])]]);
  let clock = Date.now();
  const poller = new StatusPoller({
    now: () => clock,
    mode: 'task',
    tasks: () => [task('a')],
    written: () => written,
    logger: silentLogger(),
    sessionName: 'test',
    openReader: readers(new Map([['DynamoDBCrossRegionReplicationa', fleet]])),
  });
  assert.equal(poller.statusJson(), undefined);
  await poller.pollOnce();
  assert.deepEqual(poller.statusJson(), taskFleetJson('a', 'DynamoDBCrossRegionReplicationa', fleet));
  written.set('a', new Map([['s1', 30]]));
  clock += 2_000;
  await poller.pollOnce();
  const samples = poller.historyJson().tasks.a?.s1 ?? [];
  assert.equal(samples.length, 2);
  assert.equal(samples[0]?.lagMs, 250);
  assert.equal(samples[0]?.itemsPerSec, null);
  assert.equal(samples[1]?.itemsPerSec, 10, '20 items in 2 s');
});

test("a plan: /status.json is `status --plan --json`; an unreadable lease table is its task's error", async () => {
  const fleet = fleetStatus([lease('s1', 0)], Date.now());
  const poller = new StatusPoller({
    mode: 'plan',
    tasks: () => [task('a'), task('b'), task('c')],
    written: () => new Map(),
    logger: silentLogger(),
    sessionName: 'test',
    openReader: readers(
      new Map<string, FleetStatus | Error | undefined>([
        ['DynamoDBCrossRegionReplicationa', fleet],
        ['DynamoDBCrossRegionReplicationb', new ConfigError('AccessDenied on the lease table')],
        ['DynamoDBCrossRegionReplicationc', undefined],
      ]),
    ),
  });
  await poller.pollOnce();
  assert.deepEqual(
    poller.statusJson(),
    planStatusJson([
      { ...task('a'), fleet },
      { ...task('b'), fleet: undefined, error: 'AccessDenied on the lease table' },
      { ...task('c'), fleet: undefined },
    ]),
  );
});

test('a read that fails otherwise (throttling, network) is shown and tried again at the next poll', async () => {
  const fleets = new Map<string, FleetStatus | Error | undefined>([
    ['DynamoDBCrossRegionReplicationa', new Error('socket hang up')],
  ]);
  const poller = new StatusPoller({
    mode: 'task',
    tasks: () => [task('a')],
    written: () => new Map(),
    logger: silentLogger(),
    sessionName: 'test',
    openReader: readers(fleets),
  });
  await poller.pollOnce();
  assert.equal(poller.statusJson()?.error, 'socket hang up');
  const fleet = fleetStatus([lease('s1', 5)], Date.now());
  fleets.set('DynamoDBCrossRegionReplicationa', fleet);
  await poller.pollOnce();
  assert.deepEqual(poller.statusJson(), taskFleetJson('a', 'DynamoDBCrossRegionReplicationa', fleet));
});

test('run() stops when its signal aborts', async () => {
  const stop = new AbortController();
  let reads = 0;
  const poller = new StatusPoller({
    mode: 'task',
    tasks: () => [task('a')],
    written: () => new Map(),
    logger: silentLogger(),
    sessionName: 'test',
    intervalMs: 10,
    openReader: () => ({
      read: () => {
        reads += 1;
        if (reads === 3) stop.abort();
        return Promise.resolve(undefined);
      },
      close: () => undefined,
    }),
  });
  await poller.run(stop.signal);
  assert.equal(reads, 3);
});

test('a stop does not wait for a read that does not answer', async () => {
  const stop = new AbortController();
  let closed = false;
  const poller = new StatusPoller({
    mode: 'task',
    tasks: () => [task('a')],
    written: () => new Map(),
    logger: silentLogger(),
    sessionName: 'test',
    openReader: () => ({
      read: () => new Promise<undefined>(() => undefined),
      close: () => (closed = true),
    }),
  });
  const running = poller.run(stop.signal);
  await new Promise((resolve) => setImmediate(resolve));
  stop.abort();
  await running;
  assert.equal(closed, true);
});

test('a two-way direction: its conflict log is read beside its lease table, a large one less often; a failed read keeps what was read', async () => {
  const fleet = fleetStatus([lease('s1', 0)], Date.now());
  const twoWay: PolledTask = { ...task('p.a-b'), twoWay: { side: 'a' } };
  const conflict = (pk: string, at: number): Conflict => ({
    table: 'p.a-b-dst',
    keys: { pk: { S: pk } },
    loser: { kind: 'put', side: 'a', stamp: '1764720000000.0003#a', digest: 'd' },
    winner: { kind: 'put', stamp: '1764720000001.0000#b' },
    at,
  });
  let log: Conflict[] | Error = [conflict('k1', 1_000)];
  const reads: string[] = [];
  let clock = 1_000_000;
  const poller = new StatusPoller({
    now: () => clock,
    mode: 'plan',
    tasks: () => [twoWay, task('one-way')],
    written: () => new Map(),
    logger: silentLogger(),
    sessionName: 'test',
    openReader: readers(new Map([['DynamoDBCrossRegionReplicationp.a-b', fleet]])),
    openConflicts: (leaseTable) => ({
      read: () => {
        reads.push(leaseTable.tableName);
        return log instanceof Error ? Promise.reject(log) : Promise.resolve(log);
      },
      close: () => undefined,
    }),
  });
  const shown = (): [string, Record<string, unknown> | undefined][] =>
    (poller.statusJson()?.tasks as { taskName: string; twoWay?: Record<string, unknown> }[]).map((t) => [
      t.taskName,
      t.twoWay,
    ]);
  await poller.pollOnce();
  assert.deepEqual(reads, ['DynamoDBCrossRegionReplicationp.a-b'], 'only the two-way task has a log');
  assert.deepEqual(shown(), [
    [
      'p.a-b',
      {
        side: 'a',
        direction: 'A → B (p.a-b-src → p.a-b-dst)',
        conflicts: { ...conflictSummary(log), text: 'conflicts: 1 (ddb-replicator conflicts list)' },
        conflictsAgeMs: 0,
      },
    ],
    ['one-way', undefined],
  ]);

  // 1,000 conflicts: read again 20 s on, not at every poll.
  log = Array.from({ length: 1_000 }, (_, i) => conflict(`k${i}`, 2_000 + i));
  clock += 2_000;
  await poller.pollOnce();
  assert.equal(reads.length, 2);
  clock += 2_000;
  await poller.pollOnce();
  assert.equal(reads.length, 2, 'a log of 1,000 is not read 2 s later');
  assert.equal(shown()[0]?.[1]?.conflictsAgeMs, 2_000);
  clock += 18_000;
  log = new Error('AccessDeniedException: no Scan');
  await poller.pollOnce();
  assert.equal(reads.length, 3);
  const failed = shown()[0]?.[1];
  assert.equal(failed?.conflictsError, 'AccessDeniedException: no Scan');
  assert.equal((failed?.conflicts as { count: number }).count, 1_000, 'what was read stays shown');
  assert.equal(failed?.conflictsAgeMs, 20_000, 'as read 20 s before');
  // Tried again at the next poll.
  log = [];
  clock += 2_000;
  await poller.pollOnce();
  assert.equal(reads.length, 4);
  assert.deepEqual(shown()[0]?.[1], {
    side: 'a',
    direction: 'A → B (p.a-b-src → p.a-b-dst)',
    conflicts: { count: 0, latest: [], text: 'conflicts: 0 (ddb-replicator conflicts list)' },
    conflictsAgeMs: 0,
  });
});
