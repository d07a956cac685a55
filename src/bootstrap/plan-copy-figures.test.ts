import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  aggregateCopies,
  COPY_STATES,
  copyState,
  type CopyRecord,
  type CopyState,
  type TaskFigures,
} from './plan-copy-figures.js';

const NOT_OPENED: CopyRecord = {
  skipped: false,
  estimatedItems: undefined,
  segments: undefined,
  fleetItems: 0,
  items: 0,
  segmentsDone: 0,
  finished: false,
};

const opened = (more: Partial<CopyRecord> = {}): CopyRecord => ({
  ...NOT_OPENED,
  estimatedItems: 1000,
  segments: 4,
  ...more,
});

function task(name: string, state: CopyState, more: Partial<CopyRecord> = {}): TaskFigures {
  const base =
    state === 'waiting' || state === 'skipped' || state === 'already-copied' ? NOT_OPENED : opened();
  return { ...base, ...more, task: name, table: `${name}-table`, state };
}

describe('copyState', () => {
  test('skipped wins over whatever the runner says', () => {
    for (const runner of [undefined, 'running', 'ended', 'failed'] as const) {
      assert.equal(copyState({ ...NOT_OPENED, skipped: true }, runner, false), 'skipped');
    }
  });
  test('a failed task is failed, before, during or after its copy', () => {
    assert.equal(copyState(NOT_OPENED, 'failed', false), 'failed');
    assert.equal(copyState(opened({ segmentsDone: 2 }), 'failed', false), 'failed');
    assert.equal(copyState(opened({ segmentsDone: 4, finished: true }), 'failed', true), 'failed');
  });
  test('ended on its own: copied by this run, or already by an earlier one', () => {
    assert.equal(copyState(opened({ segmentsDone: 4, finished: true }), 'ended', false), 'copied');
    // Another worker finished the last segments after this one's last look: the task ends only once done.
    assert.equal(copyState(opened({ segmentsDone: 1, finished: true }), 'ended', false), 'copied');
    assert.equal(copyState(NOT_OPENED, 'ended', false), 'already-copied');
  });
  test('ended while stopping: stopped, a restart resumes it', () => {
    assert.equal(copyState(opened({ segmentsDone: 1, finished: true }), 'ended', true), 'stopped');
    assert.equal(copyState(NOT_OPENED, 'ended', true), 'stopped');
  });
  test('running or not started yet: waiting until the copy opens, then copying', () => {
    assert.equal(copyState(NOT_OPENED, undefined, false), 'waiting');
    assert.equal(copyState(NOT_OPENED, 'running', false), 'waiting');
    assert.equal(copyState(opened(), 'running', false), 'copying');
    assert.equal(copyState(opened({ segmentsDone: 4 }), 'running', false), 'copying');
    assert.equal(copyState(opened({ segmentsDone: 2, finished: true }), 'running', false), 'copying');
  });
  test('every segment copied while the task checks its positions: copied', () => {
    assert.equal(copyState(opened({ segmentsDone: 4, finished: true }), 'running', false), 'copied');
    assert.equal(copyState(opened({ segmentsDone: 4, finished: true }), undefined, false), 'copied');
  });
});

describe('aggregateCopies', () => {
  test('nothing yet: zeros, a known total of 0', () => {
    const figures = aggregateCopies([]);
    assert.equal(figures.fleetItems, 0);
    assert.equal(figures.totalItems, 0);
    assert.equal(figures.tables, 0);
    assert.equal(figures.copied, 0);
    assert.deepEqual(Object.keys(figures.byState), COPY_STATES);
    assert.deepEqual(figures.copying, []);
  });

  test('copying: the estimate, or what was copied when that is more', () => {
    const figures = aggregateCopies([
      task('a', 'copying', {
        estimatedItems: 1000,
        fleetItems: 400,
        items: 300,
        segments: 4,
        segmentsDone: 1,
      }),
      task('b', 'copying', {
        estimatedItems: 100,
        fleetItems: 150,
        items: 150,
        segments: 2,
        segmentsDone: 1,
      }),
    ]);
    assert.equal(figures.fleetItems, 550);
    assert.equal(figures.items, 450);
    assert.equal(figures.totalItems, 1150);
    assert.equal(figures.segmentsDone, 2);
    assert.equal(figures.segments, 6);
    assert.equal(figures.tables, 2);
    assert.equal(figures.copied, 0);
  });

  test('copied: the real count replaces the estimate, every segment done', () => {
    const figures = aggregateCopies([
      task('a', 'copied', { estimatedItems: 1000, fleetItems: 980, segments: 4, segmentsDone: 3 }),
    ]);
    assert.equal(figures.totalItems, 980);
    assert.equal(figures.fleetItems, 980);
    assert.equal(figures.segmentsDone, 4);
    assert.equal(figures.segments, 4);
    assert.equal(figures.copied, 1);
  });

  test('failed: what it copied stays, its unfinished part leaves the totals', () => {
    const figures = aggregateCopies([
      task('a', 'copying', { estimatedItems: 1000, fleetItems: 500, segments: 4, segmentsDone: 2 }),
      task('b', 'failed', { estimatedItems: 1000, fleetItems: 300, segments: 4, segmentsDone: 1 }),
    ]);
    assert.equal(figures.fleetItems, 800);
    assert.equal(figures.totalItems, 1300);
    assert.equal(figures.segmentsDone, 3);
    assert.equal(figures.segments, 5);
    assert.equal(figures.tables, 2);
    assert.equal(figures.byState.failed, 1);
  });

  test('failed before its copy opened: counted, without holding the total unknown', () => {
    const figures = aggregateCopies([
      task('a', 'copied', { fleetItems: 10 }),
      task('b', 'failed', NOT_OPENED),
    ]);
    assert.equal(figures.totalItems, 10);
    assert.equal(figures.fleetItems, 10);
    assert.equal(figures.tables, 2);
  });

  test('a copy not opened yet makes the total unknown; its (zero) items still add up', () => {
    const figures = aggregateCopies([
      task('a', 'copying', { fleetItems: 200 }),
      task('b', 'waiting'),
      task('c', 'copied', { fleetItems: 50 }),
    ]);
    assert.equal(figures.totalItems, undefined);
    assert.equal(figures.fleetItems, 250);
    assert.equal(figures.segments, 8);
  });

  test('skipped: in no total and not one of the tables', () => {
    const figures = aggregateCopies([task('a', 'copied', { fleetItems: 10 }), task('b', 'skipped')]);
    assert.equal(figures.tables, 1);
    assert.equal(figures.copied, 1);
    assert.equal(figures.byState.skipped, 1);
    assert.equal(figures.totalItems, 10);
  });

  test('already copied by an earlier run: counted as copied, with no figures', () => {
    const figures = aggregateCopies([task('a', 'already-copied'), task('b', 'copied', { fleetItems: 7 })]);
    assert.equal(figures.copied, 2);
    assert.equal(figures.tables, 2);
    assert.equal(figures.fleetItems, 7);
    assert.equal(figures.totalItems, 7);
    assert.equal(figures.segments, 4);
  });

  test('stopped: keeps its total and segments (a restart resumes it)', () => {
    const figures = aggregateCopies([
      task('a', 'stopped', { estimatedItems: 1000, fleetItems: 100, segments: 4, segmentsDone: 1 }),
    ]);
    assert.equal(figures.totalItems, 1000);
    assert.equal(figures.segments, 4);
    assert.equal(figures.segmentsDone, 1);
    assert.equal(figures.copied, 0);
  });

  test('the copies listed: only those copying, the most items left first, at most `shown`', () => {
    const tasks = [
      task('small', 'copying', { estimatedItems: 100, fleetItems: 90 }),
      task('big', 'copying', { estimatedItems: 10_000, fleetItems: 100 }),
      task('past', 'copying', { estimatedItems: 100, fleetItems: 150 }),
      task('b-tie', 'copying', { estimatedItems: 100, fleetItems: 50 }),
      task('a-tie', 'copying', { estimatedItems: 100, fleetItems: 50 }),
      task('done', 'copied', { estimatedItems: 1_000_000 }),
      task('broken', 'failed', { estimatedItems: 1_000_000 }),
    ];
    assert.deepEqual(
      aggregateCopies(tasks).copying.map((t) => t.task),
      ['big', 'a-tie', 'b-tie', 'small', 'past'],
    );
    assert.deepEqual(
      aggregateCopies(tasks, 2).copying.map((t) => t.task),
      ['big', 'a-tie'],
    );
  });

  test('a plan of seven: tables 3/7 copied, one failed, one skipped, the bar reaching its end when all are done', () => {
    const running = [
      task('t1', 'copied', { fleetItems: 1000, items: 1000 }),
      task('t2', 'already-copied'),
      task('t3', 'copied', { fleetItems: 500, items: 250 }),
      task('t4', 'copying', { estimatedItems: 2000, fleetItems: 1500, items: 1500, segmentsDone: 3 }),
      task('t5', 'failed', { fleetItems: 100, segmentsDone: 1 }),
      task('t6', 'copying', { estimatedItems: 400, fleetItems: 0 }),
      task('t7', 'stopped', { estimatedItems: 600, fleetItems: 300, segmentsDone: 2 }),
      task('t8', 'skipped'),
    ];
    const figures = aggregateCopies(running);
    assert.equal(figures.tables, 7);
    assert.equal(figures.copied, 3);
    assert.equal(figures.fleetItems, 1000 + 500 + 1500 + 100 + 0 + 300);
    assert.equal(figures.totalItems, 1000 + 500 + 2000 + 100 + 400 + 600);
    assert.equal(figures.segmentsDone, 4 + 4 + 3 + 1 + 0 + 2);
    assert.equal(figures.segments, 4 + 4 + 4 + 1 + 4 + 4);
    assert.deepEqual(
      [figures.byState.failed, figures.byState.stopped, figures.byState.skipped, figures.byState.copying],
      [1, 1, 1, 2],
    );

    const finished = running.map((t) =>
      t.state === 'copying' ? { ...t, state: 'copied' as const, fleetItems: t.estimatedItems ?? 0 } : t,
    );
    const end = aggregateCopies(finished);
    assert.equal(end.copied, 5);
    assert.equal(end.fleetItems + 300, end.totalItems, 'only the stopped copy is short of its total');
  });
});
