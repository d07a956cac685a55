import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matches, policyAllows } from './policy-allows.js';
import type { PolicyDocument } from './policy-set.js';

const TABLE = 'arn:aws:dynamodb:us-east-1:111111111111:table/orders';

test('wildcards: * any run of characters, ? one; everything else literally', () => {
  assert.equal(matches(`${TABLE}/stream/*`, `${TABLE}/stream/2024-02-12T18:57:26.492`), true);
  assert.equal(matches(`${TABLE}/stream/*`, TABLE), false);
  assert.equal(matches(`${TABLE}*`, `${TABLE}-archive`), true);
  assert.equal(matches('arn:aws:dynamodb:us-east-1:111111111111:table/order?', TABLE), true);
  assert.equal(matches('arn:aws:dynamodb:us-east-1:111111111111:table/order?', `${TABLE}s`), false);
  assert.equal(matches('table/a.b', 'table/aXb'), false, 'a dot is a dot');
  assert.equal(matches('*', 'anything at all'), true);
});

test('an action is allowed on a resource by a statement that lists both', () => {
  const document: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'A', Effect: 'Allow', Action: ['dynamodb:DescribeTable'], Resource: TABLE },
      {
        Sid: 'B',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::222222222222:role/r' },
        Action: ['dynamodb:GetRecords'],
        Resource: [`${TABLE}/stream/*`],
      },
    ],
  };
  assert.equal(policyAllows(document, 'dynamodb:DescribeTable', TABLE), true);
  assert.equal(policyAllows(document, 'DynamoDB:describetable', TABLE), true, 'actions ignore case');
  assert.equal(policyAllows(document, 'dynamodb:Scan', TABLE), false);
  assert.equal(policyAllows(document, 'dynamodb:DescribeTable', `${TABLE}-other`), false);
  assert.equal(policyAllows(document, 'dynamodb:GetRecords', `${TABLE}/stream/x`), true);
  assert.equal(policyAllows(document, 'dynamodb:GetRecords', TABLE), false, 'not across statements');
  assert.equal(
    policyAllows(document, 'dynamodb:GetRecords', `${TABLE}/stream/x`, 'arn:aws:iam::222222222222:role/r'),
    true,
  );
  assert.equal(
    policyAllows(document, 'dynamodb:GetRecords', `${TABLE}/stream/x`, 'arn:aws:iam::333333333333:role/r'),
    false,
  );
  assert.equal(
    policyAllows(document, 'dynamodb:DescribeTable', TABLE, 'arn:aws:iam::222222222222:role/r'),
    false,
    'a statement without a principal grants no principal',
  );
});
