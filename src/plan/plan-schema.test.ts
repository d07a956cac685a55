import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildBootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { buildReplicationConfig, type ReplicationFlags } from '../config/replication-config.js';
import { parsePlan } from './parse-plan.js';
import { planSchema, TASK_OPTION_FIELDS, WHOLE_RANGES } from './plan-schema.js';
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
