import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTaskSides, type TaskFlags } from '../config/replication-config.js';
import type { RuleFlags } from '../rules/rule-options.js';
import { verifyPairFlags } from './plan-verify-pairs.js';
import { parsePlan } from './parse-plan.js';
import { planTasks } from './plan-tasks.js';

test('a single pair: its tables and its rules, nothing of the copy', () => {
  const flags: TaskFlags & RuleFlags & { segments: number } = {
    sourceTable: 'orders',
    sourceRegion: 'us-east-1',
    destTable: 'orders-dr',
    destRegion: 'eu-west-1',
    destCredentials: { profile: 'dp' },
    filter: '{"a":[1]}',
    ttlDeletes: 'skip',
    segments: 8,
  };
  assert.deepEqual(verifyPairFlags(flags), [
    {
      tables: {
        sourceTable: 'orders',
        sourceRegion: 'us-east-1',
        sourceEndpoint: undefined,
        sourceCredentials: undefined,
        destTable: 'orders-dr',
        destRegion: 'eu-west-1',
        destEndpoint: undefined,
        destCredentials: { profile: 'dp' },
      },
      rules: {
        filter: '{"a":[1]}',
        transform: undefined,
        excludeAttributes: undefined,
        renameAttributes: undefined,
        ttlDeletes: 'skip',
      },
    },
  ]);
});

test("a fan-out: a pair per destination, each with its own table and rules, located as the task's sides are", () => {
  const plan = parsePlan(
    `defaults:
  source: { region: us-east-1 }
  destination: { region: eu-west-1 }
replications:
  - source: { table: orders }
    excludeAttributes: secret
    destinations:
      - { table: orders-a }
      - { table: orders-b, region: us-west-2, roleArn: "arn:aws:iam::222222222222:role/w", excludeAttributes: null, renameAttributes: "x=y" }
`,
    'p.yaml',
  );
  const [task] = planTasks(plan, () => [], { env: {} }).tasks;
  assert.ok(task !== undefined);
  const pairs = verifyPairFlags(task.flags);
  assert.deepEqual(
    pairs.map((p) => [p.tables.sourceTable, p.tables.destTable, p.tables.destRegion, p.rules]),
    [
      [
        'orders',
        'orders-a',
        'eu-west-1',
        {
          filter: undefined,
          transform: undefined,
          excludeAttributes: 'secret',
          renameAttributes: undefined,
          ttlDeletes: undefined,
        },
      ],
      [
        'orders',
        'orders-b',
        'us-west-2',
        {
          filter: undefined,
          transform: undefined,
          excludeAttributes: undefined,
          renameAttributes: 'x=y',
          ttlDeletes: undefined,
        },
      ],
    ],
  );
  // Each pair's tables are where the running task writes: its first destination, then each fan-out target.
  const sides = buildTaskSides(task.flags, {});
  const located = pairs.map((p) => buildTaskSides(p.tables, {}).destination);
  assert.deepEqual(located, [sides.destination, ...sides.fanOut.map((t) => t.destination)]);
  assert.deepEqual(located[1]?.credentials, { roleArn: 'arn:aws:iam::222222222222:role/w' });
});
