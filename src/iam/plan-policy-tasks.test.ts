import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTaskSides } from '../config/replication-config.js';
import { defaultTaskName, leaseTableName } from '../config/task-name.js';
import { ConfigError } from '../errors/replicator-error.js';
import { parsePlan } from '../plan/parse-plan.js';
import { planTasks } from '../plan/plan-tasks.js';
import {
  planPolicyTasks,
  resolvedPolicyTasks,
  type PlanPolicyOptions,
  type PlanPolicyTask,
} from './plan-policy-tasks.js';

const ENV = {};
const OPTIONS: PlanPolicyOptions = {
  env: ENV,
  bootstrap: false,
  createDestTable: false,
  copyTags: false,
  features: [],
};
const ROLE = 'arn:aws:iam::222222222222:role/writer';
const LEASE_ROLE = 'arn:aws:iam::333333333333:role/leases';

function tasksOf(yaml: string, options: Partial<PlanPolicyOptions> = {}): PlanPolicyTask[] {
  return planPolicyTasks(parsePlan(yaml, 'p.yaml'), { ...OPTIONS, ...options });
}

/** The one line a refused plan ends with. */
function refusal(yaml: string, options: Partial<PlanPolicyOptions> = {}): string {
  try {
    tasksOf(yaml, options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return assert.fail('the plan was accepted');
}

const HEAD = `defaults:
  source: { region: us-east-1 }
  destination: { region: eu-west-1 }
replications:
`;

test('a named pair is the task replicate runs for it: same tables, task name and lease table', () => {
  const [task, ...rest] = tasksOf(
    `${HEAD}  - source: { table: orders }\n    destination: { table: orders-dr }\n`,
  );
  assert.deepEqual(rest, []);
  assert.equal(task?.selectedBy, 'name');
  assert.equal(task.label, 'replications[0] (source orders)');
  const plain = buildTaskSides(
    { sourceTable: 'orders', sourceRegion: 'us-east-1', destTable: 'orders-dr', destRegion: 'eu-west-1' },
    ENV,
  );
  assert.deepEqual(task.sides, plain);
  assert.deepEqual(task.tables, {
    source: { region: 'us-east-1', table: 'orders' },
    destination: { region: 'eu-west-1', table: 'orders-dr' },
    lease: {
      region: 'us-east-1',
      table: leaseTableName(defaultTaskName('us-east-1', 'orders', 'eu-west-1', 'orders-dr')),
    },
  });
  assert.equal(task.sourceAccount, undefined);
  assert.deepEqual(task.features, []);
  assert.equal(task.leaseByPrefix, false);
});

test('a source named by ARN: its name, region and account', () => {
  const [task] = tasksOf(
    `replications:\n  - source: { table: "arn:aws:dynamodb:ap-south-1:444444444444:table/ledger" }\n    destination: { table: ledger }\n`,
  );
  assert.deepEqual(task?.tables.source, { region: 'ap-south-1', table: 'ledger' });
  assert.equal(task.sourceAccount, '444444444444');
  assert.equal(task.tables.destination.region, 'ap-south-1', 'the destination region defaults to the source');
});

test('a glob: its pattern, the {name} template filled with it, the lease tables by prefix', () => {
  const [task, ...rest] = tasksOf(
    `${HEAD}  - source: { table: "audit-*", exclude: ["audit-tmp-*"] }\n    destination: { table: "{name}-copy" }\n`,
  );
  assert.deepEqual(rest, []);
  assert.equal(task?.selectedBy, 'glob');
  assert.equal(task.label, 'replications[0] (source audit-*)');
  assert.deepEqual(task.tables, {
    source: { region: 'us-east-1', table: 'audit-*' },
    destination: { region: 'eu-west-1', table: 'audit-*-copy' },
    lease: { region: 'us-east-1', table: 'DynamoDBCrossRegionReplication*' },
  });
  assert.equal(task.leaseByPrefix, true);
  assert.equal(task.sides.taskName, '*');
  assert.deepEqual(task.features, ['plan-glob']);
});

test("a glob's taskName with {name} narrows its lease tables to the pattern", () => {
  const [task] = tasksOf(
    `${HEAD}  - source: { table: "audit-*" }\n    destination: { table: "dr-{name}" }\n    taskName: "{name}-repl"\n`,
  );
  assert.equal(task?.tables.destination.table, 'dr-audit-*');
  assert.equal(task.tables.lease.table, 'DynamoDBCrossRegionReplicationaudit-*-repl');
  assert.equal(task.sides.taskName, 'audit-*-repl');
  assert.equal(task.leaseByPrefix, false);
});

test('a glob with alternatives: one task per pattern, each with its own destination; a class is one character', () => {
  const tasks = tasksOf(
    `${HEAD}  - source: { table: "app-{eu,us}-[0-9]*" }\n    destination: { table: "{name}", region: ap-south-1 }\n`,
  );
  assert.deepEqual(
    tasks.map((t) => [t.label, t.tables.source.table, t.tables.destination.table]),
    [
      ['replications[0] (source app-{eu,us}-[0-9]*)', 'app-eu-?*', 'app-eu-?*'],
      ['replications[0] (source app-{eu,us}-[0-9]*)', 'app-us-?*', 'app-us-?*'],
    ],
  );
});

test("each task's features: the entry's own, the command line's for every task", () => {
  const yaml = `defaults:
  source: { region: us-east-1 }
  enableStream: true
replications:
  - source: { table: plain }
    destination: { table: plain-dr }
    enableStream: null
  - source: { table: copied }
    destination: { table: copied-dr, createTable: true, copyTags: true }
    bootstrap: true
  - source: { table: "g-*" }
    destination: { table: "{name}-dr", createTable: true }
`;
  assert.deepEqual(
    tasksOf(yaml).map((t) => t.features),
    [
      [],
      ['bootstrap', 'create-dest-table', 'copy-tags', 'enable-stream'],
      ['create-dest-table', 'plan-glob', 'enable-stream'],
    ],
  );
  assert.deepEqual(
    tasksOf(yaml, { bootstrap: true, createDestTable: true, features: ['verify', 'repair'] }).map(
      (t) => t.features,
    ),
    [
      ['verify', 'repair', 'bootstrap', 'create-dest-table'],
      ['verify', 'repair', 'bootstrap', 'create-dest-table', 'copy-tags', 'enable-stream'],
      ['verify', 'repair', 'bootstrap', 'create-dest-table', 'plan-glob', 'enable-stream'],
    ],
  );
  assert.deepEqual(
    tasksOf(yaml, { createDestTable: true, copyTags: true }).map((t) => t.features.includes('copy-tags')),
    [true, true, true],
  );
});

test("each side's credentials and region as replicate takes them: the lease table follows the source", () => {
  const [named, glob] = tasksOf(`defaults:
  source: { region: us-east-1, profile: src }
  destination: { region: eu-west-1, roleArn: "${ROLE}", externalId: ext-1 }
replications:
  - source: { table: orders }
    destination: { table: orders }
  - source: { table: "g-*" }
    destination: { table: "{name}" }
    lease: { region: us-west-2, roleArn: "${LEASE_ROLE}" }
`);
  assert.deepEqual(named?.sides.source.credentials, { profile: 'src' });
  assert.deepEqual(named.sides.destination.credentials, { roleArn: ROLE, externalId: 'ext-1' });
  assert.deepEqual(named.sides.lease.credentials, { profile: 'src' });
  assert.deepEqual(glob?.sides.lease.credentials, { roleArn: LEASE_ROLE });
  assert.equal(glob.tables.lease.region, 'us-west-2');
  assert.equal(glob.tables.destination.region, 'eu-west-1');
});

test('a plan the commands refuse is refused, one line in its own words, a glob named by its glob', () => {
  assert.equal(
    refusal(`replications:\n  - source: { table: "audit-*" }\n    destination: { table: "{name}-copy" }\n`),
    "plan p.yaml: replications[0] (source audit-*): missing source.region: name the region whose tables the glob selects from (or set AWS_REGION, or a region in source.profile's profile)",
  );
  assert.equal(
    refusal(
      `${HEAD}  - source: { table: "audit-*" }\n    destination: { table: "{name}", region: us-east-1 }\n`,
    ),
    'plan p.yaml: replications[0] (source audit-*): destination.table audit-* is the source table itself (same region, endpoint and credentials): name another table',
  );
  assert.match(
    refusal(
      `${HEAD}  - source: { table: aa1 }\n    destination: { table: same }\n  - source: { table: aa2 }\n    destination: { table: same }\n`,
    ),
    /^plan p\.yaml: replications\[0\] \(source aa1\) and replications\[1\] \(source aa2\) both write destination table same/,
  );
  assert.match(
    refusal(`${HEAD}  - source: { table: "g-*" }\n    destination: { table: "{name}", roleArn: nope }\n`),
    /^plan p\.yaml: replications\[0\] \(source g-\*\): destination\.roleArn "nope" is not an IAM role ARN/,
  );
  assert.equal(
    refusal(`${HEAD}  - source: { table: orders }\n    destination: { table: orders }\n`, { copyTags: true }),
    'plan p.yaml: replications[0] (source orders): --copy-tags only applies to a table that createTable creates: add destination.createTable to the entry (or pass --create-dest-table), or leave --copy-tags out',
  );
  assert.equal(
    refusal(`${HEAD}  - source: { table: orders }\n    destination: { table: orders, copyTags: true }\n`),
    'plan p.yaml: replications[0] (source orders): destination.copyTags only applies to a table that destination.createTable creates: add destination.createTable, or leave destination.copyTags out',
  );
});

test('resolved tasks (with a listing) are the tasks resolvePlan makes, each labelled with its table', () => {
  const plan = parsePlan(
    `${HEAD}  - source: { table: orders }\n    destination: { table: orders }\n  - source: { table: "g-*", exclude: [g-tmp] }\n    destination: { table: "{name}-dr" }\n    enableStream: true\n`,
    'p.yaml',
  );
  const listed = planTasks(plan, () => ['g-1', 'g-tmp', 'h-1', 'g-2'], { env: ENV }).tasks;
  const tasks = resolvedPolicyTasks(plan, listed, OPTIONS);
  assert.deepEqual(
    tasks.map((t) => [t.label, t.tables.source.table, t.tables.destination.table, t.features]),
    [
      ['replications[0] (source orders)', 'orders', 'orders', []],
      ['replications[1] (source g-1, selected by g-*)', 'g-1', 'g-1-dr', ['plan-glob', 'enable-stream']],
      ['replications[1] (source g-2, selected by g-*)', 'g-2', 'g-2-dr', ['plan-glob', 'enable-stream']],
    ],
  );
  assert.equal(
    tasks[1]?.tables.lease.table,
    leaseTableName(defaultTaskName('us-east-1', 'g-1', 'eu-west-1', 'g-1-dr')),
  );
});

test("a fan-out: each further destination with its table, credentials and createTable features; a glob's by its pattern", () => {
  const yaml = `${HEAD}  - source: { table: orders }
    destinations:
      - { table: orders-a }
      - { table: orders-b, region: us-west-2, roleArn: "${ROLE}", createTable: true, copyTags: true }
    bootstrap: true
  - source: { table: "g-*" }
    destinations: [{ table: "{name}-a" }, { table: "x-{name}" }]
`;
  const [named, glob] = tasksOf(yaml);
  assert.equal(named?.tables.destination.table, 'orders-a');
  assert.deepEqual(named.features, ['bootstrap']);
  assert.deepEqual(named.fanOut, [
    {
      table: { region: 'us-west-2', table: 'orders-b' },
      credentials: { roleArn: ROLE },
      features: ['bootstrap', 'create-dest-table', 'copy-tags'],
    },
  ]);
  assert.equal(glob?.tables.destination.table, 'g-*-a');
  assert.deepEqual(glob.fanOut, [
    { table: { region: 'eu-west-1', table: 'x-g-*' }, credentials: {}, features: ['plan-glob'] },
  ]);
  // The command line's --create-dest-table creates every destination, as replicate --plan does.
  const created = tasksOf(yaml, { createDestTable: true });
  assert.deepEqual(
    created.map((t) => [t.features.includes('create-dest-table'), t.fanOut.map((d) => d.features)]),
    [
      [true, [['bootstrap', 'create-dest-table', 'copy-tags']]],
      [true, [['plan-glob', 'create-dest-table']]],
    ],
  );
});
