import type {
  GlobalSecondaryIndexDescription,
  TableDescription,
  TableStatus,
} from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readiness } from './table-readiness.js';

const index = (
  name: string,
  status: GlobalSecondaryIndexDescription['IndexStatus'],
): GlobalSecondaryIndexDescription => ({
  IndexName: name,
  IndexStatus: status,
});

const table = (
  status: TableStatus | undefined,
  globals?: GlobalSecondaryIndexDescription[],
): TableDescription => ({
  TableName: 'dst',
  ...(status === undefined ? {} : { TableStatus: status }),
  ...(globals === undefined ? {} : { GlobalSecondaryIndexes: globals }),
});

describe('readiness', () => {
  test('an ACTIVE table without global indexes is active (local indexes have no status)', () => {
    assert.deepEqual(readiness(table('ACTIVE'), 'dst', undefined), { kind: 'active' });
    assert.deepEqual(
      readiness({ ...table('ACTIVE'), LocalSecondaryIndexes: [{ IndexName: 'l' }] }, 'dst', undefined),
      { kind: 'active' },
    );
  });

  test('an ACTIVE table whose global indexes are all ACTIVE is active', () => {
    assert.deepEqual(
      readiness(table('ACTIVE', [index('a', 'ACTIVE'), index('b', 'ACTIVE')]), 'dst', undefined),
      {
        kind: 'active',
      },
    );
  });

  test('a table still CREATING or UPDATING waits, with every index status', () => {
    for (const status of ['CREATING', 'UPDATING'] as const) {
      assert.deepEqual(
        readiness(table(status, [index('a', 'CREATING'), index('b', 'ACTIVE')]), 'dst', undefined),
        {
          kind: 'waiting',
          status,
          indexes: 'a CREATING, b ACTIVE',
        },
      );
    }
  });

  test('an ACTIVE table waits for any global index that is not ACTIVE', () => {
    for (const status of ['CREATING', 'UPDATING', 'DELETING'] as const) {
      assert.deepEqual(
        readiness(table('ACTIVE', [index('a', 'ACTIVE'), index('b', status)]), 'dst', undefined),
        {
          kind: 'waiting',
          status: 'ACTIVE',
          indexes: `a ACTIVE, b ${status}`,
        },
      );
    }
  });

  test('unknown statuses wait and show as UNKNOWN', () => {
    assert.deepEqual(readiness(table(undefined, [index('a', undefined)]), 'dst', undefined), {
      kind: 'waiting',
      status: 'UNKNOWN',
      indexes: 'a UNKNOWN',
    });
    assert.deepEqual(readiness(table('REPLICATION_NOT_AUTHORIZED'), 'dst', undefined), {
      kind: 'waiting',
      status: 'REPLICATION_NOT_AUTHORIZED',
      indexes: '',
    });
  });

  const failing: [string, TableDescription | undefined, string, readonly string[]][] = [
    ['gone', undefined, 'was deleted while waiting', ['start again']],
    ['deleting', table('DELETING'), 'is being deleted', ['start again']],
    [
      'key unusable',
      table('INACCESSIBLE_ENCRYPTION_CREDENTIALS'),
      'cannot use its KMS key (--dest-kms-key alias/k)',
      ['--dest-kms-key', 'delete the table and start again'],
    ],
    ['archiving', table('ARCHIVING'), 'is ARCHIVING', ['KMS key', 'delete the table']],
    ['archived', table('ARCHIVED'), 'is ARCHIVED', ['KMS key', 'delete the table']],
  ];
  for (const [label, described, what, todo] of failing) {
    test(`a table that will never be active fails with one line: ${label}`, () => {
      const state = readiness(described, 'dst', 'alias/k');
      assert.equal(state.kind, 'failed');
      if (state.kind !== 'failed') return;
      assert.ok(state.message.startsWith('destination table dst '), state.message);
      for (const text of [what, ...todo])
        assert.ok(state.message.includes(text), `"${state.message}" mentions "${text}"`);
    });
  }

  test('an unusable key without --dest-kms-key does not name the flag value', () => {
    const state = readiness(table('INACCESSIBLE_ENCRYPTION_CREDENTIALS'), 'dst', undefined);
    assert.equal(state.kind, 'failed');
    if (state.kind === 'failed') assert.ok(state.message.includes('cannot use its KMS key:'), state.message);
  });
});
