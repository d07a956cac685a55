import assert from 'node:assert/strict';
import { test } from 'node:test';
import { identityPolicies, type PolicyTask } from './identity-policies.js';
import { policyAllows } from './policy-allows.js';

/** A two-way pair as policy --two-way builds it: A→B with A's credentials, B→A through a role of B's account. */
function direction(side: 'a' | 'b'): PolicyTask {
  const a = { region: 'eu-west-1', table: 'orders' };
  const b = { region: 'us-east-1', table: 'orders' };
  const credsA = { profile: undefined, roleArn: undefined, externalId: undefined };
  const credsB = { profile: undefined, roleArn: 'arn:aws:iam::222222222222:role/b', externalId: undefined };
  const lease = (d: string) => `DynamoDBCrossRegionReplicationpair.${d}`;
  const [own, other] = side === 'a' ? ['a-b', 'b-a'] : ['b-a', 'a-b'];
  return {
    setup: 'role',
    features: ['two-way'],
    sourceRegion: side === 'a' ? a.region : b.region,
    tables: {
      source: side === 'a' ? a : b,
      destination: side === 'a' ? b : a,
      lease: { region: side === 'a' ? a.region : b.region, table: lease(own) },
    },
    otherLeaseTable: lease(other),
    credentials:
      side === 'a'
        ? { source: credsA, destination: credsB, lease: credsA }
        : { source: credsB, destination: credsA, lease: credsB },
    accounts:
      side === 'a'
        ? { source: '111111111111', destination: '222222222222' }
        : { source: '222222222222', destination: '111111111111' },
    identities: new Map(),
  };
}

const arn = (region: string, account: string, table: string) =>
  `arn:aws:dynamodb:${region}:${account}:table/${table}`;
const A = (table: string) => arn('eu-west-1', '111111111111', table);
const B = (table: string) => arn('us-east-1', '222222222222', table);

test("each side's identity gets what both directions call on that side, and nothing on the other", () => {
  const policies = identityPolicies([direction('a'), direction('b')]);
  const identity = (name: string) => {
    const found = policies.find((p) => p.kind === 'identity' && p.name === name);
    assert.ok(found, name);
    return found.document;
  };
  const sides = [
    { doc: identity('replicator'), table: A, lease: 'pair.a-b', other: B },
    { doc: identity('source-role'), table: B, lease: 'pair.b-a', other: A },
  ];
  for (const { doc, table, lease, other } of sides) {
    const ours = (suffix: string) => table(`DynamoDBCrossRegionReplication${lease}${suffix}`);
    for (const action of ['UpdateItem', 'DeleteItem', 'GetItem', 'PutItem', 'DescribeTable']) {
      assert.ok(policyAllows(doc, `dynamodb:${action}`, table('orders')), `${action} on its table`);
    }
    // The transaction's put on this side checks this side's tombstone.
    for (const action of ['ConditionCheckItem', 'GetItem', 'UpdateItem', 'CreateTable', 'UpdateTimeToLive']) {
      assert.ok(policyAllows(doc, `dynamodb:${action}`, ours('-tombstones')), `${action} on its tombstones`);
    }
    for (const action of ['PutItem', 'Scan', 'CreateTable']) {
      assert.ok(policyAllows(doc, `dynamodb:${action}`, ours('-conflicts')), `${action} on its conflict log`);
    }
    assert.ok(policyAllows(doc, 'dynamodb:GetRecords', `${table('orders')}/stream/x`));
    assert.ok(policyAllows(doc, 'dynamodb:UpdateItem', ours('')), 'its lease table');
    // Two-way writes one item at a time, conditionally: never BatchWriteItem.
    assert.equal(policyAllows(doc, 'dynamodb:BatchWriteItem', table('orders')), false);
    assert.equal(policyAllows(doc, 'dynamodb:PutItem', other('orders')), false, 'nothing on the other side');
  }
});
