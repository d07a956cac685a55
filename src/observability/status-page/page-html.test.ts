import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { planStatusJson, type TaskStatus, type TwoWayTaskStatus } from '../../plan/plan-status-report.js';
import { conflictSummary } from '../../twoway/conflict-summary.js';
import { STATUS_PAGE_HTML } from './page-html.js';

/** A function of the page's script, which runs here without its last line (the first poll needs a browser). */
function pageFunction(name: string): unknown {
  const script = /<script>([\s\S]*)<\/script>/.exec(STATUS_PAGE_HTML)?.[1] ?? '';
  const defined = script.replace(/\npoll\(\);\s*$/, '\n');
  assert.notEqual(defined, script, 'the script ends with its first poll');
  return runInNewContext(`${defined}\n${name};`, {});
}

test("the page's task line names the source and every destination of a fan-out, from status --plan --json", () => {
  const at = (tableName: string, region: string) => ({ region, endpoint: undefined, tableName });
  const status: TaskStatus = {
    label: 'replications[0] (source orders)',
    taskName: 'orders-repl',
    source: at('orders', 'us-east-1'),
    destination: at('orders-a', 'eu-west-1'),
    fanOut: [at('orders-b', 'us-west-2')],
    leaseTable: at('DynamoDBCrossRegionReplicationorders-repl', 'us-east-1'),
    fleet: undefined,
  };
  const tablesText = pageFunction('tablesText') as (task: unknown) => string | undefined;
  const [fanned, single] = planStatusJson([status, { ...status, fanOut: [] }]).tasks as unknown[];
  assert.equal(tablesText(fanned), 'us-east-1/orders → eu-west-1/orders-a, us-west-2/orders-b');
  assert.equal(tablesText(single), 'us-east-1/orders → eu-west-1/orders-a');
  // status --json of one task names no tables: no line rather than a wrong one.
  assert.equal(tablesText({ taskName: 'orders-repl', shards: [] }), undefined);
});

test("the page's copy line shows spool mode's phase, its size and the drain's progress", () => {
  const spoolText = pageFunction('spoolText') as (copy: unknown) => string | undefined;
  const spool = {
    pass: undefined,
    segmentsDone: 0,
    segments: 0,
    drained: 0,
    scanned: 0,
    spoolKeys: undefined,
  };
  assert.equal(spoolText({ state: 'copying' }), undefined, 'a direct copy: no spool line');
  assert.equal(
    spoolText({ spool: { ...spool, phase: 'copying', spooledChanges: 1234 } }),
    'spool: copying; 1,234 changes spooled',
  );
  assert.equal(
    spoolText({
      spool: {
        ...spool,
        phase: 'draining',
        pass: 2,
        segmentsDone: 3,
        segments: 8,
        drained: 950,
        spoolKeys: 1200,
        spooledChanges: 1500,
      },
    }),
    'spool: draining, pass 2, segments 3/8, 950 items written; 1,200 keys in the spool',
  );
});

test('a two-way direction: headed by its sides and tables, with its conflicts as status --two-way and conflicts list say them', () => {
  const at = (tableName: string, region: string) => ({ region, endpoint: undefined, tableName });
  const direction = (side: 'a' | 'b', twoWay: TwoWayTaskStatus['conflicts']): TaskStatus => ({
    label: side === 'a' ? 'A → B (orders → orders-b)' : 'B → A (orders-b → orders)',
    taskName: `pair.${side === 'a' ? 'a-b' : 'b-a'}`,
    source: at(side === 'a' ? 'orders' : 'orders-b', side === 'a' ? 'us-east-1' : 'eu-west-1'),
    destination: at(side === 'a' ? 'orders-b' : 'orders', side === 'a' ? 'eu-west-1' : 'us-east-1'),
    leaseTable: at(`DynamoDBCrossRegionReplicationpair.${side}`, 'us-east-1'),
    fleet: undefined,
    twoWay: { side, conflicts: twoWay, conflictsAgeMs: 0 },
  });
  const T0 = Date.parse('2026-12-03T10:00:00.000Z');
  const conflicts = Array.from({ length: 7 }, (_, i) => ({
    table: 'orders-b',
    keys: { pk: { S: `k${i}` } },
    loser: { kind: 'put' as const, side: 'a' as const, stamp: undefined, digest: 'd' },
    winner: { kind: 'delete' as const, stamp: '1764720000001.0000#b' },
    at: T0 + i * 1_000,
  }));
  const json = planStatusJson([
    direction('a', conflictSummary(conflicts)),
    direction('b', conflictSummary([])),
  ]);
  const pageTasks = pageFunction('pageTasks') as (status: unknown) => { twoWay: unknown }[];
  const taskHeading = pageFunction('taskHeading') as (task: unknown) => string;
  const inPage = pageFunction('conflictsView') as (twoWay: unknown) => unknown;
  // Out of the page's realm, so that its arrays compare as this realm's.
  const conflictsView = (twoWay: unknown) =>
    JSON.parse(JSON.stringify(inPage(twoWay))) as {
      line: string;
      error?: string;
      caption?: string;
      rows: string[][];
    };
  const [ab, ba] = pageTasks(JSON.parse(JSON.stringify(json)));
  assert.equal(taskHeading(ab), 'Two-way A → B (orders → orders-b)');
  assert.equal(taskHeading(ba), 'Two-way B → A (orders-b → orders)');
  const view = conflictsView(ab?.twoWay);
  assert.equal(view.line, 'conflicts: 7 (ddb-replicator conflicts list)');
  assert.equal(view.caption, 'Latest 5 of 7, newest first');
  assert.equal(view.error, undefined);
  assert.deepEqual(view.rows[0], [
    '2026-12-03T10:00:06.000Z',
    'pk="k6"',
    'orders-b',
    'put an unstamped write of side a',
    'delete 1764720000001.0000#b (side b)',
  ]);
  assert.equal(view.rows.length, 5);
  assert.deepEqual(conflictsView(ba?.twoWay), {
    line: 'conflicts: 0 (ddb-replicator conflicts list)',
    rows: [],
  });
  // A one-way task keeps its heading; a log read a while ago says so; one not read yet, and a failed read.
  assert.equal(
    taskHeading({ taskName: 'orders-repl', label: 'replications[1]' }),
    'Task orders-repl — replications[1]',
  );
  const few = conflictSummary(conflicts.slice(0, 2));
  assert.equal(
    conflictsView({ conflicts: { ...few, text: 'conflicts: 2 (x)' }, conflictsAgeMs: 65_000 }).line,
    'conflicts: 2 (x), read 65.0 s ago',
  );
  assert.equal(conflictsView({ conflicts: { ...few, text: 'c' } }).caption, 'All 2, newest first');
  assert.deepEqual(conflictsView({ conflictsError: 'AccessDeniedException: no Scan' }), {
    line: 'conflicts: not read yet',
    error: 'conflict log: AccessDeniedException: no Scan',
    rows: [],
  });
});
