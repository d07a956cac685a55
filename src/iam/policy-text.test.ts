import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IAM_PERMISSIONS } from './iam-permissions.js';
import { policySet, type PolicyInputs } from './policy-set.js';
import { policyText } from './policy-text.js';

const INPUTS: PolicyInputs = {
  setup: 'role',
  features: ['bootstrap', 'verify', 'repair', 'create-dest-table', 'copy-tags'],
  sourceRegion: 'us-east-1',
  tables: {
    source: { region: 'us-east-1', table: 'orders' },
    destination: { region: 'eu-west-1', table: 'orders' },
    lease: { region: 'us-east-1', table: 'DynamoDBCrossRegionReplicationtask1' },
  },
  credentials: {
    source: {},
    destination: { roleArn: 'arn:aws:iam::222222222222:role/writer', externalId: 'ext-1' },
    lease: {},
  },
  accounts: {},
  identities: new Map(),
};

test('every statement of every document is explained, each action with why and for which feature', () => {
  const set = policySet(INPUTS);
  const text = policyText(set);
  for (const policy of set.policies) {
    assert.ok(text.includes(`${policy.name}: `), policy.name);
    for (const statement of policy.document.Statement) {
      assert.ok(text.includes(`   ${statement.Sid}: `), `${policy.name} ${statement.Sid}`);
      for (const action of statement.Action) assert.ok(text.includes(`     ${action} `), action);
    }
  }
  const covered = IAM_PERMISSIONS.filter((p) => p.features.some((f) => set.features.includes(f)));
  for (const permission of covered) assert.ok(text.includes(permission.why), permission.why);
  // A plan's own actions are not one task's.
  assert.doesNotMatch(text, /ListTables|UpdateTable/);
  assert.match(text, /dynamodb:ConditionCheckItem +records each shard's position .* \[bootstrap\]/);
  assert.match(text, /TrustReplicator: arn:aws:iam::<SOURCE_ACCOUNT_ID>:root/);
  assert.match(text, /only with the external id given/);
});

test('resources first, placeholders explained, notes last', () => {
  const text = policyText(policySet(INPUTS));
  const lines = text.split('\n');
  assert.equal(
    lines[0],
    'IAM policies for ddb-replicator (role setup; covers replicate, status, bootstrap, verify, repair, create-dest-table, copy-tags)',
  );
  assert.match(
    text,
    /\n {2}lease table +arn:aws:dynamodb:us-east-1:<SOURCE_ACCOUNT_ID>:table\/DynamoDBCrossRegionReplicationtask1\n/,
  );
  assert.match(
    text,
    /Placeholders \(replace them before applying the documents\):\n {2}<SOURCE_ACCOUNT_ID> +the source table's account/,
  );
  assert.ok(text.indexOf('Notes:') > text.indexOf('Placeholders'));
  assert.match(text, /\n {2}- dynamodb:CreateTable on the lease table can be left out/);
});

test('no placeholder section when every account is known', () => {
  const text = policyText(policySet({ ...INPUTS, accounts: { source: '111111111111' } }));
  assert.doesNotMatch(text, /Placeholders/);
  assert.doesNotMatch(text, /<[A-Z_]+>/);
});
