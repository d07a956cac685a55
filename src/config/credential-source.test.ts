import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import {
  credentialSource,
  describeCredentials,
  leaseCredentialSource,
  roleSessionName,
  type KnownProfiles,
} from './credential-source.js';

const ROLE = 'arn:aws:iam::222222222222:role/replicator';
const PROFILES: KnownProfiles = {
  names: new Set(['prod', 'dr']),
  region: (name) => (name === 'dr' ? 'eu-west-1' : undefined),
  files: '/home/u/.aws/config or /home/u/.aws/credentials',
};

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('credentialSource', () => {
  test('no flags: the default chain', () => {
    assert.deepEqual(credentialSource({}, 'source', PROFILES), {});
    assert.deepEqual(credentialSource({ profile: '', roleArn: ' ' }, 'source', undefined), {});
  });

  test('a known profile, a role and an external id', () => {
    assert.deepEqual(
      credentialSource({ profile: 'dr', roleArn: ROLE, externalId: 'ext-1' }, 'destination', PROFILES),
      { profile: 'dr', roleArn: ROLE, externalId: 'ext-1' },
    );
  });

  test('a role in another partition and with a path', () => {
    const arn = 'arn:aws-cn:iam::123456789012:role/team/replicator';
    assert.equal(credentialSource({ roleArn: arn }, 'source', undefined).roleArn, arn);
  });

  test('an unknown profile is refused by name, with the side flag and the files', () => {
    refused(
      () => credentialSource({ profile: 'nope' }, 'destination', PROFILES),
      /^--dest-profile "nope": no such profile in \/home\/u\/\.aws\/config or \/home\/u\/\.aws\/credentials/,
    );
    refused(() => credentialSource({ profile: 'nope' }, 'lease', PROFILES), /^--lease-profile "nope"/);
  });

  test('a malformed role ARN is refused with the shape it must have', () => {
    for (const bad of ['replicator', 'arn:aws:iam::22:role/x', 'arn:aws:iam::222222222222:user/x']) {
      refused(
        () => credentialSource({ roleArn: bad }, 'source', undefined),
        /^--source-role-arn .* is not an IAM role ARN/,
      );
    }
  });

  test('an external id needs a role, and IAM rules for its characters', () => {
    refused(
      () => credentialSource({ externalId: 'ext-1' }, 'destination', undefined),
      /^--dest-external-id is given without --dest-role-arn/,
    );
    refused(
      () => credentialSource({ roleArn: ROLE, externalId: 'x' }, 'destination', undefined),
      /^--dest-external-id must be 2 to 1224/,
    );
    refused(
      () => credentialSource({ roleArn: ROLE, externalId: 'has space' }, 'destination', undefined),
      /^--dest-external-id must be/,
    );
  });
});

describe('leaseCredentialSource', () => {
  test("the source side's unless a lease flag is given", () => {
    const source = { profile: 'prod' };
    assert.equal(leaseCredentialSource(undefined, source, PROFILES), source);
    assert.equal(leaseCredentialSource({}, source, PROFILES), source);
    assert.deepEqual(leaseCredentialSource({ roleArn: ROLE }, source, PROFILES), { roleArn: ROLE });
    refused(() => leaseCredentialSource({ profile: 'nope' }, source, PROFILES), /^--lease-profile/);
  });
});

describe('describeCredentials', () => {
  test('names the profile and role, nothing else', () => {
    assert.equal(describeCredentials({}), 'the default credential chain');
    assert.equal(describeCredentials({ profile: 'dr' }), 'profile dr');
    assert.equal(
      describeCredentials({ profile: 'dr', roleArn: ROLE, externalId: 'secret-ish' }),
      `role ${ROLE} assumed with profile dr`,
    );
  });
});

describe('roleSessionName', () => {
  test('keeps what STS allows and cuts at 64', () => {
    assert.equal(roleSessionName('host-1-123-abcdef'), 'host-1-123-abcdef');
    assert.equal(roleSessionName('host:1/2 x'), 'host-1-2-x');
    assert.equal(roleSessionName('a'.repeat(80)).length, 64);
    assert.match(roleSessionName('w'), /^ddb-replicator-w$/);
  });
});
