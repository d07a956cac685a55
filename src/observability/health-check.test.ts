import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  EVENT_LOOP_BLOCKED_MS,
  judgeHealth,
  type HealthSnapshot,
  type TaskHealth,
  type TaskStatus,
} from './health-check.js';
import type { ShardStall } from './progress-tracker.js';

const SHARD = 'shardId-00000001-aaaa';

function shard(overrides: Partial<ShardStall> = {}): ShardStall {
  return {
    shardId: SHARD,
    caughtUp: true,
    behindMs: 0,
    pending: 0,
    sinceProgressMs: 100,
    readsFailingForMs: undefined,
    ...overrides,
  };
}

function task(overrides: Partial<TaskHealth> = {}): TaskHealth {
  return {
    task: 'abc',
    status: 'RUNNING',
    checked: true,
    copying: false,
    joined: true,
    shards: [shard()],
    renewalsFailingForMs: undefined,
    leaseTable: 'DynamoDBCrossRegionReplicationabc',
    failoverMs: 10_000,
    stallTimeoutMs: 60_000,
    ...overrides,
  };
}

function judge(tasks: TaskHealth[], overrides: Partial<HealthSnapshot> = {}) {
  return judgeHealth({ tasks, eventLoopDelayMs: 3, stopping: false, ...overrides });
}

describe('judgeHealth: liveness', () => {
  test('a running task with caught-up shards is live and ready', () => {
    assert.deepEqual(judge([task()]), { live: true, ready: true, reasons: [], notReady: [] });
  });

  test('a shard behind with no progress for longer than the stall timeout is stuck, named with its lag', () => {
    const verdict = judge([
      task({
        shards: [shard({ caughtUp: false, behindMs: 83_000, pending: 120, sinceProgressMs: 61_000 })],
      }),
    ]);
    assert.equal(verdict.live, false);
    assert.equal(verdict.ready, true, 'readiness is not liveness');
    assert.deepEqual(verdict.reasons, [
      `task abc shard ${SHARD} behind 1:23, no write for 1:01 with 120 records waiting (destination unreachable?)`,
    ]);
  });

  test('the stall timeout is a strict bound, and each task has its own', () => {
    const at = (sinceProgressMs: number, stallTimeoutMs = 60_000) =>
      judge([task({ stallTimeoutMs, shards: [shard({ caughtUp: false, pending: 1, sinceProgressMs })] })])
        .live;
    assert.equal(at(60_000), true);
    assert.equal(at(60_001), false);
    assert.equal(at(3_001, 3_000), false);
    assert.equal(at(2_999, 3_000), true);
  });

  test('a caught-up shard is never stalled, however long since it last moved', () => {
    assert.equal(judge([task({ shards: [shard({ sinceProgressMs: 86_400_000 })] })]).live, true);
  });

  test('a shard behind that is moving is live', () => {
    const moving = shard({ caughtUp: false, behindMs: 3_600_000, pending: 5_000, sinceProgressMs: 500 });
    assert.equal(judge([task({ shards: [moving] })]).live, true);
  });

  test('a lag not known yet, and nothing waiting: nothing read or written', () => {
    const verdict = judge([
      task({ shards: [shard({ caughtUp: false, behindMs: undefined, sinceProgressMs: 90_000 })] }),
    ]);
    assert.deepEqual(verdict.reasons, [`task abc shard ${SHARD} behind, nothing read or written for 1:30`]);
  });

  test('reads failing for longer than the stall timeout: stuck, caught up or not', () => {
    const caughtUp = judge([task({ shards: [shard({ readsFailingForMs: 65_000 })] })]);
    assert.deepEqual(caughtUp.reasons, [
      `task abc shard ${SHARD} caught up at its last read, reads failing for 1:05 (source stream unreachable?)`,
    ]);
    const behind = judge([
      task({
        shards: [
          shard({ caughtUp: false, behindMs: 5_000, readsFailingForMs: 61_000, sinceProgressMs: 61_000 }),
        ],
      }),
    ]);
    assert.deepEqual(behind.reasons, [
      `task abc shard ${SHARD} behind 5.0 s, reads failing for 1:01 (source stream unreachable?)`,
    ]);
    assert.equal(judge([task({ shards: [shard({ readsFailingForMs: 59_000 })] })]).live, true);
  });

  test('every stuck shard is named', () => {
    const stuck = (shardId: string) =>
      shard({ shardId, caughtUp: false, pending: 1, sinceProgressMs: 70_000 });
    const verdict = judge([task({ shards: [stuck('s1'), shard({ shardId: 's2' }), stuck('s3')] })]);
    assert.deepEqual(
      verdict.reasons.map((r) => r.split(' ')[3]),
      ['s1', 's3'],
    );
  });

  test('renewals failing for longer than the failover time: stuck, naming the lease table', () => {
    const verdict = judge([task({ renewalsFailingForMs: 12_400, shards: [] })]);
    assert.deepEqual(verdict.reasons, [
      'task abc lease renewals failing for 12.4 s (failover time 10.0 s): lease table DynamoDBCrossRegionReplicationabc unreachable?',
    ]);
    assert.equal(judge([task({ renewalsFailingForMs: 10_000 })]).live, true, 'up to the failover time');
    assert.equal(judge([task({ renewalsFailingForMs: 3_000, failoverMs: 2_000 })]).live, false);
  });

  test('the event loop blocked past the threshold: stuck, whatever the tasks', () => {
    for (const tasks of [[], [task()]]) {
      const verdict = judge(tasks, { eventLoopDelayMs: 6_200 });
      assert.deepEqual(verdict.reasons, [
        'event loop blocked for 6.2 s (more than 5.0 s): renewals and writes were held up that long',
      ]);
    }
    assert.equal(judge([task()], { eventLoopDelayMs: EVENT_LOOP_BLOCKED_MS }).live, true);
  });

  test('all reasons together, the event loop first', () => {
    const verdict = judge(
      [
        task({
          renewalsFailingForMs: 20_000,
          shards: [shard({ caughtUp: false, pending: 3, sinceProgressMs: 61_000 })],
        }),
      ],
      { eventLoopDelayMs: 9_000 },
    );
    assert.equal(verdict.reasons.length, 3);
    assert.match(verdict.reasons[0] ?? '', /^event loop/);
    assert.match(verdict.reasons[1] ?? '', /no write/);
    assert.match(verdict.reasons[2] ?? '', /lease renewals/);
  });

  const stuckTask = (status: TaskStatus) =>
    task({
      status,
      renewalsFailingForMs: 60_000,
      shards: [shard({ caughtUp: false, pending: 1, sinceProgressMs: 600_000 })],
    });

  for (const status of ['STARTING', 'STOPPING', 'STOPPED', 'FAILED'] as const) {
    test(`a task ${status} is never stuck (only a running one is)`, () => {
      assert.equal(judge([stuckTask(status)]).live, true);
    });
  }

  test('a process stopping is not stuck by its tasks (its stop has its own timeout), but by its event loop', () => {
    assert.equal(judge([stuckTask('RUNNING')], { stopping: true }).live, true);
    assert.equal(judge([stuckTask('RUNNING')], { stopping: true, eventLoopDelayMs: 6_000 }).live, false);
  });

  test('a plan is stuck when any running task is; a failed task does not count', () => {
    const plan = { plan: { resolved: true } };
    assert.equal(judge([task({ task: 'a' }), stuckTask('FAILED'), task({ task: 'c' })], plan).live, true);
    const verdict = judge([task({ task: 'a' }), { ...stuckTask('RUNNING'), task: 'b' }], plan);
    assert.equal(verdict.live, false);
    assert.ok(verdict.reasons.every((r) => r.startsWith('task b ')));
    assert.equal(verdict.ready, true);
  });

  test('many reasons are capped to twenty lines and a count', () => {
    const shards = Array.from({ length: 30 }, (_, i) =>
      shard({ shardId: `s${i}`, caughtUp: false, pending: 1, sinceProgressMs: 70_000 }),
    );
    const verdict = judge([task({ shards })]);
    assert.equal(verdict.reasons.length, 21);
    assert.equal(verdict.reasons[20], '... and 10 more');
  });
});

describe('judgeHealth: readiness', () => {
  const cases: [string, Partial<TaskHealth>, boolean, string][] = [
    [
      'starting, checks under way',
      { status: 'STARTING', checked: false },
      false,
      'starting: start-up checks under way',
    ],
    [
      'starting, checks passed',
      { status: 'STARTING', checked: true },
      false,
      'starting: start-up checks passed',
    ],
    ['copying a bootstrap, checks passed', { status: 'STARTING', checked: true, copying: true }, true, ''],
    [
      'copying, checks under way',
      { status: 'STARTING', checked: false, copying: true },
      false,
      'starting: start-up checks under way',
    ],
    ['running and joined', { status: 'RUNNING', joined: true }, true, ''],
    [
      'running, no heartbeat yet',
      { status: 'RUNNING', joined: false },
      false,
      'running, not yet in the fleet: no heartbeat has reached lease table DynamoDBCrossRegionReplicationabc',
    ],
    ['stopping', { status: 'STOPPING' }, false, 'stopping'],
    ['stopped', { status: 'STOPPED' }, false, 'stopped'],
    ['failed', { status: 'FAILED' }, false, 'failed'],
  ];
  for (const [name, overrides, ready, why] of cases) {
    test(`one task ${name}: ${ready ? 'ready' : 'not ready'}`, () => {
      const verdict = judge([task(overrides)]);
      assert.equal(verdict.ready, ready);
      assert.deepEqual(verdict.notReady, ready ? [] : [`task abc ${why}`]);
      assert.equal(verdict.live, true, 'readiness is not liveness');
    });
  }

  test('a process stopping is not ready', () => {
    assert.deepEqual(judge([task()], { stopping: true }), {
      live: true,
      ready: false,
      reasons: [],
      notReady: ['stopping: leaving the fleet'],
    });
  });

  test('a plan is ready once one task is', () => {
    const plan = { plan: { resolved: false } };
    const starting = task({ task: 'a', status: 'STARTING', checked: false });
    const failed = task({ task: 'b', status: 'FAILED' });
    assert.deepEqual(judge([starting, failed], plan).notReady, [
      'task a starting: start-up checks under way',
      'task b failed',
    ]);
    assert.equal(judge([starting, failed, task({ task: 'c' })], plan).ready, true);
  });

  test('a plan resolved without a task to start is ready (an idle member of the fleet); unresolved, not', () => {
    assert.equal(judge([], { plan: { resolved: true } }).ready, true);
    assert.deepEqual(judge([], { plan: { resolved: false } }).notReady, ['resolving the plan']);
    assert.deepEqual(judge([]).notReady, ['no task running']);
  });
});
