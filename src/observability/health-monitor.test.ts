import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { TaskHealth } from './health-check.js';
import { HealthMonitor, STUCK_LOG_INTERVAL_MS } from './health-monitor.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function setup(checkIntervalMs?: number) {
  const clock = { now: 1_000 };
  const state = { sinceProgressMs: 0, eventLoopDelayMs: 0 };
  const task = (): TaskHealth => ({
    task: 'abc',
    status: 'RUNNING',
    checked: true,
    copying: false,
    joined: true,
    shards: [
      {
        shardId: 's1',
        caughtUp: false,
        behindMs: 5_000,
        pending: 7,
        sinceProgressMs: state.sinceProgressMs,
        readsFailingForMs: undefined,
      },
    ],
    renewalsFailingForMs: undefined,
    leaseTable: 'lease',
    failoverMs: 10_000,
    stallTimeoutMs: 3_000,
  });
  const { logger, lines } = capturingLogger();
  const monitor = new HealthMonitor({
    snapshot: () => ({ tasks: [task()], stopping: false }),
    logger,
    clock: () => clock.now,
    eventLoopDelayMs: () => state.eventLoopDelayMs,
    ...(checkIntervalMs === undefined ? {} : { checkIntervalMs }),
  });
  /** Moves time and the shard's stall together, then checks. */
  const advance = (ms: number, progressing = false) => {
    clock.now += ms;
    state.sinceProgressMs = progressing ? 0 : state.sinceProgressMs + ms;
    return monitor.check();
  };
  return { monitor, lines, advance, state };
}

describe('HealthMonitor', () => {
  test('logs nothing while live', () => {
    const { lines, advance } = setup();
    for (let i = 0; i < 10; i++) assert.equal(advance(1_000, true).live, true);
    assert.deepEqual(lines, []);
  });

  test('a stuck worker says why at once, then once a minute, and one line when it recovers', () => {
    const { lines, advance } = setup();
    advance(2_000);
    assert.equal(lines.length, 0, 'not yet past the stall timeout');
    const stuck = advance(2_000);
    assert.equal(stuck.live, false);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.reasons]),
      [[40, 'worker stuck', stuck.reasons]],
    );
    // Checked every second for three minutes: three more lines, each with how long it has been stuck.
    for (let i = 0; i < 180; i++) advance(1_000);
    assert.deepEqual(
      lines.slice(1).map((l) => [l.msg, l.stuckForMs]),
      [
        ['worker stuck', STUCK_LOG_INTERVAL_MS],
        ['worker stuck', 2 * STUCK_LOG_INTERVAL_MS],
        ['worker stuck', 3 * STUCK_LOG_INTERVAL_MS],
      ],
    );
    assert.equal(advance(1_000, true).live, true);
    assert.deepEqual(
      lines.slice(4).map((l) => [l.level, l.msg, l.stuckForMs]),
      [[30, 'worker no longer stuck', 181_000]],
    );
    advance(1_000, true);
    assert.equal(lines.length, 5, 'recovery is said once');
  });

  test('stuck again after recovering starts a new run (logged at once)', () => {
    const { lines, advance } = setup();
    advance(4_000);
    advance(1_000, true);
    advance(4_000);
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['worker stuck', 'worker no longer stuck', 'worker stuck'],
    );
  });

  test('verdict() judges without logging, with the event loop in it', () => {
    const { monitor, lines, state } = setup();
    state.eventLoopDelayMs = 7_000;
    const verdict = monitor.verdict();
    assert.equal(verdict.live, false);
    assert.match(verdict.reasons[0] ?? '', /^event loop blocked for 7\.0 s/);
    assert.deepEqual(lines, []);
  });

  test('run() checks until aborted', async () => {
    const { monitor, lines, state } = setup(5);
    state.eventLoopDelayMs = 7_000;
    const stop = new AbortController();
    const running = monitor.run(stop.signal);
    while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    stop.abort();
    await running;
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['worker stuck'],
    );
  });
});
