import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildBootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { buildReplicationConfig, type ReplicationFlags } from '../config/replication-config.js';
import { parsePlan } from './parse-plan.js';
import { ALLOWED_FIELDS, planSchema, TASK_OPTION_FIELDS, WHOLE_RANGES } from './plan-schema.js';
import type { PlanTaskOptions } from './plan-task.js';

const FLAGS: ReplicationFlags = {
  sourceTable: 'orders',
  sourceRegion: 'us-east-1',
  destTable: 'orders-dr',
  workerId: 'w',
  startPosition: 'trim-horizon',
  batchSize: 1000,
  writeConcurrency: 16,
  maxBufferMb: 32,
  pollIntervalMs: 100,
  checkpointIntervalMs: 1000,
  failoverMs: 10_000,
  shardSyncIntervalMs: 10_000,
  progressIntervalMs: 10_000,
  shutdownTimeoutMs: 5_000,
};

const BOOTSTRAP = { copyOnly: false, copyConcurrency: 8, progressIntervalMs: 0, progressBar: false };

/** Whether replicate's own checks take this value of a task option. */
function replicateAccepts(field: keyof PlanTaskOptions, value: number): boolean {
  try {
    if (
      field === 'segments' ||
      field === 'copyConcurrency' ||
      field === 'maxWriteRate' ||
      field === 'maxReadRate'
    ) {
      buildBootstrapOptions({ ...BOOTSTRAP, [field]: value });
    } else {
      buildReplicationConfig({ ...FLAGS, [field]: value }, {});
    }
    return true;
  } catch {
    return false;
  }
}

function planAccepts(field: string, value: number): boolean {
  const plan = {
    replications: [{ source: { table: 'orders' }, destination: { table: 'orders-dr' }, [field]: value }],
  };
  try {
    parsePlan(JSON.stringify(plan), 'p.json');
    return true;
  } catch {
    return false;
  }
}

describe('the plan takes exactly the values replicate takes', () => {
  for (const [field, range] of Object.entries(WHOLE_RANGES)) {
    test(field, () => {
      for (const value of [range.min - 1, range.min, range.min + 0.5, range.max, range.max + 1]) {
        const expected = replicateAccepts(field as keyof PlanTaskOptions, value);
        assert.equal(
          planAccepts(field, value),
          expected,
          `${field} ${value}: replicate ${expected ? 'takes' : 'refuses'} it`,
        );
      }
    });
  }
  for (const field of ['maxWriteRate', 'maxReadRate'] as const) {
    test(field, () => {
      for (const value of [-1, 0, 0.5, 1, 1e9]) {
        assert.equal(planAccepts(field, value), replicateAccepts(field, value), `${field} ${value}`);
      }
    });
  }
});

test('the task options are exactly PlanTaskOptions', () => {
  const expected: Record<keyof PlanTaskOptions, true> = {
    startPosition: true,
    batchSize: true,
    pollIntervalMs: true,
    checkpointIntervalMs: true,
    bootstrap: true,
    segments: true,
    maxWriteRate: true,
    maxReadRate: true,
    copyMode: true,
    copyConcurrency: true,
    filter: true,
    transform: true,
    excludeAttributes: true,
    renameAttributes: true,
    ttlDeletes: true,
    onReject: true,
    deadLetterTable: true,
  };
  assert.deepEqual([...TASK_OPTION_FIELDS].sort(), Object.keys(expected).sort());
});

test('rule fields: a pattern object or list is kept as JSON text, lists and maps as the flags write them', () => {
  const parsed = planSchema.parse({
    defaults: { filter: { dynamodb: { NewImage: { status: { S: ['active'] } } } } },
    replications: [
      {
        source: { table: 'a' },
        filter: [{ eventName: ['INSERT'] }, { eventName: ['MODIFY'] }],
        excludeAttributes: ['email', 'phone'],
        renameAttributes: { name: 'fullName', city: 'town' },
        ttlDeletes: 'skip',
      },
      {
        source: { table: 'b' },
        filter: '@pattern.json',
        excludeAttributes: 'email',
        renameAttributes: 'a=b',
      },
    ],
  });
  assert.equal(parsed.defaults?.filter, '{"dynamodb":{"NewImage":{"status":{"S":["active"]}}}}');
  const [a, b] = parsed.replications;
  assert.equal(a?.filter, '[{"eventName":["INSERT"]},{"eventName":["MODIFY"]}]');
  assert.equal(a?.excludeAttributes, 'email,phone');
  assert.equal(a?.renameAttributes, 'name=fullName,city=town');
  assert.equal(a?.ttlDeletes, 'skip');
  assert.equal(b?.filter, '@pattern.json');
  assert.equal(b?.excludeAttributes, 'email');
  assert.equal(b?.renameAttributes, 'a=b');
  assert.equal(
    planSchema.safeParse({ replications: [{ source: { table: 'a' }, ttlDeletes: 'keep' }] }).success,
    false,
  );
});

test("a destinations element: a destination's fields and the rule fields, parsed as the entry's are", () => {
  assert.deepEqual(ALLOWED_FIELDS.destinations, [
    ...ALLOWED_FIELDS.destination,
    'filter',
    'transform',
    'excludeAttributes',
    'renameAttributes',
    'ttlDeletes',
  ]);
  const parsed = planSchema.parse({
    replications: [
      {
        source: { table: 'a' },
        destinations: [
          {
            table: 'a-1',
            region: 'eu-west-1',
            createTable: true,
            streamViewType: 'NEW_IMAGE',
            filter: { dynamodb: { NewImage: { tenant: { S: ['one'] } } } },
            excludeAttributes: ['email', 'phone'],
            renameAttributes: { name: 'fullName' },
            ttlDeletes: 'skip',
          },
          { table: 'a-2', filter: '@two.json', transform: 'two.mjs', excludeAttributes: null },
        ],
      },
    ],
  });
  const [one, two] = parsed.replications[0]?.destinations ?? [];
  assert.deepEqual(one, {
    table: 'a-1',
    region: 'eu-west-1',
    createTable: true,
    streamViewType: 'NEW_IMAGE',
    filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["one"]}}}}',
    excludeAttributes: 'email,phone',
    renameAttributes: 'name=fullName',
    ttlDeletes: 'skip',
  });
  assert.deepEqual(two, { table: 'a-2', filter: '@two.json', transform: 'two.mjs', excludeAttributes: null });
  const accepts = (destinations: unknown, more: Record<string, unknown> = {}) =>
    planSchema.safeParse({ replications: [{ source: { table: 'a' }, destinations, ...more }] }).success;
  assert.equal(accepts([{ table: 'b', ttlDeletes: 'keep' }]), false);
  assert.equal(accepts([{ table: 'b', streamViewType: 'ALL' }]), false);
  assert.equal(accepts([{ table: 'b', tabel: 'c' }]), false, 'strict: a misspelt field is an error');
  assert.equal(accepts([{ table: 'b', batchSize: 5 }]), false, "an entry's own option is no element's");
  assert.equal(accepts([]), false, 'at least one');
  assert.equal(accepts({ table: 'b' }), false, 'a list');
  assert.equal(accepts([{ table: 'b' }], { destination: { table: 'c' } }), false, 'not beside destination');
  assert.equal(accepts([{ table: 'b' }], { destination: null }), true);
  assert.equal(
    planSchema.safeParse({
      defaults: { destinations: [{ table: 'b' }] },
      replications: [{ source: { table: 'a' } }],
    }).success,
    false,
    'no default',
  );
});
