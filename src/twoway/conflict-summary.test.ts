import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conflictLine, conflictOf, conflictPut, conflictTableText, type Conflict } from './conflict-log.js';
import { conflictCountText, conflictSummary } from './conflict-summary.js';
import { directionText } from './direction-text.js';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');

function conflict(pk: string, at: number, overrides: Partial<Conflict> = {}): Conflict {
  return {
    table: 'orders-b',
    keys: { pk: { S: pk }, n: { N: '3' } },
    loser: { kind: 'put', side: 'a', stamp: '1764720000000.0003#a', digest: 'd1' },
    winner: { kind: 'put', stamp: '1764720000001.0000#b' },
    at,
    ...overrides,
  };
}

test('the summary counts every conflict and lists the latest few, newest first, in the words of conflicts list', () => {
  const log = [conflict('k1', T0), conflict('k2', T0 + 1_000), conflict('k3', T0 + 2_000)];
  const summary = conflictSummary(log, 2);
  assert.equal(summary.count, 3);
  assert.deepEqual(
    summary.latest.map((r) => r.key),
    ['pk="k3",n="3"', 'pk="k2",n="3"'],
  );
  const [row] = summary.latest;
  assert.deepEqual(row, {
    at: '2026-12-03T10:00:02.000Z',
    table: 'orders-b',
    key: 'pk="k3",n="3"',
    loserKind: 'put',
    loserSide: 'a',
    winnerKind: 'put',
    winnerSide: 'b',
    loser: 'put 1764720000000.0003#a (side a)',
    winner: 'put 1764720000001.0000#b (side b)',
  });
  // The same words as the line conflicts list prints for it.
  assert.equal(
    conflictLine(log[2] as Conflict),
    `${row?.at} ${row?.table} ${row?.key}: ${row?.loser} lost to ${row?.winner}`,
  );
});

test('an unstamped loser, a delete, a winner that could not be read', () => {
  const [row] = conflictSummary([
    conflict('k1', T0, {
      loser: { kind: 'delete', side: 'b', stamp: undefined, digest: undefined },
      winner: { kind: 'delete', stamp: undefined },
    }),
  ]).latest;
  assert.equal(row?.loser, 'delete an unstamped write of side b');
  assert.equal(row?.loserSide, 'b');
  assert.equal(row?.winner, 'delete unstamped');
  assert.equal(row?.winnerSide, undefined);
});

test('of conflicts recorded in one millisecond the later in the log is newer; none: an empty list', () => {
  const summary = conflictSummary([conflict('first', T0), conflict('second', T0)], 1);
  assert.deepEqual(
    summary.latest.map((r) => r.key.split(',')[0]),
    ['pk="second"'],
  );
  assert.deepEqual(conflictSummary([]), { count: 0, latest: [] });
  assert.equal(conflictSummary([conflict('k', T0)], 0).latest.length, 0);
});

test('the count line and the direction as status --two-way prints them', () => {
  assert.equal(conflictCountText(2), 'conflicts: 2 (ddb-replicator conflicts list)');
  assert.equal(directionText('a', 'orders', 'orders-copy'), 'A → B (orders → orders-copy)');
  assert.equal(directionText('b', 'orders-copy', 'orders'), 'B → A (orders-copy → orders)');
});

test("the side of the table where the write lost tells two tables of one name apart, and survives the log's item", () => {
  const onB = conflict('k1', T0, { table: 'orders', tableSide: 'b' });
  const onA = conflict('k1', T0, { table: 'orders', tableSide: 'a' });
  assert.equal(conflictTableText(onB), 'orders (side b)');
  assert.equal(conflictTableText(onA), 'orders (side a)');
  assert.equal(
    conflictTableText(conflict('k1', T0, { table: 'orders' })),
    'orders',
    'an item from before the side was kept',
  );
  assert.match(conflictLine(onB), /^2026-12-03T10:00:00\.000Z orders \(side b\) pk="k1",n="3": put /);
  assert.equal(conflictSummary([onB]).latest[0]?.table, 'orders (side b)');
  for (const c of [onB, onA, conflict('k2', T0 + 5)]) {
    const item = conflictPut('log', c, ['pk', 'n']).Item ?? {};
    assert.deepEqual(conflictOf(item), c);
  }
});
