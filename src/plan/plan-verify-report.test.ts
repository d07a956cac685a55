import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TableLocation } from '../config/replication-config.js';
import type { VerifySummary } from '../verify/verify-summary.js';
import {
  formatPlanVerify,
  planVerifyExitCode,
  planVerifyJson,
  type PairOutcome,
} from './plan-verify-report.js';
import { columns } from './report-text.js';

function summary(
  figures: Partial<
    Pick<VerifySummary, 'compared' | 'missing' | 'extra' | 'different' | 'keys' | 'repair'>
  > = {},
): VerifySummary {
  const report = { table: 't', region: 'r', items: 10, segments: 4 };
  return {
    source: report,
    destination: report,
    compared: 10,
    missing: 0,
    extra: 0,
    different: 0,
    keys: { missing: [], extra: [], different: [] },
    recheck: { suspects: 0, settled: 0, drift: 0, extended: 0, looks: 0, delayMs: 0, rounds: 3 },
    durationMs: 5,
    retries: 0,
    readRate: { ratePerSec: null, waits: 0, waitedMs: 0 },
    ...figures,
  };
}

const at = (tableName: string, region = 'us-east-1'): TableLocation => ({
  region,
  endpoint: undefined,
  tableName,
});

function pair(name: string, outcome: PairOutcome['outcome']): PairOutcome {
  return {
    label: `replications[0] (source ${name})`,
    taskName: `task-${name}`,
    source: at(name),
    destination: at(`${name}-dr`, 'eu-west-1'),
    outcome,
  };
}

const equal = pair('orders', { kind: 'verified', summary: summary({ compared: 1234 }) });
const different = pair('items', {
  kind: 'verified',
  summary: summary({
    missing: 1,
    extra: 2,
    different: 3,
    keys: {
      missing: [{ key: { pk: { S: 'a' } } }],
      extra: [],
      different: [{ key: { pk: { S: 'b' } }, attributes: ['n'] }],
    },
  }),
});
const repaired = pair('users', {
  kind: 'verified',
  summary: summary({ missing: 1, repair: { written: 1, deleted: 0, failed: 0, failures: [] } }),
});
const incomplete = pair('carts', {
  kind: 'verified',
  summary: summary({ missing: 1, repair: { written: 0, deleted: 0, failed: 1, failures: [] } }),
});
const failed = pair('gone', {
  kind: 'failed',
  error: 'destination table gone-dr not found in region eu-west-1: ...',
});
const interrupted = pair('late', { kind: 'interrupted' });

describe('planVerifyExitCode', () => {
  test('0 when every pair is equal or repaired, 1 when one differs, 2 when one was not verified, 130 interrupted', () => {
    assert.equal(planVerifyExitCode([]), 0);
    assert.equal(planVerifyExitCode([equal, repaired]), 0);
    assert.equal(planVerifyExitCode([equal, different]), 1);
    assert.equal(planVerifyExitCode([equal, incomplete]), 1);
    assert.equal(planVerifyExitCode([different, failed]), 2);
    assert.equal(planVerifyExitCode([failed, interrupted]), 130);
  });
});

describe('formatPlanVerify', () => {
  test('one line per pair, the tally, then the errors and the keys shown', () => {
    assert.equal(
      formatPlanVerify([equal, different, repaired, incomplete, failed, interrupted]),
      [
        'SOURCE            DESTINATION          COMPARED  MISSING  EXTRA  DIFFERENT  VERDICT',
        'us-east-1/orders  eu-west-1/orders-dr  1,234     0        0      0          equal',
        'us-east-1/items   eu-west-1/items-dr   10        1        2      3          DIFFERENT',
        'us-east-1/users   eu-west-1/users-dr   10        1        0      0          repaired',
        'us-east-1/carts   eu-west-1/carts-dr   10        1        0      0          REPAIR INCOMPLETE',
        'us-east-1/gone    eu-west-1/gone-dr    -         -        -      -          NOT VERIFIED (error below)',
        'us-east-1/late    eu-west-1/late-dr    -         -        -      -          not verified (interrupted)',
        '',
        '6 pairs: 1 equal, 1 different, 1 repaired, 1 repair incomplete, 1 not verified, 1 interrupted',
        'replications[0] (source items): first keys of each kind:',
        '  missing    {"pk":{"S":"a"}}',
        '  different  {"pk":{"S":"b"}}  attributes: n',
        'replications[0] (source gone): destination table gone-dr not found in region eu-west-1: ...',
      ].join('\n'),
    );
  });
  test('one pair, and none', () => {
    assert.match(formatPlanVerify([equal]), /\n\n1 pair: 1 equal$/);
    assert.match(formatPlanVerify([]), /\n\nno pair to verify$/);
  });
});

describe('planVerifyJson', () => {
  test("each pair's full summary with its verdict, or its error; the exit code", () => {
    const json = planVerifyJson([equal, failed, interrupted]) as {
      exitCode: number;
      pairs: Record<string, unknown>[];
    };
    assert.equal(json.exitCode, 130);
    assert.equal(json.pairs[0]?.result, 'equal');
    assert.equal(json.pairs[0]?.compared, 1234);
    assert.equal(json.pairs[0]?.taskName, 'task-orders');
    assert.equal(json.pairs[0]?.entry, 'replications[0] (source orders)');
    assert.deepEqual(json.pairs[1], {
      entry: 'replications[0] (source gone)',
      taskName: 'task-gone',
      source: { table: 'gone', region: 'us-east-1' },
      destination: { table: 'gone-dr', region: 'eu-west-1' },
      result: 'not-verified',
      error: 'destination table gone-dr not found in region eu-west-1: ...',
    });
    assert.equal(json.pairs[2]?.result, 'interrupted');
  });
});

test('columns: left-aligned, two spaces apart, no trailing blanks', () => {
  assert.deepEqual(
    columns([
      ['A', 'BB', 'C'],
      ['long', 'x', ''],
    ]),
    ['A     BB  C', 'long  x'],
  );
  assert.deepEqual(columns([]), []);
});

describe('a fan-out: one pair per destination', () => {
  const destinationOf = (table: string, region: string, outcome: PairOutcome['outcome']): PairOutcome => ({
    label: 'replications[2] (source orders)',
    taskName: 'task-orders',
    source: at('orders'),
    destination: at(table, region),
    destinations: 2,
    outcome,
  });
  // A summary names its own tables (verify's report of each), as --json prints them.
  const reportOf = (table: string, region: string) => ({ table, region, items: 10, segments: 4 });
  const first = destinationOf('orders-a', 'eu-west-1', {
    kind: 'verified',
    summary: { ...summary(), destination: reportOf('orders-a', 'eu-west-1') },
  });
  const second = destinationOf('orders-b', 'us-west-2', {
    kind: 'verified',
    summary: {
      ...summary({
        missing: 1,
        keys: { missing: [{ key: { pk: { S: 'm' } } }], extra: [], different: [] },
      }),
      destination: reportOf('orders-b', 'us-west-2'),
    },
  });

  test('a line per destination table; its keys and errors name the destination; any differing one fails', () => {
    assert.equal(
      formatPlanVerify([first, second]),
      [
        'SOURCE            DESTINATION         COMPARED  MISSING  EXTRA  DIFFERENT  VERDICT',
        'us-east-1/orders  eu-west-1/orders-a  10        0        0      0          equal',
        'us-east-1/orders  us-west-2/orders-b  10        1        0      0          DIFFERENT',
        '',
        '2 pairs: 1 equal, 1 different',
        'replications[2] (source orders) -> us-west-2/orders-b: first keys of each kind:',
        '  missing    {"pk":{"S":"m"}}',
      ].join('\n'),
    );
    assert.equal(planVerifyExitCode([first]), 0);
    assert.equal(planVerifyExitCode([first, second]), 1);
    const gone = destinationOf('orders-c', 'eu-west-1', { kind: 'failed', error: 'not found' });
    assert.match(
      formatPlanVerify([first, gone]),
      /\nreplications\[2\] \(source orders\) -> eu-west-1\/orders-c: not found$/,
    );
    assert.equal(planVerifyExitCode([first, gone]), 2);
    const json = planVerifyJson([first, second]) as { pairs: Record<string, unknown>[] };
    assert.deepEqual(
      json.pairs.map((p) => [p.destination, p.result]),
      [
        [reportOf('orders-a', 'eu-west-1'), 'equal'],
        [reportOf('orders-b', 'us-west-2'), 'different'],
      ],
    );
  });
});
