import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aggregateCopies, type CopyRecord, type CopyState, type TaskFigures } from './plan-copy-figures.js';
import { barExtra, lineExtra, SUMMARY_TASKS, summaryFields, summaryMessage } from './plan-copy-lines.js';

/** A task in this state: opened with 1,000 estimated items in 4 segments unless it never opened. */
function task(name: string, state: CopyState, more: Partial<CopyRecord> = {}): TaskFigures {
  const opened = !(state === 'waiting' || state === 'skipped' || state === 'already-copied');
  return {
    skipped: false,
    estimatedItems: opened ? 1000 : undefined,
    segments: opened ? 4 : undefined,
    fleetItems: 0,
    items: 0,
    segmentsDone: 0,
    finished: false,
    ...more,
    task: name,
    table: `${name}-table`,
    state,
  };
}

describe('the line and the summary', () => {
  const figures = aggregateCopies([
    task('a', 'copied', { fleetItems: 1000, items: 600 }),
    task('b', 'copying', { estimatedItems: 500, fleetItems: 100, items: 100, segmentsDone: 1 }),
  ]);

  test('the bar says tables and segments, and what went wrong only when anything did', () => {
    assert.deepEqual(barExtra(figures), { tables: '1/2 copied', segments: '5/8' });
  });

  test('what went wrong before the segments, which a narrow terminal cuts first', () => {
    const mixed = aggregateCopies([
      task('a', 'copied'),
      task('b', 'failed', { segmentsDone: 1 }),
      task('c', 'stopped', { segmentsDone: 2 }),
      task('d', 'skipped'),
    ]);
    assert.deepEqual(Object.entries(barExtra(mixed)), [
      ['tables', '1/3 copied'],
      ['failed', 1],
      ['stopped', 1],
      ['skipped', 1],
      ['segments', '7/9'],
    ]);
  });

  test('no segments on the bar before a copy has opened', () => {
    assert.deepEqual(barExtra(aggregateCopies([task('a', 'waiting'), task('b', 'waiting')])), {
      tables: '0/2 copied',
    });
  });

  test('the log line: numbers, the same keys every time', () => {
    assert.deepEqual(lineExtra(figures), {
      tables: 2,
      copied: 1,
      copying: 1,
      waiting: 0,
      failed: 0,
      stopped: 0,
      skipped: 0,
      segmentsDone: 5,
      segments: 8,
    });
  });

  test('the summary: totals, per task its state and figures, what went wrong first', () => {
    const tasks = [
      task('a', 'copied', { fleetItems: 1000, items: 600 }),
      task('b', 'failed', { fleetItems: 100, items: 100, segmentsDone: 1 }),
      task('c', 'skipped'),
    ];
    const fields = summaryFields(aggregateCopies(tasks), tasks, 2000);
    const totals = [
      'tables',
      'copied',
      'alreadyCopied',
      'failed',
      'stopped',
      'skipped',
      'fleetItems',
      'items',
    ];
    assert.deepEqual(
      totals.map((key) => fields[key]),
      [2, 1, 0, 1, 0, 1, 1100, 700],
    );
    assert.deepEqual(
      ['segmentsDone', 'segments', 'durationMs', 'itemsPerSec'].map((key) => fields[key]),
      [5, 5, 2000, 350],
    );
    const listed = fields.tasks as Record<string, unknown>[];
    // What went wrong first; a copied task's segments all done (its last ones may have been another worker's).
    assert.deepEqual(
      listed.map((l) => [l.task, l.table, l.state, l.fleetItems, l.items, l.segmentsDone, l.segments]),
      [
        ['b', 'b-table', 'failed', 100, 100, 1, 4],
        ['c', 'c-table', 'skipped', 0, 0, 0, undefined],
        ['a', 'a-table', 'copied', 1000, 600, 4, 4],
      ],
    );
    assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), [
      'estimatedItems',
      'fleetItems',
      'items',
      'segments',
      'segmentsDone',
      'state',
      'table',
      'task',
    ]);
  });

  test('the summary of a large plan lists at most SUMMARY_TASKS tasks, and says how many it left out', () => {
    const tasks = Array.from({ length: SUMMARY_TASKS + 5 }, (_, i) => task(`t${i}`, 'copied'));
    tasks.push(task('broken', 'failed'));
    const fields = summaryFields(aggregateCopies(tasks), tasks, 0);
    const listed = fields.tasks as { task: string }[];
    assert.equal(listed.length, SUMMARY_TASKS);
    assert.equal(listed[0]?.task, 'broken');
    assert.equal(fields.tasksLeftOut, 6);
    assert.equal(fields.itemsPerSec, 0);
  });

  test('the message: done, stopped, or failed copies', () => {
    assert.equal(
      summaryMessage(aggregateCopies([task('a', 'copied'), task('b', 'skipped')])),
      'plan copy done',
    );
    assert.equal(
      summaryMessage(aggregateCopies([task('a', 'copied'), task('b', 'stopped')])),
      'plan copy stopped; a restart resumes it',
    );
    assert.equal(
      summaryMessage(aggregateCopies([task('a', 'stopped'), task('b', 'failed')])),
      'plan copy ended with failed copies',
    );
  });
});
