import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { PlanTaskState } from '../app/plan-runner.js';
import { CopyProgress } from './copy-progress.js';
import { PlanCopyProgress, type PlanTasksView } from './plan-copy-progress.js';

interface Line {
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A plan runner as the display sees it: tasks by state, and whether it is stopping. */
class View implements PlanTasksView {
  readonly tasks = new Map<string, PlanTaskState>();
  stopping = false;
  states(): ReadonlyMap<string, PlanTaskState> {
    return new Map(this.tasks);
  }
}

function logged(): { lines: Line[]; log: { info(fields: object, message: string): void } } {
  const lines: Line[] = [];
  return {
    lines,
    log: { info: (fields, message) => lines.push({ fields: fields as Record<string, unknown>, message }) },
  };
}

const progressOf = (line: Line | undefined) => line?.fields.progress as Record<string, unknown>;

describe('PlanCopyProgress, log lines', () => {
  test('one line for the whole plan, the copies with most left named; a summary at the end', async () => {
    const { lines, log } = logged();
    const view = new View();
    const display = new PlanCopyProgress({ bar: false, intervalMs: 20, logger: log, refreshMs: 2 });
    display.start(view);
    const a = display.task('task-a', 'orders');
    const b = display.task('task-b', 'audit');
    assert.equal(display.task('task-a', 'orders'), a, 'the same sink when asked again');
    view.tasks.set('task-a', 'running').set('task-b', 'running');
    a.started(1000, 4);
    b.started(3000, 8);
    a.update({ fleetItems: 400, items: 400, segmentsDone: 1 });
    b.update({ fleetItems: 500, items: 250, segmentsDone: 2 });
    await pause(60);

    const line = lines.findLast((l) => l.message === 'plan copy progress');
    assert.ok(line !== undefined, JSON.stringify(lines));
    assert.equal(lines.filter((l) => l.message !== 'plan copy progress').length, 0);
    assert.deepEqual(
      { ...progressOf(line), ratePerSec: 0, etaMs: 0, elapsedMs: 0 },
      {
        done: 900,
        total: 4000,
        ratePerSec: 0,
        etaMs: 0,
        elapsedMs: 0,
        tables: 2,
        copied: 0,
        copying: 2,
        waiting: 0,
        failed: 0,
        stopped: 0,
        skipped: 0,
        segmentsDone: 3,
        segments: 12,
      },
    );
    const mostLeft = line.fields.mostItemsLeft as { task: string; table: string }[];
    assert.deepEqual(
      mostLeft.map((t) => [t.task, t.table]),
      [
        ['task-b', 'audit'],
        ['task-a', 'orders'],
      ],
    );

    a.ended({ fleetItems: 1000, items: 1000, segmentsDone: 4 });
    b.ended({ fleetItems: 3100, items: 2850, segmentsDone: 8 });
    view.tasks.set('task-a', 'ended').set('task-b', 'ended');
    await display.stop({ stopped: false });
    await display.stop({ stopped: false });
    const last = lines.findLast((l) => l.message === 'plan copy progress');
    assert.equal(progressOf(last).done, 4100);
    assert.equal(progressOf(last).total, 4100, 'the real counts replace the estimates');
    const summary = lines.filter((l) => l.message === 'plan copy done');
    assert.equal(summary.length, 1, JSON.stringify(lines.map((l) => l.message)));
    assert.equal(summary[0]?.fields.fleetItems, 4100);
    assert.equal(summary[0]?.fields.items, 3850);
    assert.equal(summary[0]?.fields.copied, 2);
    assert.equal((summary[0]?.fields.tasks as unknown[]).length, 2);
  });

  test('a failed copy does not hold the line: its unfinished part leaves the total; skipped tasks count apart', async () => {
    const { lines, log } = logged();
    const view = new View();
    const display = new PlanCopyProgress({ bar: false, intervalMs: 10, logger: log, refreshMs: 2 });
    display.start(view);
    const a = display.task('a', 'orders');
    const b = display.task('b', 'broken');
    display.task('c', 'no-stream');
    display.skipped('c');
    view.tasks.set('a', 'running').set('b', 'running');
    a.started(100, 2);
    b.started(1000, 4);
    b.update({ fleetItems: 30, items: 30, segmentsDone: 0 });
    await pause(20);
    assert.equal(display.figures.totalItems, 1100);

    b.ended({ fleetItems: 30, items: 30, segmentsDone: 0 });
    view.tasks.set('b', 'failed');
    await pause(20);
    assert.equal(display.figures.totalItems, 130);
    assert.equal(display.figures.byState.failed, 1);

    a.ended({ fleetItems: 100, items: 100, segmentsDone: 2 });
    view.tasks.set('a', 'ended');
    await display.stop({ stopped: false });
    const summary = lines.at(-1);
    assert.equal(summary?.message, 'plan copy ended with failed copies');
    assert.equal(summary.fields.tables, 2);
    assert.equal(summary.fields.skipped, 1);
    assert.equal(summary.fields.fleetItems, 130);
    assert.equal(progressOf(lines.findLast((l) => l.message === 'plan copy progress')).done, 130);
  });

  test('a stop: tasks ended while stopping and tasks never started are stopped', async () => {
    const { lines, log } = logged();
    const view = new View();
    const display = new PlanCopyProgress({ bar: false, intervalMs: 0, logger: log, refreshMs: 2 });
    display.start(view);
    display.task('a', 'orders').started(100, 2);
    display.task('b', 'later');
    view.tasks.set('a', 'running');
    view.stopping = true;
    view.tasks.set('a', 'ended');
    await display.stop({ stopped: true });
    assert.deepEqual(
      lines.map((l) => l.message),
      ['plan copy stopped; a restart resumes it'],
      'no progress line with an interval of 0, the summary still',
    );
    assert.equal(lines[0]?.fields.stopped, 2);
  });

  test('a run that ended on its own: tasks seen ended only at the end are copied, though the runner says stopping', async () => {
    const { lines, log } = logged();
    const view = new View();
    // Slower than the test: the tasks are first seen ended by the final sum.
    const display = new PlanCopyProgress({ bar: false, intervalMs: 0, logger: log, refreshMs: 60_000 });
    display.start(view);
    for (const name of ['a', 'b']) {
      const sink = display.task(name, name);
      sink.started(10, 1);
      sink.ended({ fleetItems: 10, items: 10, segmentsDone: 1 });
      view.tasks.set(name, 'ended');
    }
    // PlanRunner.run() stops itself once every task has ended.
    view.stopping = true;
    await display.stop({ stopped: false });
    assert.equal(lines[0]?.message, 'plan copy done');
    assert.equal(lines[0]?.fields.copied, 2);
  });

  test('no task (a plan found wrong before any ran): nothing drawn, nothing logged', async () => {
    const { lines, log } = logged();
    const display = new PlanCopyProgress({ bar: false, intervalMs: 5, logger: log });
    display.start(new View());
    await pause(20);
    await display.stop({ stopped: false });
    assert.deepEqual(lines, []);
  });

  test('no summary when the run itself failed', async () => {
    const { lines, log } = logged();
    const display = new PlanCopyProgress({ bar: false, intervalMs: 0, logger: log, refreshMs: 2 });
    display.start(new View());
    display.task('a', 'orders');
    await display.stop();
    assert.deepEqual(lines, []);
  });
});

describe('PlanCopyProgress, on a terminal', () => {
  test('one bar with tables and segments; its line erased for a log line only while it is drawn', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const { lines, log } = logged();
    const view = new View();
    const display = new PlanCopyProgress({
      bar: true,
      intervalMs: 10_000,
      logger: log,
      stream: out as unknown as NodeJS.WriteStream,
      refreshMs: 2,
    });
    display.clearLine();
    assert.equal(text, '', 'nothing to erase before the bar');
    display.start(view);
    display.task('a', 'orders');
    const b = display.task('b', 'audit');
    b.started(500, 4);
    b.update({ fleetItems: 100, items: 100, segmentsDone: 0 });
    view.tasks.set('a', 'ended').set('b', 'running');
    await pause(250);
    assert.match(text, /\rplan copy .*tables 1\/2 copied {2}segments 0\/4/);
    display.clearLine();
    assert.ok(text.endsWith('\r\x1b[K'), JSON.stringify(text.slice(-20)));

    b.ended({ fleetItems: 500, items: 500, segmentsDone: 4 });
    view.tasks.set('b', 'ended');
    await display.stop({ stopped: false });
    assert.ok(text.endsWith('\x1b[K\n'), 'the bar line ended once');
    assert.match(text, /\rplan copy \[#+\] 100% 500\/500 items .*tables 2\/2 copied {2}segments 4\/4\S*\n$/);
    const before = text;
    display.clearLine();
    assert.equal(text, before, 'nothing erased once the bar ended');
    assert.deepEqual(
      lines.map((l) => l.message),
      ['plan copy done'],
      'only the summary is logged',
    );
  });
});

test("a copy's CopyProgress with a sink reports to the plan's display and logs no progress line of its own", async () => {
  const own: { msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        own.push(JSON.parse(chunk.toString()) as { msg: string });
        done();
      },
    }),
  );
  const { log } = logged();
  const view = new View();
  const display = new PlanCopyProgress({ bar: false, intervalMs: 0, logger: log, refreshMs: 2 });
  display.start(view);
  const progress = new CopyProgress({
    estimatedItems: 50,
    totalSegments: 2,
    progressBar: false,
    progressIntervalMs: 5,
    logger,
    sink: display.task('a', 'orders'),
  });
  view.tasks.set('a', 'running');
  progress.start([]);
  progress.written(0, 20);
  const page = { segment: 0, items: 20, bytes: 100, itemsCopied: 20, done: true };
  progress.page(page as Parameters<CopyProgress['page']>[0]);
  progress.written(1, 25);
  await pause(20);
  assert.equal(display.figures.fleetItems, 45, 'written items at once, as a bar counts them');
  assert.equal(display.figures.totalItems, 50);
  assert.equal(display.figures.segmentsDone, 1);
  // Stopped with a page written but not saved: a restart copies it again.
  const summary = await progress.stop();
  assert.equal(summary.fleetItems, 20);
  await pause(20);
  assert.equal(display.figures.fleetItems, 20, 'at the end what was saved, as the summary counts it');
  assert.equal(display.figures.byState.copying, 1, 'the task has not ended yet');
  await display.stop({ stopped: false });
  assert.deepEqual(own, [], 'no `copy progress` line of its own');
});
