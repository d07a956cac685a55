import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  actionsFor,
  BASE_FEATURES,
  IAM_FEATURES,
  IAM_PERMISSIONS,
  IAM_RESOURCES,
  permissionsFor,
} from './iam-permissions.js';

test('every permission is one named action, never a wildcard, with a reason and a feature', () => {
  for (const p of IAM_PERMISSIONS) {
    assert.match(p.action, /^dynamodb:[A-Z][A-Za-z]+$/, p.action);
    assert.ok(!p.action.includes('*'), p.action);
    assert.ok(p.features.length > 0, `${p.action} on ${p.resource} is needed by nothing`);
    assert.ok(p.why.length > 10, `${p.action} on ${p.resource} says why`);
  }
});

test('each action appears once per resource', () => {
  const seen = new Set<string>();
  for (const p of IAM_PERMISSIONS) {
    const key = `${p.resource} ${p.action}`;
    assert.ok(!seen.has(key), `${key} twice`);
    seen.add(key);
  }
});

test('each feature and each resource has permissions; the base covers every resource of a task', () => {
  for (const feature of IAM_FEATURES) {
    assert.ok(
      IAM_PERMISSIONS.some((p) => p.features.includes(feature)),
      `${feature} has no permission`,
    );
  }
  // The table list is a plan's alone: only its globs list tables; the dead-letter table only --on-reject
  // dead-letter's; the spool table only a bootstrap copy's.
  const twoWayOnly: readonly string[] = [
    'source-tombstone-table',
    'destination-tombstone-table',
    'conflict-table',
  ];
  const optional: readonly string[] = ['table-list', 'dead-letter-table', 'spool-table', ...twoWayOnly];
  for (const resource of twoWayOnly) {
    const features = IAM_PERMISSIONS.filter((p) => p.resource === resource).flatMap((p) => p.features);
    assert.ok(
      features.length > 0 && features.every((f) => f === 'two-way'),
      `${resource} is two-way's alone`,
    );
  }
  for (const resource of IAM_RESOURCES.filter((r) => !optional.includes(r))) {
    assert.ok(actionsFor(BASE_FEATURES, resource).length > 0, `${resource} has nothing in the base`);
  }
  assert.deepEqual(actionsFor(BASE_FEATURES, 'table-list'), []);
  assert.deepEqual(actionsFor(BASE_FEATURES, 'dead-letter-table'), []);
  assert.deepEqual(
    IAM_PERMISSIONS.filter((p) => p.resource === 'dead-letter-table').flatMap((p) => p.features),
    IAM_PERMISSIONS.filter((p) => p.resource === 'dead-letter-table').map(() => 'dead-letter'),
    'the dead-letter table is --on-reject dead-letter’s alone',
  );
  assert.deepEqual(
    IAM_PERMISSIONS.filter((p) => p.resource === 'spool-table').flatMap((p) => p.features),
    IAM_PERMISSIONS.filter((p) => p.resource === 'spool-table').map(() => 'bootstrap'),
    'the spool table is a bootstrap copy’s alone',
  );
});

test('what the commands call: the actions the code sends, per resource', () => {
  // The list the README's table shows, spelled out once more so that a change to it is a deliberate one.
  assert.deepEqual(actionsFor(['replicate'], 'source-table'), ['dynamodb:DescribeTable']);
  assert.deepEqual(actionsFor(['replicate'], 'source-stream'), [
    'dynamodb:DescribeStream',
    'dynamodb:GetShardIterator',
    'dynamodb:GetRecords',
  ]);
  assert.deepEqual(actionsFor(['replicate'], 'destination-table'), [
    'dynamodb:DescribeTable',
    'dynamodb:BatchWriteItem',
  ]);
  assert.deepEqual(actionsFor(['replicate'], 'lease-table'), [
    'dynamodb:CreateTable',
    'dynamodb:DescribeTable',
    'dynamodb:Scan',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ]);
  assert.deepEqual(actionsFor(['status'], 'lease-table'), ['dynamodb:DescribeTable', 'dynamodb:Scan']);
  assert.deepEqual(actionsFor(['status'], 'source-table'), []);
  assert.deepEqual(actionsFor(['bootstrap'], 'lease-table'), [
    'dynamodb:Scan',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:GetItem',
  ]);
  // Spool mode (src/spool/): the spool table is created, written, scanned, read again and deleted by a copy.
  assert.deepEqual(actionsFor(['bootstrap'], 'spool-table'), [
    'dynamodb:CreateTable',
    'dynamodb:DescribeTable',
    'dynamodb:BatchWriteItem',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:DeleteTable',
  ]);
  assert.deepEqual(actionsFor(['replicate'], 'spool-table'), []);
  assert.deepEqual(actionsFor(['verify'], 'destination-table'), [
    'dynamodb:DescribeTable',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
  ]);
  assert.deepEqual(actionsFor(['verify'], 'lease-table'), [], 'verify keeps no leases');
  assert.deepEqual(actionsFor(['repair'], 'destination-table'), ['dynamodb:BatchWriteItem']);
  assert.deepEqual(actionsFor(['create-dest-table'], 'source-table'), ['dynamodb:DescribeTimeToLive']);
  assert.deepEqual(actionsFor(['create-dest-table'], 'destination-table'), [
    'dynamodb:DescribeTable',
    'dynamodb:CreateTable',
    'dynamodb:UpdateTimeToLive',
    'dynamodb:DescribeTimeToLive',
  ]);
  assert.deepEqual(actionsFor(['copy-tags'], 'source-table'), ['dynamodb:ListTagsOfResource']);
  assert.deepEqual(actionsFor(['copy-tags'], 'destination-table'), ['dynamodb:TagResource']);
  // A plan's own: resolvePlan lists tables for its globs, checkStreams looks at (and enableStream turns on) streams.
  assert.deepEqual(actionsFor(['plan-glob'], 'table-list'), ['dynamodb:ListTables']);
  assert.deepEqual(actionsFor(['plan-glob'], 'source-table'), ['dynamodb:DescribeTable']);
  assert.deepEqual(actionsFor(['enable-stream'], 'source-table'), [
    'dynamodb:DescribeTable',
    'dynamodb:UpdateTable',
  ]);
  for (const resource of IAM_RESOURCES.filter((r) => r !== 'source-table' && r !== 'table-list')) {
    assert.deepEqual(actionsFor(['plan-glob', 'enable-stream'], resource), [], resource);
  }
  // --on-reject dead-letter (dead-letter-store.ts): a worker creates and describes the table (ensureTable), counts
  // it (Scan COUNT), puts refused changes, queries a key (hasKey) and scans its keys when a shard starts;
  // `dead-letters` describes it (exists), list/purge scan it (all), replay scans keys and queries each (ofKey),
  // replay and purge delete; status counts it (Scan COUNT). Replay also writes to the destination after reading
  // its key schema, and with rules the source's description.
  assert.deepEqual(actionsFor(['dead-letter'], 'dead-letter-table'), [
    'dynamodb:CreateTable',
    'dynamodb:DescribeTable',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:DeleteItem',
  ]);
  assert.deepEqual(actionsFor(['dead-letter'], 'destination-table'), [
    'dynamodb:DescribeTable',
    'dynamodb:BatchWriteItem',
  ]);
  assert.deepEqual(actionsFor(['dead-letter'], 'source-table'), ['dynamodb:DescribeTable']);
  assert.deepEqual(actionsFor(['dead-letter'], 'lease-table'), [], 'dead-letters reads no lease');
  for (const resource of ['source-stream', 'table-list'] as const) {
    assert.deepEqual(actionsFor(['dead-letter'], resource), [], resource);
  }
  for (const feature of IAM_FEATURES.filter((f) => f !== 'dead-letter')) {
    assert.deepEqual(actionsFor([feature], 'dead-letter-table'), [], feature);
  }
});

test('permissionsFor keeps the list order and takes a permission once for several features', () => {
  const both = permissionsFor(['bootstrap', 'verify'], 'source-table');
  assert.deepEqual(
    both.map((p) => p.action),
    ['dynamodb:DescribeTable', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:GetItem'],
  );
  assert.deepEqual(permissionsFor([], 'source-table'), []);
});
