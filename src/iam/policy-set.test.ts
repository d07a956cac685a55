import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialSource } from '../config/credential-source.js';
import { deadLetterTableName } from '../deadletter/dead-letter-item.js';
import { parseStreamArn } from './aws-arns.js';
import {
  actionsFor,
  BASE_FEATURES,
  IAM_RESOURCES,
  type IamFeature,
  type IamResource,
} from './iam-permissions.js';
import { policyAllows } from './policy-allows.js';
import { policySet, type PolicyInputs, type PolicySet, type PrintedPolicy } from './policy-set.js';
import { PLACEHOLDERS, POLICY_SETUPS, type CallerIdentity, type PolicySide } from './side-accounts.js';

const SESSION: CallerIdentity = {
  account: '111111111111',
  arn: 'arn:aws:sts::111111111111:assumed-role/ops/alice',
};
const DEST_ROLE = 'arn:aws:iam::222222222222:role/writer';
const SOURCE_ROLE = 'arn:aws:iam::111111111111:role/reader';
const LEASE_ROLE = 'arn:aws:iam::333333333333:role/leases';

function inputs(overrides: Partial<PolicyInputs> = {}): PolicyInputs {
  return {
    setup: 'role',
    features: [],
    sourceRegion: 'us-east-1',
    tables: {
      source: { region: 'us-east-1', table: 'orders' },
      destination: { region: 'eu-west-1', table: 'orders-copy' },
      lease: { region: 'us-east-1', table: 'DynamoDBCrossRegionReplicationtask1' },
    },
    credentials: { source: {}, destination: {}, lease: {} },
    accounts: {},
    identities: new Map(),
    ...overrides,
  };
}

/** The flag combinations `policy` accepts (--copy-tags only with --create-dest-table). */
const FEATURE_SETS: readonly (readonly IamFeature[])[] = [
  [],
  ['bootstrap'],
  ['verify', 'repair'],
  ['create-dest-table'],
  ['create-dest-table', 'copy-tags'],
  ['bootstrap', 'verify', 'repair'],
  ['bootstrap', 'verify', 'repair', 'create-dest-table', 'copy-tags'],
  ['dead-letter'],
  ['bootstrap', 'verify', 'repair', 'create-dest-table', 'copy-tags', 'dead-letter'],
];

const CREDENTIALS: readonly Record<PolicySide, CredentialSource>[] = [
  { source: {}, destination: {}, lease: {} },
  { source: {}, destination: { roleArn: DEST_ROLE, externalId: 'ext-1' }, lease: {} },
  { source: {}, destination: { roleArn: DEST_ROLE }, lease: {} },
  { source: { roleArn: SOURCE_ROLE }, destination: { roleArn: DEST_ROLE }, lease: { roleArn: SOURCE_ROLE } },
  { source: {}, destination: { profile: 'dest' }, lease: { roleArn: LEASE_ROLE } },
  {
    source: { profile: 'src' },
    destination: { profile: 'src', roleArn: DEST_ROLE },
    lease: { profile: 'lease' },
  },
  { source: { roleArn: DEST_ROLE }, destination: { roleArn: DEST_ROLE }, lease: { roleArn: DEST_ROLE } },
];

const IDENTITIES: readonly ReadonlyMap<string, CallerIdentity>[] = [
  new Map(),
  new Map([['default', SESSION]]),
];

function* everySet(): Generator<{ inputs: PolicyInputs; set: PolicySet }> {
  for (const setup of POLICY_SETUPS) {
    for (const features of FEATURE_SETS) {
      for (const credentials of CREDENTIALS) {
        for (const identities of IDENTITIES) {
          for (const accounts of [{}, { source: '777777777777', destination: '888888888888' }]) {
            const given = inputs({ setup, features, credentials, identities, accounts });
            yield { inputs: given, set: policySet(given) };
          }
        }
      }
    }
  }
}

const SIDE_OF: Record<IamResource, PolicySide> = {
  'source-table': 'source',
  'source-stream': 'source',
  'destination-table': 'destination',
  'lease-table': 'lease',
  'dead-letter-table': 'lease',
  'spool-table': 'lease',
  'source-tombstone-table': 'source',
  'destination-tombstone-table': 'destination',
  'conflict-table': 'lease',
  'table-list': 'source',
};

/** The identity policy of whoever acts on a side: its role's, else its base credentials'. */
function actingPolicy(given: PolicyInputs, set: PolicySet, side: PolicySide): PrintedPolicy {
  const name = policyName(given, side);
  const found = set.policies.find((p) => p.kind === 'identity' && p.name === name);
  assert.ok(found, `no identity policy ${name} for the ${side} side`);
  return found;
}

/** replicator (the source's base credentials), <side>-credentials (others), <first side>-role (a role). */
function policyName(given: PolicyInputs, side: PolicySide): string {
  const sides = ['source', 'destination', 'lease'] as const;
  const { roleArn, profile } = given.credentials[side];
  if (roleArn !== undefined) return `${sides.find((s) => given.credentials[s].roleArn === roleArn)}-role`;
  const first = sides.find((s) => given.credentials[s].profile === profile);
  return first === 'source' ? 'replicator' : `${first}-credentials`;
}

/**
 * The ARN (or pattern) the set declares for a resource; the dead-letter table, declared only with the feature,
 * else where it would be (beside the lease table), for checking that nothing names it.
 */
function declaredArn(set: PolicySet, resource: IamResource): string {
  const r = set.resources;
  return {
    'source-table': r.sourceTable,
    'source-stream': r.sourceStream,
    'destination-table': r.destinationTable,
    'lease-table': r.leaseTable,
    'dead-letter-table':
      r.deadLetterTable ??
      r.leaseTable.replace(/table\/(.+)$/, (_, t: string) => `table/${deadLetterTableName(t)}`),
    'spool-table': r.spoolTable ?? r.leaseTable.replace(/table\/(.+)$/, (_, t: string) => `table/${t}-spool`),
    // Granted only with the two-way feature (none of these inputs asks for it): where they would be.
    'source-tombstone-table':
      r.tombstoneTable ?? r.leaseTable.replace(/table\/(.+)$/, (_, t: string) => `table/${t}-tombstones`),
    'destination-tombstone-table': r.otherSideTombstoneTable ?? '(no other side)',
    'conflict-table':
      r.conflictTable ?? r.leaseTable.replace(/table\/(.+)$/, (_, t: string) => `table/${t}-conflicts`),
    'table-list': '*',
  }[resource];
}

/** An ARN a request names: for the stream, one stream of the table. */
function resourceOf(set: PolicySet, resource: IamResource): string {
  const arn = declaredArn(set, resource);
  return resource === 'source-stream' ? arn.replace(/\*$/, '2024-02-12T18:57:26.492') : arn;
}

test('no "*" resource and no wildcard action in any document, whatever the flags', () => {
  for (const { set } of everySet()) {
    for (const policy of set.policies) {
      for (const statement of policy.document.Statement) {
        const resources = [statement.Resource ?? []].flat();
        for (const resource of resources) {
          assert.notEqual(resource, '*', `${policy.name} ${statement.Sid}`);
          assert.match(resource, /^arn:aws(-[a-z-]+)?:(dynamodb|iam):/, `${policy.name} ${statement.Sid}`);
        }
        for (const action of statement.Action) {
          assert.ok(!action.includes('*'), `${policy.name}: ${action}`);
          assert.match(action, /^(dynamodb|sts):[A-Z][A-Za-z]+$/);
        }
        assert.match(statement.Sid, /^[A-Za-z0-9]+$/);
        assert.equal(statement.Effect, 'Allow');
        assert.ok(statement.Action.length > 0, `${policy.name} ${statement.Sid} has no action`);
      }
      const sids = policy.document.Statement.map((s) => s.Sid);
      assert.equal(new Set(sids).size, sids.length, `${policy.name}: Sids repeat`);
      if (policy.kind === 'identity') {
        assert.ok(policy.document.Statement.every((s) => s.Principal === undefined));
      } else {
        assert.ok(policy.document.Statement.every((s) => s.Principal !== undefined));
      }
    }
  }
});

test('whoever acts on a side is allowed exactly what the features need there, on the exact ARN', () => {
  for (const { inputs: given, set } of everySet()) {
    const features = [...BASE_FEATURES, ...given.features];
    // The table list is a plan's alone (plan-policy-set.test.ts).
    for (const resource of IAM_RESOURCES.filter((r) => r !== 'table-list')) {
      const side = SIDE_OF[resource];
      const policy = actingPolicy(given, set, side);
      const arn = resourceOf(set, resource);
      for (const action of actionsFor(features, resource)) {
        assert.ok(policyAllows(policy.document, action, arn), `${policy.name}: ${action} on ${arn}`);
      }
      const granted = set.policies
        .filter((p) => p.kind === 'identity')
        .flatMap((p) => p.document.Statement)
        .filter((s) => [s.Resource].flat().includes(declaredArn(set, resource)))
        .flatMap((s) => s.Action);
      const holders = set.policies.filter(
        (p) =>
          p.kind === 'identity' &&
          p.document.Statement.some((s) => [s.Resource].flat().includes(declaredArn(set, resource))),
      );
      assert.deepEqual(
        holders.map((p) => p.name),
        actionsFor(features, resource).length === 0 ? [] : [policy.name],
        `${resource}: only whoever acts on it`,
      );
      assert.deepEqual(
        [...new Set(granted)].sort(),
        [...actionsFor(features, resource)].sort(),
        `${resource}: nothing more than its actions`,
      );
    }
  }
});

const SIDS: Record<IamResource, string> = {
  'source-table': 'SourceTable',
  'source-stream': 'SourceStream',
  'destination-table': 'DestinationTable',
  'lease-table': 'LeaseTable',
  'dead-letter-table': 'DeadLetterTable',
  'spool-table': 'SpoolTable',
  'source-tombstone-table': 'Tombstones',
  'destination-tombstone-table': 'OtherSideTombstones',
  'conflict-table': 'ConflictLog',
  'table-list': 'ListTables',
};

test('each feature adds exactly its actions', () => {
  const base = policySet(inputs());
  const actionsOf = (set: PolicySet, resource: IamResource): Set<string> =>
    new Set(
      set.policies
        .flatMap((p) => p.document.Statement)
        .filter((s) => s.Sid === SIDS[resource])
        .flatMap((s) => s.Action),
    );
  for (const features of FEATURE_SETS) {
    const set = policySet(inputs({ features }));
    for (const resource of IAM_RESOURCES) {
      const added = [...actionsOf(set, resource)].filter((a) => !actionsOf(base, resource).has(a));
      const expected = actionsFor(features, resource).filter(
        (a) => !actionsFor(BASE_FEATURES, resource).includes(a),
      );
      assert.deepEqual(added.sort(), expected.sort(), `${features.join('+') || 'base'} on ${resource}`);
    }
  }
  assert.deepEqual(
    [...actionsOf(policySet(inputs({ features: ['bootstrap'] })), 'lease-table')].filter(
      (a) => !actionsOf(base, 'lease-table').has(a),
    ),
    ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem'],
  );
  assert.deepEqual(
    [...actionsOf(policySet(inputs({ features: ['verify', 'repair'] })), 'destination-table')].filter(
      (a) => !actionsOf(base, 'destination-table').has(a),
    ),
    ['dynamodb:Scan', 'dynamodb:BatchGetItem'],
  );
});

test('--on-reject dead-letter: the dead-letter table beside the lease table, with its credentials, only then', () => {
  const lease = { region: 'eu-central-1', table: 'DynamoDBCrossRegionReplicationtask1' };
  const tables = { ...inputs().tables, lease };
  const credentials = { source: {}, destination: { roleArn: DEST_ROLE }, lease: { roleArn: LEASE_ROLE } };
  const without = policySet(inputs({ tables, credentials }));
  assert.equal(without.resources.deadLetterTable, undefined);
  assert.ok(
    !JSON.stringify(without.policies.map((p) => p.document)).includes('dead-letters'),
    'no statement names the dead-letter table',
  );
  assert.ok(without.policies.every((p) => p.document.Statement.every((s) => s.Sid !== 'DeadLetterTable')));
  const leaseOnly = (set: PolicySet) => set.policies.find((p) => p.attachTo === `role ${LEASE_ROLE}`);
  const withDefault = policySet(inputs({ tables, credentials, features: ['dead-letter'] }));
  const arn = `arn:aws:dynamodb:eu-central-1:333333333333:table/${deadLetterTableName(lease.table)}`;
  assert.equal(withDefault.resources.deadLetterTable, arn);
  assert.equal(
    arn,
    'arn:aws:dynamodb:eu-central-1:333333333333:table/DynamoDBCrossRegionReplicationtask1-dead-letters',
  );
  const statement = leaseOnly(withDefault)?.document.Statement.find((s) => s.Sid === 'DeadLetterTable');
  assert.deepEqual(statement, {
    Sid: 'DeadLetterTable',
    Effect: 'Allow',
    Action: [
      'dynamodb:CreateTable',
      'dynamodb:DescribeTable',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:DeleteItem',
    ],
    Resource: arn,
  });
  assert.ok(withDefault.notes.some((n) => n.includes('dead-letter table can be left out')));
  const named = policySet(
    inputs({ tables, credentials, features: ['dead-letter'], deadLetterTable: 'refused-orders' }),
  );
  assert.equal(
    named.resources.deadLetterTable,
    'arn:aws:dynamodb:eu-central-1:333333333333:table/refused-orders',
  );
  assert.deepEqual(
    leaseOnly(named)?.document.Statement.find((s) => s.Sid === 'DeadLetterTable')?.Resource,
    named.resources.deadLetterTable,
  );
  // The other sides get nothing of it.
  for (const policy of named.policies.filter((p) => p.attachTo !== `role ${LEASE_ROLE}`)) {
    assert.ok(!JSON.stringify(policy.document).includes('refused-orders'), policy.name);
  }
});

test('roles: the credentials assume exactly their roles, and each role trusts them', () => {
  for (const { inputs: given, set } of everySet()) {
    const roles = new Set(
      Object.values(given.credentials)
        .map((c) => c.roleArn)
        .filter((r) => r !== undefined),
    );
    const trusts = set.policies.filter((p) => p.kind === 'trust');
    assert.deepEqual(new Set(trusts.map((t) => t.attachTo.replace(/^role /, ''))), roles);
    const assumed = set.policies
      .flatMap((p) => p.document.Statement)
      .filter((s) => s.Sid === 'AssumeRoles')
      .flatMap((s) => [s.Resource ?? []].flat());
    assert.deepEqual(new Set(assumed), roles);
    for (const trust of trusts) {
      const [statement] = trust.document.Statement;
      assert.deepEqual(statement?.Action, ['sts:AssumeRole']);
      assert.equal(statement?.Resource, undefined, 'a trust policy names no resource');
    }
  }
});

test('trust policy: the external id is a condition where one is given, none where not', () => {
  const withId = policySet(
    inputs({
      credentials: { source: {}, destination: { roleArn: DEST_ROLE, externalId: 'ext-1' }, lease: {} },
    }),
  );
  const trust = withId.policies.find((p) => p.kind === 'trust');
  assert.deepEqual(trust?.document.Statement[0], {
    Sid: 'TrustReplicator',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${PLACEHOLDERS.source}:root` },
    Action: ['sts:AssumeRole'],
    Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' } },
  });
  const without = policySet(
    inputs({ credentials: { source: {}, destination: { roleArn: DEST_ROLE }, lease: {} } }),
  );
  const statement = without.policies.find((p) => p.kind === 'trust')?.document.Statement[0];
  assert.equal(statement?.Condition, undefined);
});

test('trust policy: the principal is the role of the session STS reported, else the account', () => {
  const credentials = { source: {}, destination: { roleArn: DEST_ROLE }, lease: {} };
  const principal = (set: PolicySet): unknown =>
    set.policies.find((p) => p.kind === 'trust')?.document.Statement[0]?.Principal?.AWS;
  assert.equal(
    principal(policySet(inputs({ credentials, identities: new Map([['default', SESSION]]) }))),
    'arn:aws:iam::111111111111:role/ops',
  );
  assert.equal(
    principal(policySet(inputs({ credentials, accounts: { source: '111111111111' } }))),
    'arn:aws:iam::111111111111:root',
  );
  const user = { account: '111111111111', arn: 'arn:aws:iam::111111111111:user/ci' };
  assert.equal(
    principal(policySet(inputs({ credentials, identities: new Map([['default', user]]) }))),
    'arn:aws:iam::111111111111:user/ci',
  );
  const session = policySet(inputs({ credentials, identities: new Map([['default', SESSION]]) }));
  assert.ok(
    session.notes.some((n) => n.includes('path')),
    'the note about role paths',
  );
});

test('the partition follows each table region, also in principals', () => {
  const set = policySet(
    inputs({
      sourceRegion: 'cn-north-1',
      tables: {
        source: { region: 'cn-north-1', table: 'orders' },
        destination: { region: 'cn-northwest-1', table: 'orders' },
        lease: { region: 'cn-north-1', table: 'DynamoDBCrossRegionReplicationx' },
      },
      credentials: { source: {}, destination: { roleArn: 'arn:aws-cn:iam::222222222222:role/w' }, lease: {} },
      accounts: { source: '111111111111' },
    }),
  );
  assert.deepEqual(set.resources, {
    sourceTable: 'arn:aws-cn:dynamodb:cn-north-1:111111111111:table/orders',
    sourceStream: 'arn:aws-cn:dynamodb:cn-north-1:111111111111:table/orders/stream/*',
    destinationTable: 'arn:aws-cn:dynamodb:cn-northwest-1:222222222222:table/orders',
    leaseTable: 'arn:aws-cn:dynamodb:cn-north-1:111111111111:table/DynamoDBCrossRegionReplicationx',
  });
  const trust = set.policies.find((p) => p.kind === 'trust');
  assert.equal(trust?.document.Statement[0]?.Principal?.AWS, 'arn:aws-cn:iam::111111111111:root');
});

test('resource-policy setup: the source table and its stream allow the identity that reads them', () => {
  const stream = 'arn:aws:dynamodb:us-east-1:111111111111:table/orders/stream/2024-02-12T18:57:26.492';
  for (const features of FEATURE_SETS) {
    const set = policySet(
      inputs({
        setup: 'resource-policy',
        features,
        identities: new Map([
          [
            'default',
            { account: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/replicator/i-1' },
          ],
        ]),
        sourceStreamArn: stream,
        streamAccount: parseStreamArn(stream)?.account,
      }),
    );
    const principal = 'arn:aws:iam::222222222222:role/replicator';
    const table = set.policies.find((p) => p.name === 'source-table-resource-policy');
    const onStream = set.policies.find((p) => p.name === 'source-stream-resource-policy');
    assert.ok(table !== undefined && onStream !== undefined);
    const all = [...BASE_FEATURES, ...features];
    for (const action of actionsFor(all, 'source-table')) {
      assert.ok(policyAllows(table.document, action, set.resources.sourceTable, principal), action);
    }
    for (const action of actionsFor(all, 'source-stream')) {
      assert.ok(policyAllows(onStream.document, action, stream, principal), action);
    }
    assert.deepEqual(table.document.Statement[0]?.Action, actionsFor(all, 'source-table'));
    assert.equal(onStream.document.Statement[0]?.Resource, stream, 'the stream exactly, no wildcard');
    assert.equal(set.resources.sourceTable, 'arn:aws:dynamodb:us-east-1:111111111111:table/orders');
    assert.equal(set.resources.destinationTable, 'arn:aws:dynamodb:eu-west-1:222222222222:table/orders-copy');
    assert.equal(set.resources.leaseTable.split(':')[4], '222222222222');
    assert.deepEqual(set.placeholders, {});
  }
  const role = policySet(inputs());
  assert.ok(
    role.policies.every((p) => p.kind !== 'resource'),
    'the role setup has no resource policies',
  );
});

test('placeholders: each one in the documents is explained, and only those', () => {
  for (const { set } of everySet()) {
    const text = JSON.stringify([set.resources, set.policies.map((p) => p.document)]);
    const found = new Set(text.match(/<[A-Z_]+>/g) ?? []);
    assert.deepEqual(new Set(Object.keys(set.placeholders)), found);
    for (const meaning of Object.values(set.placeholders)) assert.match(meaning, /--|credentials/);
  }
  const unknownStream = policySet(inputs({ setup: 'resource-policy' }));
  assert.match(
    unknownStream.placeholders[PLACEHOLDERS.streamLabel] ?? '',
    /describe-table --table-name orders/,
  );
});

test('documents are named for what they are, in a stable order', () => {
  const set = policySet(
    inputs({ credentials: { source: {}, destination: { roleArn: DEST_ROLE, externalId: 'e1' }, lease: {} } }),
  );
  assert.deepEqual(
    set.policies.map((p) => [p.name, p.kind]),
    [
      ['replicator', 'identity'],
      ['destination-role', 'identity'],
      ['destination-role-trust', 'trust'],
    ],
  );
  assert.deepEqual(
    set.policies[0]?.document.Statement.map((s) => s.Sid),
    ['SourceTable', 'SourceStream', 'LeaseTable', 'AssumeRoles'],
  );
});
