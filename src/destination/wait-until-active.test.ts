import type { TableDescription } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, StoppedError } from '../errors/replicator-error.js';
import { waitUntilActive } from './wait-until-active.js';

const creating = (indexStatus = 'CREATING' as const): TableDescription => ({
  TableStatus: 'CREATING',
  GlobalSecondaryIndexes: [{ IndexName: 'byG', IndexStatus: indexStatus }],
});
const indexCreating: TableDescription = {
  TableStatus: 'ACTIVE',
  GlobalSecondaryIndexes: [{ IndexName: 'byG', IndexStatus: 'CREATING' }],
};
const active: TableDescription = {
  TableStatus: 'ACTIVE',
  GlobalSecondaryIndexes: [{ IndexName: 'byG', IndexStatus: 'ACTIVE' }],
};

/** A run against a scripted list of descriptions, on a fake clock that only sleeps move. */
function run(
  descriptions: (TableDescription | undefined)[],
  options: { signal?: AbortSignal; pollMs?: number } = {},
) {
  let clock = 0;
  const lines: { fields: Record<string, unknown>; msg: string }[] = [];
  let describes = 0;
  const result = waitUntilActive(
    {
      describe: () => {
        const next = descriptions[Math.min(describes, descriptions.length - 1)];
        describes += 1;
        return Promise.resolve(next);
      },
      destinationTable: 'dst',
      kmsKey: undefined,
      logger: { info: (fields, msg) => lines.push({ fields: fields as Record<string, unknown>, msg }) },
      pollMs: options.pollMs ?? 1_000,
      progressEveryMs: 5_000,
      now: () => clock,
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
    },
    options.signal,
  );
  return { result, lines, describes: () => describes, clock: () => clock };
}

describe('waitUntilActive', () => {
  test('an active table returns at once, with one DescribeTable and no log line', async () => {
    const r = run([active]);
    assert.equal(await r.result, active);
    assert.equal(r.describes(), 1);
    assert.deepEqual(r.lines, []);
  });

  test('waits through a creating table and a creating index, then returns the active description', async () => {
    const r = run([creating(), creating(), indexCreating, active]);
    assert.equal(await r.result, active);
    assert.equal(r.describes(), 4);
    assert.deepEqual(
      r.lines.map((l) => l.msg),
      ['destination table is active'],
    );
    assert.equal(r.lines[0]?.fields.waitedS, 3);
  });

  test('a progress line every 5 s while waiting, with table status, index statuses and time waited', async () => {
    const script = [
      ...Array<TableDescription>(12).fill(creating()),
      ...Array<TableDescription>(5).fill(indexCreating),
      active,
    ];
    const r = run(script);
    await r.result;
    const progress = r.lines.filter(
      (l) => l.msg === 'waiting for the destination table and its indexes to become active',
    );
    assert.deepEqual(
      progress.map((l) => l.fields),
      [
        { table: 'dst', status: 'CREATING', indexes: 'byG CREATING', waitedS: 5 },
        { table: 'dst', status: 'CREATING', indexes: 'byG CREATING', waitedS: 10 },
        { table: 'dst', status: 'ACTIVE', indexes: 'byG CREATING', waitedS: 15 },
      ],
    );
    assert.deepEqual(r.lines.at(-1), {
      fields: { table: 'dst', waitedS: 17 },
      msg: 'destination table is active',
    });
  });

  test('a table without global indexes logs no index field', async () => {
    const r = run([
      ...Array<TableDescription>(6).fill({ TableStatus: 'CREATING' }),
      { TableStatus: 'ACTIVE' },
    ]);
    await r.result;
    assert.deepEqual(r.lines[0]?.fields, { table: 'dst', status: 'CREATING', waitedS: 5 });
  });

  test('a table deleted while waited for ends the wait with a ConfigError', async () => {
    const r = run([creating(), undefined]);
    await assert.rejects(
      r.result,
      (err: unknown) => err instanceof ConfigError && /was deleted while waiting/.test(err.message),
    );
  });

  test('a table that is being deleted ends the wait with a ConfigError', async () => {
    const r = run([{ TableStatus: 'DELETING' }]);
    await assert.rejects(
      r.result,
      (err: unknown) => err instanceof ConfigError && /is being deleted/.test(err.message),
    );
  });

  test('a stop ends the wait with StoppedError', async () => {
    const stop = new AbortController();
    stop.abort();
    const r = run([creating()], { signal: stop.signal });
    await assert.rejects(r.result, StoppedError);
    assert.equal(r.describes(), 0);
  });

  test('a stop while sleeping ends the wait before the next DescribeTable', async () => {
    const stop = new AbortController();
    let describes = 0;
    const waiting = waitUntilActive(
      {
        describe: () => {
          describes += 1;
          return Promise.resolve(creating());
        },
        destinationTable: 'dst',
        kmsKey: undefined,
        logger: { info: () => undefined },
        sleep: () => {
          stop.abort();
          return Promise.resolve();
        },
      },
      stop.signal,
    );
    await assert.rejects(waiting, StoppedError);
    assert.equal(describes, 1);
  });
});
