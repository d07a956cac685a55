import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialSource } from '../config/credential-source.js';
import {
  basePrincipal,
  baseKey,
  PLACEHOLDERS,
  sidePrincipal,
  tableAccounts,
  type AccountInputs,
  type CallerIdentity,
} from './side-accounts.js';

const DEFAULT: CredentialSource = {};
const DEST_ROLE: CredentialSource = { roleArn: 'arn:aws:iam::222222222222:role/writer', externalId: 'ext-1' };
const SESSION: CallerIdentity = {
  account: '111111111111',
  arn: 'arn:aws:sts::111111111111:assumed-role/ops/alice',
};

function inputs(overrides: Partial<AccountInputs> = {}): AccountInputs {
  return {
    setup: 'role',
    sourceRegion: 'us-east-1',
    credentials: { source: DEFAULT, destination: DEFAULT, lease: DEFAULT },
    accounts: {},
    identities: new Map(),
    ...overrides,
  };
}

test('baseKey: the profile, or the default chain; a role does not change it', () => {
  assert.equal(baseKey({}), 'default');
  assert.equal(baseKey({ roleArn: DEST_ROLE.roleArn }), 'default');
  assert.equal(baseKey({ profile: 'ops' }), 'profile:ops');
  assert.equal(baseKey({ profile: 'ops', roleArn: DEST_ROLE.roleArn }), 'profile:ops');
});

test('nothing known: one placeholder for everything the same credentials reach', () => {
  assert.deepEqual(tableAccounts(inputs()), {
    source: PLACEHOLDERS.source,
    destination: PLACEHOLDERS.source,
    lease: PLACEHOLDERS.source,
  });
});

test('role setup: the flags, else the role ARN, else the identity of the credentials', () => {
  const withRole = inputs({ credentials: { source: DEFAULT, destination: DEST_ROLE, lease: DEFAULT } });
  assert.deepEqual(tableAccounts(withRole), {
    source: PLACEHOLDERS.source,
    destination: '222222222222',
    lease: PLACEHOLDERS.source,
  });
  const known = { ...withRole, identities: new Map([['default', SESSION]]) };
  assert.deepEqual(tableAccounts(known), {
    source: '111111111111',
    destination: '222222222222',
    lease: '111111111111',
  });
  const flagged = { ...known, accounts: { source: '999999999999', destination: '888888888888' } };
  assert.deepEqual(
    tableAccounts(flagged),
    { source: '999999999999', destination: '888888888888', lease: '111111111111' },
    'the flags name the tables; the lease table is where its credentials are',
  );
  assert.deepEqual(tableAccounts(inputs({ accounts: { source: '999999999999' } })), {
    source: '999999999999',
    destination: '999999999999',
    lease: '999999999999',
  });
});

test('resource-policy setup: the credentials are the destination account, the source account is only named', () => {
  const setup = inputs({ setup: 'resource-policy', identities: new Map([['default', SESSION]]) });
  assert.deepEqual(tableAccounts(setup), {
    source: PLACEHOLDERS.source,
    destination: '111111111111',
    lease: '111111111111',
  });
  assert.equal(tableAccounts({ ...setup, streamAccount: '555555555555' }).source, '555555555555');
  assert.equal(
    tableAccounts({ ...setup, streamAccount: '555555555555', accounts: { source: '555555555555' } }).source,
    '555555555555',
  );
  assert.deepEqual(
    tableAccounts(inputs({ setup: 'resource-policy', accounts: { destination: '222222222222' } })),
    {
      source: PLACEHOLDERS.source,
      destination: '222222222222',
      lease: '222222222222',
    },
  );
  assert.deepEqual(tableAccounts(inputs({ setup: 'resource-policy' })), {
    source: PLACEHOLDERS.source,
    destination: PLACEHOLDERS.destination,
    lease: PLACEHOLDERS.destination,
  });
});

test('credentials of their own: their role or identity, else a placeholder of their own', () => {
  const lease: CredentialSource = { profile: 'leases' };
  const dest: CredentialSource = { profile: 'dest' };
  const own = inputs({ credentials: { source: DEFAULT, destination: dest, lease } });
  assert.deepEqual(tableAccounts(own), {
    source: PLACEHOLDERS.source,
    destination: PLACEHOLDERS.destination,
    lease: PLACEHOLDERS.lease,
  });
  const identities = new Map([
    ['profile:leases', { account: '333333333333', arn: 'arn:aws:iam::333333333333:user/l' }],
    ['profile:dest', { account: '222222222222', arn: 'arn:aws:iam::222222222222:user/d' }],
  ]);
  assert.deepEqual(tableAccounts({ ...own, identities }), {
    source: PLACEHOLDERS.source,
    destination: '222222222222',
    lease: '333333333333',
  });
  const leaseRole = inputs({
    credentials: {
      source: DEFAULT,
      destination: DEFAULT,
      lease: { roleArn: 'arn:aws:iam::444444444444:role/l' },
    },
  });
  assert.equal(tableAccounts(leaseRole).lease, '444444444444');
  const leaseAsDest = inputs({ credentials: { source: DEFAULT, destination: dest, lease: dest } });
  assert.equal(
    tableAccounts({ ...leaseAsDest, accounts: { destination: '222222222222' } }).lease,
    '222222222222',
  );
});

test('principals: the identity (a session is its role), else the root of what the credentials reach', () => {
  const withRole = inputs({ credentials: { source: DEFAULT, destination: DEST_ROLE, lease: DEFAULT } });
  const accounts = tableAccounts(withRole);
  assert.equal(basePrincipal(withRole, accounts, 'default'), `arn:aws:iam::${PLACEHOLDERS.source}:root`);
  const known = { ...withRole, identities: new Map([['default', SESSION]]) };
  assert.equal(basePrincipal(known, tableAccounts(known), 'default'), 'arn:aws:iam::111111111111:role/ops');
  assert.equal(sidePrincipal(known, tableAccounts(known), 'destination'), DEST_ROLE.roleArn);
  assert.equal(sidePrincipal(known, tableAccounts(known), 'source'), 'arn:aws:iam::111111111111:role/ops');
  const flagged = { ...withRole, accounts: { source: '111111111111' } };
  assert.equal(basePrincipal(flagged, tableAccounts(flagged), 'default'), 'arn:aws:iam::111111111111:root');
  const resourcePolicy = inputs({ setup: 'resource-policy', accounts: { destination: '222222222222' } });
  assert.equal(
    sidePrincipal(resourcePolicy, tableAccounts(resourcePolicy), 'source'),
    'arn:aws:iam::222222222222:root',
    'resource-policy setup: the source is read by the destination account',
  );
});

test('credentials that only assume roles: the caller placeholder, in the source region partition', () => {
  const role = (account: string): CredentialSource => ({ roleArn: `arn:aws-cn:iam::${account}:role/r` });
  const allRoles = inputs({
    sourceRegion: 'cn-north-1',
    credentials: {
      source: role('111111111111'),
      destination: role('222222222222'),
      lease: role('111111111111'),
    },
  });
  assert.equal(
    basePrincipal(allRoles, tableAccounts(allRoles), 'default'),
    `arn:aws-cn:iam::${PLACEHOLDERS.caller}:root`,
  );
  assert.deepEqual(tableAccounts(allRoles), {
    source: '111111111111',
    destination: '222222222222',
    lease: '111111111111',
  });
});
