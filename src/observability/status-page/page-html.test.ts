import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { planStatusJson, type TaskStatus } from '../../plan/plan-status-report.js';
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
