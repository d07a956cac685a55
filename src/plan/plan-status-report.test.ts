import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fleetStatus, type FleetStatus } from '../app/fleet-status.js';
import type { TableLocation } from '../config/replication-config.js';
import { newLease, SHARD_END, type Lease, type WorkerPresence } from '../lease/lease.js';
import {
  fleetWorkers,
  formatPlanStatus,
  ownersOf,
  planStatusJson,
  taskLagMs,
  taskState,
  type TaskStatus,
} from './plan-status-report.js';

const NOW = 1_000_000;

function lease(shardId: string, fields: Partial<Lease> = {}): Lease {
  return {
    ...newLease(shardId, [], 'TRIM_HORIZON', 'arn'),
    lastRenewedAt: NOW - 1000,
    failoverMs: 10_000,
    ...fields,
  };
}

function presence(workerId: string, ago = 500): WorkerPresence {
  return { workerId, heartbeat: 1, lastSeenAt: NOW - ago, failoverMs: 10_000 };
}

function fleet(leases: Lease[], workers: WorkerPresence[] = []): FleetStatus {
  return fleetStatus(leases, NOW, workers);
}

describe('taskState', () => {
  test('not started: no lease table', () => {
    assert.equal(taskState({ fleet: undefined }), 'not started');
  });
  test('error: the lease table could not be read', () => {
    assert.equal(taskState({ fleet: undefined, error: 'x' }), 'error');
  });
  test('finished: every shard read to its end', () => {
    assert.equal(
      taskState({ fleet: fleet([lease('a', { checkpoint: SHARD_END })], [presence('w1')]) }),
      'finished',
    );
  });
  test('stopped: no live worker (a clean stop, or every owner expired)', () => {
    assert.equal(taskState({ fleet: fleet([lease('a')]) }), 'stopped');
    assert.equal(
      taskState({ fleet: fleet([lease('a', { leaseOwner: 'w1', lastRenewedAt: NOW - 60_000 })]) }),
      'stopped',
    );
  });
  test('starting: live workers, no shard lease yet', () => {
    assert.equal(taskState({ fleet: fleet([], [presence('w1')]) }), 'starting');
  });
  test('failed: a failure recorded and no live worker, before finished (a deleted table ends its shards)', () => {
    const failures = [{ workerId: 'w1', error: 'source table gone', failedAt: NOW - 5_000 }];
    assert.equal(taskState({ fleet: fleetStatus([lease('a')], NOW, [], { failures }) }), 'failed');
    assert.equal(
      taskState({ fleet: fleetStatus([lease('a', { checkpoint: SHARD_END })], NOW, [], { failures }) }),
      'failed',
    );
    assert.equal(taskState({ fleet: fleetStatus([], NOW, [], { failures }) }), 'failed');
  });
  test('running elsewhere: the workers whose run failed are counted, not hidden', () => {
    const failures = [
      { workerId: 'w2', error: 'x', failedAt: NOW - 5_000 },
      { workerId: 'w3', error: 'y', failedAt: NOW - 9_000 },
    ];
    const leases = [lease('a', { leaseOwner: 'w1' })];
    assert.equal(
      taskState({ fleet: fleetStatus(leases, NOW, [presence('w1')], { failures }) }),
      'running, failed on 2 workers',
    );
    assert.equal(
      taskState({ fleet: fleetStatus([], NOW, [presence('w1')], { failures: failures.slice(1) }) }),
      'running, failed on 1 worker',
    );
  });
  test('running, with the shards nobody reads', () => {
    assert.equal(taskState({ fleet: fleet([lease('a', { leaseOwner: 'w1' })]) }), 'running');
    assert.equal(
      taskState({
        fleet: fleet([
          lease('a', { leaseOwner: 'w1' }),
          lease('b'),
          lease('c', { leaseOwner: 'w2', lastRenewedAt: NOW - 60_000 }),
          lease('d', { checkpoint: SHARD_END }),
        ]),
      }),
      'running, 1 expired, 1 unowned',
    );
  });
});

test('ownersOf: distinct owners of the shards being read', () => {
  const f = fleet([
    lease('a', { leaseOwner: 'w1' }),
    lease('b', { leaseOwner: 'w1' }),
    lease('c', { leaseOwner: 'w2', pendingOwner: 'w3' }),
    lease('d', { leaseOwner: 'w4', lastRenewedAt: NOW - 60_000 }),
    lease('e', { leaseOwner: 'w5', checkpoint: SHARD_END }),
  ]);
  assert.equal(ownersOf(f), 2);
});

const at = (tableName: string, region = 'us-east-1'): TableLocation => ({
  region,
  endpoint: undefined,
  tableName,
});

function task(name: string, f: FleetStatus | undefined, error?: string): TaskStatus {
  return {
    label: `replications[0] (source ${name})`,
    taskName: `task-${name}`,
    source: at(name),
    destination: at(name, 'eu-west-1'),
    leaseTable: { ...at(`DynamoDBCrossRegionReplicationtask-${name}`), endpoint: 'http://l' },
    fleet: f,
    ...(error === undefined ? {} : { error }),
  };
}

const running = task(
  'orders',
  fleet(
    [
      lease('a', { leaseOwner: 'w1', behindMs: 1_200 }),
      lease('b', { leaseOwner: 'w2', behindMs: 300 }),
      lease('c', { checkpoint: SHARD_END }),
    ],
    [presence('w1', 300), presence('w3')],
  ),
);
/** Its bootstrap copy half done, its one shard's owner not reporting a lag yet. */
const other = task(
  'items',
  fleetStatus([lease('a', { leaseOwner: 'w1' })], NOW, [presence('w1', 100)], {
    copy: {
      task: {
        state: 'copying',
        startedAt: NOW - 10_000,
        segments: 1,
        estimatedItems: 100,
        estimatedBytes: 0,
        streamArn: 'arn',
        positionsRecordedAt: NOW - 9_000,
        doneAt: undefined,
      },
      segments: [
        {
          segment: 0,
          leaseOwner: 'w1',
          leaseCounter: 1,
          lastEvaluatedKey: undefined,
          done: false,
          itemsCopied: 50,
          bytesCopied: 0,
        },
      ],
    },
  }),
);
const fresh = task('users', undefined);
const broken = task('carts', undefined, 'not allowed to dynamodb:Scan on the lease table ...');

describe('fleetWorkers', () => {
  test('every live worker once over all lease tables, leases per task, the freshest heartbeat', () => {
    assert.deepEqual(fleetWorkers([running, other, fresh]), [
      { workerId: 'w1', leases: 2, tasks: { 'task-orders': 1, 'task-items': 1 }, sinceHeartbeatMs: 100 },
      { workerId: 'w2', leases: 1, tasks: { 'task-orders': 1 } },
      { workerId: 'w3', leases: 0, tasks: { 'task-orders': 0 }, sinceHeartbeatMs: 500 },
    ]);
    assert.deepEqual(fleetWorkers([fresh]), []);
  });
});

describe('formatPlanStatus', () => {
  test('one line per task, the workers, the errors', () => {
    assert.equal(
      formatPlanStatus([running, other, fresh, broken]),
      [
        'TASK         SOURCE -> DESTINATION                 SHARDS           OWNERS  LAG    COPY  STATE',
        'task-orders  us-east-1/orders -> eu-west-1/orders  2 (+1 finished)  2       1.2 s  -     running',
        'task-items   us-east-1/items -> eu-west-1/items    1                1       -      50%   running',
        'task-users   us-east-1/users -> eu-west-1/users    -                -       -      -     not started',
        'task-carts   us-east-1/carts -> eu-west-1/carts    -                -       -      -     error',
        '',
        '4 tasks',
        'workers (3):',
        '  w1: 2 leases (task-orders: 1, task-items: 1)',
        '  w2: 1 lease (task-orders: 1)',
        '  w3: 0 leases (standby) (task-orders: 0)',
        'replications[0] (source carts): not allowed to dynamodb:Scan on the lease table ...',
      ].join('\n'),
    );
  });
  test("a task's failures, each on a line of its own under the table", () => {
    const failed = task(
      'gone',
      fleetStatus([lease('a')], NOW, [], {
        failures: [{ workerId: 'w1', error: 'source table gone: ...', failedAt: NOW - 65_000 }],
      }),
    );
    const text = formatPlanStatus([failed]);
    assert.match(text, /^task-gone .* failed$/m);
    assert.match(
      text,
      /^replications\[0\] \(source gone\): failed on w1 1:05 ago: source table gone: \.\.\.$/m,
    );
  });
  test('no live worker, one task, none', () => {
    assert.match(formatPlanStatus([fresh]), /\n\n1 task\nworkers: none live$/);
    assert.match(formatPlanStatus([]), /no task in the plan\nworkers: none live$/);
  });
});

describe('planStatusJson', () => {
  test('per task its tables, lease table, state and fleet; the workers', () => {
    const json = planStatusJson([running, fresh, broken, other]) as {
      tasks: Record<string, unknown>[];
      workers: unknown[];
    };
    assert.deepEqual(json.tasks[1], {
      entry: 'replications[0] (source users)',
      taskName: 'task-users',
      source: { table: 'users', region: 'us-east-1' },
      destination: { table: 'users', region: 'eu-west-1' },
      leaseTable: {
        table: 'DynamoDBCrossRegionReplicationtask-users',
        region: 'us-east-1',
        endpoint: 'http://l',
      },
      state: 'not started',
    });
    assert.equal(json.tasks[0]?.state, 'running');
    assert.equal(json.tasks[0]?.shards, 3);
    assert.equal(json.tasks[0]?.owners, 2);
    assert.equal(json.tasks[0]?.lagMs, 1_200, "the task's furthest-behind shard");
    assert.equal('copy' in (json.tasks[0] ?? {}), false);
    assert.equal('lagMs' in (json.tasks[3] ?? {}), false, 'no owner has reported a lag yet');
    assert.deepEqual(json.tasks[3]?.copy, other.fleet?.copy);
    assert.equal((json.tasks[3]?.copy as { itemsCopied?: number }).itemsCopied, 50);
    assert.deepEqual(json.tasks[0]?.fleet, running.fleet);
    assert.equal(json.tasks[2]?.error, 'not allowed to dynamodb:Scan on the lease table ...');
    assert.equal(json.workers.length, 3);
  });
});

describe('taskLagMs', () => {
  test('the furthest-behind shard read; none known, none', () => {
    assert.equal(taskLagMs(running.fleet), 1_200);
    assert.equal(taskLagMs(other.fleet), undefined);
    assert.equal(taskLagMs(undefined), undefined);
    assert.equal(taskLagMs(fleet([lease('a', { leaseOwner: 'w1', behindMs: 0 })])), 0);
  });
});

describe('a fan-out: every destination of a task', () => {
  const fanned: TaskStatus = {
    ...task('orders', undefined),
    destination: at('orders-a', 'eu-west-1'),
    fanOut: [at('orders-b', 'us-west-2'), { ...at('orders-c'), endpoint: 'http://d' }],
  };
  test('its line names the source and each destination', () => {
    assert.match(
      formatPlanStatus([fanned]),
      /^task-orders {2}us-east-1\/orders -> eu-west-1\/orders-a, us-west-2\/orders-b, us-east-1\/orders-c {2}- /m,
    );
  });
  test('its JSON has the first as destination and the others as fanOut; a single destination has no fanOut', () => {
    const json = planStatusJson([fanned, task('items', undefined)]) as { tasks: Record<string, unknown>[] };
    assert.deepEqual(json.tasks[0]?.destination, { table: 'orders-a', region: 'eu-west-1' });
    assert.deepEqual(json.tasks[0]?.fanOut, [
      { table: 'orders-b', region: 'us-west-2' },
      { table: 'orders-c', region: 'us-east-1', endpoint: 'http://d' },
    ]);
    assert.equal('fanOut' in (json.tasks[1] ?? {}), false);
    assert.equal(
      'fanOut' in (planStatusJson([{ ...fanned, fanOut: [] }]).tasks as Record<string, unknown>[])[0]!,
      false,
    );
  });
});
