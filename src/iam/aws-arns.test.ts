import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseStreamArn,
  partitionOf,
  principalOf,
  roleAccount,
  rootPrincipal,
  streamArn,
  tableArn,
} from './aws-arns.js';

test('the partition follows the region', () => {
  const cases: [string, string][] = [
    ['us-east-1', 'aws'],
    ['eu-west-1', 'aws'],
    ['ap-southeast-2', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
  ];
  for (const [region, partition] of cases) assert.equal(partitionOf(region), partition, region);
});

test('table and stream ARNs name the region, the account and the table', () => {
  const at = { region: 'cn-north-1', account: '111122223333', table: 'orders.v2' };
  assert.equal(tableArn(at), 'arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders.v2');
  assert.equal(streamArn(at), 'arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders.v2/stream/*');
  assert.equal(
    streamArn(at, '2024-02-12T18:57:26.492'),
    'arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders.v2/stream/2024-02-12T18:57:26.492',
  );
  assert.equal(
    tableArn({ region: 'us-gov-west-1', account: '<SOURCE_ACCOUNT_ID>', table: 't' }),
    'arn:aws-us-gov:dynamodb:us-gov-west-1:<SOURCE_ACCOUNT_ID>:table/t',
  );
});

test('a stream ARN is read back into its parts; anything else is not one', () => {
  assert.deepEqual(
    parseStreamArn('arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/2024-02-12T18:57:26.492'),
    {
      partition: 'aws',
      region: 'us-east-1',
      account: '111122223333',
      table: 'orders',
      label: '2024-02-12T18:57:26.492',
    },
  );
  for (const notOne of [
    'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
    'arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/',
    'arn:aws:dynamodb:us-east-1:1111:table/orders/stream/x',
    'arn:aws:dynamodb:us-east-1:111122223333:table/orders/index/i',
    'orders',
  ]) {
    assert.equal(parseStreamArn(notOne), undefined, notOne);
  }
});

test('the account of a role ARN, with or without a path', () => {
  assert.equal(roleAccount('arn:aws:iam::222222222222:role/replicator'), '222222222222');
  assert.equal(roleAccount('arn:aws-cn:iam::333333333333:role/team/replicator'), '333333333333');
  assert.equal(roleAccount('arn:aws:iam::222222222222:user/replicator'), undefined);
  assert.equal(roleAccount('replicator'), undefined);
});

test('the principal of a caller: a session is its role, a user itself, the rest the account', () => {
  assert.equal(
    principalOf('arn:aws:sts::111111111111:assumed-role/ops-admin/alice@example.com', '111111111111'),
    'arn:aws:iam::111111111111:role/ops-admin',
  );
  assert.equal(
    principalOf('arn:aws-us-gov:sts::111111111111:assumed-role/ops/i-0abc', '111111111111'),
    'arn:aws-us-gov:iam::111111111111:role/ops',
  );
  assert.equal(
    principalOf('arn:aws:iam::111111111111:user/ci/deployer', '111111111111'),
    'arn:aws:iam::111111111111:user/ci/deployer',
  );
  assert.equal(
    principalOf('arn:aws:iam::111111111111:root', '111111111111'),
    rootPrincipal('aws', '111111111111'),
  );
  assert.equal(
    principalOf('arn:aws:sts::111111111111:federated-user/bob', '111111111111'),
    'arn:aws:iam::111111111111:root',
  );
  assert.equal(principalOf('not an arn', '444444444444'), 'arn:aws:iam::444444444444:root');
});
