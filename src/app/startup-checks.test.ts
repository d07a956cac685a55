import { ResourceNotFoundException, type TableDescription } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TableLocation } from '../config/replication-config.js';
import { ConfigError } from '../errors/replicator-error.js';
import {
  describeFailure,
  formatKeySchema,
  isSameTable,
  keySchemaOf,
  sameKeySchema,
  type KeyAttribute,
  type Side,
} from './startup-checks.js';

const table = (keys: [string, 'HASH' | 'RANGE', string][]): TableDescription => ({
  KeySchema: keys.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
  AttributeDefinitions: keys.map(([AttributeName, , AttributeType]) => ({
    AttributeName,
    AttributeType: AttributeType as 'S' | 'N' | 'B',
  })),
});

describe('keySchemaOf', () => {
  test('a hash key with its type', () => {
    assert.deepEqual(keySchemaOf(table([['pk', 'HASH', 'S']])), [{ name: 'pk', keyType: 'HASH', type: 'S' }]);
  });

  test('hash first, even when the description lists the range key first', () => {
    const description: TableDescription = {
      KeySchema: [
        { AttributeName: 'sk', KeyType: 'RANGE' },
        { AttributeName: 'pk', KeyType: 'HASH' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'N' },
        { AttributeName: 'sk', AttributeType: 'B' },
        { AttributeName: 'gsiKey', AttributeType: 'S' },
      ],
    };
    assert.deepEqual(keySchemaOf(description), [
      { name: 'pk', keyType: 'HASH', type: 'N' },
      { name: 'sk', keyType: 'RANGE', type: 'B' },
    ]);
  });

  test('unknown parts show as "?"', () => {
    assert.deepEqual(keySchemaOf({ KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }), [
      { name: 'pk', keyType: 'HASH', type: '?' },
    ]);
    assert.deepEqual(keySchemaOf({}), []);
  });
});

describe('sameKeySchema / formatKeySchema', () => {
  const hashRange: KeyAttribute[] = [
    { name: 'pk', keyType: 'HASH', type: 'S' },
    { name: 'sk', keyType: 'RANGE', type: 'N' },
  ];

  test('equal schemas are the same', () => {
    assert.equal(
      sameKeySchema(
        hashRange,
        hashRange.map((k) => ({ ...k })),
      ),
      true,
    );
    assert.equal(sameKeySchema([], []), true);
  });

  test('a different name, type, key type or length differs', () => {
    const [hash, range] = hashRange as [KeyAttribute, KeyAttribute];
    assert.equal(sameKeySchema(hashRange, [hash, { ...range, name: 'other' }]), false);
    assert.equal(sameKeySchema(hashRange, [hash, { ...range, type: 'S' }]), false);
    assert.equal(
      sameKeySchema(hashRange, [
        { ...hash, keyType: 'RANGE' },
        { ...range, keyType: 'HASH' },
      ]),
      false,
    );
    assert.equal(sameKeySchema(hashRange, [hash]), false);
    assert.equal(sameKeySchema([hash], hashRange), false);
  });

  test('the same schema read from descriptions in either order is the same', () => {
    const a = keySchemaOf(
      table([
        ['pk', 'HASH', 'S'],
        ['sk', 'RANGE', 'N'],
      ]),
    );
    const b = keySchemaOf(
      table([
        ['sk', 'RANGE', 'N'],
        ['pk', 'HASH', 'S'],
      ]),
    );
    assert.equal(sameKeySchema(a, b), true);
  });

  test('formatKeySchema lists name, type and key type', () => {
    assert.equal(formatKeySchema(hashRange), 'pk S HASH, sk N RANGE');
    assert.equal(formatKeySchema([]), '');
  });
});

describe('describeFailure', () => {
  const locations: Record<Side, TableLocation> = {
    source: { region: 'us-east-1', endpoint: 'http://localhost:8000', tableName: 'SourceTable' },
    destination: { region: 'us-west-2', endpoint: undefined, tableName: 'DestTable' },
    lease: { region: 'eu-west-1', endpoint: undefined, tableName: 'DynamoDBCrossRegionReplicationabc' },
  };
  const FLAG: Record<Side, string> = { source: '--source', destination: '--dest', lease: '--lease' };
  const SIDES: Side[] = ['source', 'destination', 'lease'];

  function message(err: unknown, side: Side, action = 'dynamodb:DescribeTable'): string {
    const result = describeFailure(err, side, locations[side], action);
    assert.ok(result instanceof ConfigError);
    return result.message;
  }

  const named = (name: string, text: string, extra: object = {}): Error =>
    Object.assign(new Error(text), { name, ...extra });

  for (const side of SIDES) {
    test(`network failure on the ${side} side names the table, the place and the flags`, () => {
      const text = message(
        named('Error', 'connect ECONNREFUSED 127.0.0.1:8000', { code: 'ECONNREFUSED' }),
        side,
      );
      assert.match(text, /^cannot reach DynamoDB/);
      assert.ok(text.includes(`${side} table ${locations[side].tableName}`), text);
      assert.ok(text.includes(`region ${locations[side].region}`), text);
      assert.ok(text.includes(`${FLAG[side]}-endpoint`) && text.includes(`${FLAG[side]}-region`), text);
      assert.ok(text.includes('ECONNREFUSED'), text);
    });

    test(`access denied on the ${side} side names the table and the action`, () => {
      const text = message(named('AccessDeniedException', 'no'), side, 'dynamodb:DescribeStream');
      assert.ok(text.includes(`${side} table ${locations[side].tableName}`), text);
      assert.ok(text.includes('dynamodb:DescribeStream'), text);
      assert.ok(text.includes('AccessDeniedException'), text);
    });

    test(`refused credentials on the ${side} side name the side and the fix`, () => {
      const text = message(named('UnrecognizedClientException', 'The security token is invalid'), side);
      assert.ok(text.includes(`the ${side} side`), text);
      assert.ok(text.includes('UnrecognizedClientException'), text);
      assert.ok(text.includes('AWS_PROFILE'), text);
      assert.ok(text.includes(`region ${locations[side].region}`), text);
    });

    test(`any other failure on the ${side} side names the table, the action and the error`, () => {
      const text = message(named('InternalFailure', 'something odd'), side, 'dynamodb:DescribeTable');
      assert.ok(text.includes(`${side} table ${locations[side].tableName}`), text);
      assert.ok(text.includes('dynamodb:DescribeTable'), text);
      assert.ok(text.includes('InternalFailure: something odd'), text);
    });
  }

  // The header promises the table in every line, the credentials line included.
  test('refused credentials name the table', () => {
    const text = message(named('UnrecognizedClientException', 'bad token'), 'destination');
    assert.ok(text.includes('DestTable'), text);
  });

  test('not found on the source side names the table, region and flags, without "create it"', () => {
    const err = new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} });
    const text = message(err, 'source');
    assert.ok(text.includes('source table SourceTable not found'), text);
    assert.ok(text.includes('region us-east-1 at http://localhost:8000'), text);
    assert.ok(text.includes('--source-table') && text.includes('--source-region'), text);
    assert.ok(!text.includes('create it'), text);
  });

  test('not found on the destination side also says to create it with the source key schema', () => {
    const text = message(named('ResourceNotFoundException', 'not found'), 'destination');
    assert.ok(text.includes('destination table DestTable not found in region us-west-2'), text);
    assert.ok(text.includes('--dest-table') && text.includes('--dest-region'), text);
    assert.ok(text.includes('create it with the same key schema'), text);
  });

  // verify and dead-letters create no table: pointing at --create-dest-table there is a fix that does not exist.
  test('not found on the destination side of a command that creates nothing names only the flags', () => {
    const err = named('ResourceNotFoundException', 'not found');
    const text = describeFailure(err, 'destination', locations.destination, 'x', {
      creatable: false,
    }).message;
    assert.equal(
      text,
      'destination table DestTable not found in region us-west-2: check --dest-table and --dest-region',
    );
  });

  // The lease table is named by --task-name: there is no --lease-table flag to point at.
  test('not found on the lease side points to flags that exist', () => {
    const text = message(named('ResourceNotFoundException', 'not found'), 'lease');
    assert.ok(!text.includes('--lease-table'), text);
  });

  test('CredentialsProviderError says no credentials were found, for the side', () => {
    const err = named('CredentialsProviderError', 'Could not load credentials from any providers');
    for (const side of SIDES) {
      const text = message(err, side);
      assert.match(text, new RegExp(`^no AWS credentials found for the ${side} side`));
      assert.ok(text.includes('AWS_PROFILE') && text.includes('AWS_ACCESS_KEY_ID'), text);
    }
  });

  test('a thrown string is described with its text', () => {
    const text = message('socket hang up', 'source', 'dynamodb:DescribeTable');
    assert.ok(text.includes('source table SourceTable'), text);
    assert.ok(text.includes('Error: socket hang up'), text);
  });

  // Two-way's B→A direction reads the --dest- table as its source: the line names the flags the user gave it.
  test("a table named by the other role's flags is named by them", () => {
    const sideB: TableLocation = { ...locations.destination, namedBy: '--dest' };
    const missing = describeFailure(named('ResourceNotFoundException', 'not found'), 'source', sideB, 'x');
    assert.equal(
      missing.message,
      'destination table DestTable not found in region us-west-2: check --dest-table and --dest-region',
    );
    const refused = describeFailure(named('UnrecognizedClientException', 'bad'), 'source', sideB, 'x');
    assert.match(refused.message, /^the destination side refused/);
    assert.ok(refused.message.includes('check --dest-profile and --dest-role-arn'), refused.message);
    const none = describeFailure(named('CredentialsProviderError', 'none'), 'source', sideB, 'x');
    assert.match(none.message, /^no AWS credentials found for the destination side .*pass --dest-profile/);
    const sideA: TableLocation = { ...locations.source, namedBy: '--source' };
    const unreachable = describeFailure(
      named('Error', 'connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
      'destination',
      sideA,
      'x',
    );
    assert.ok(unreachable.message.includes('source table SourceTable'), unreachable.message);
    assert.ok(unreachable.message.includes('check --source-endpoint/--source-region'), unreachable.message);
  });

  // A thrown non-object must still become a readable line, not a TypeError.
  test('a thrown null is described', () => {
    assert.ok(message(null, 'source').includes('source table SourceTable'));
  });
});

describe('isSameTable', () => {
  const arn = (account: string) => `arn:aws:dynamodb:us-east-1:${account}:table/orders`;
  const side = (account: string, endpoint?: string) => ({ endpoint, table: { TableArn: arn(account) } });

  test('the same ARN on AWS: the same table (both sides reached one account)', () => {
    assert.equal(isSameTable(side('111111111111'), side('111111111111')), true);
  });

  test('another account: another table', () => {
    assert.equal(isSameTable(side('111111111111'), side('222222222222')), false);
  });

  test('an explicit endpoint (DynamoDB Local gives every table one account): not judged by ARN', () => {
    assert.equal(isSameTable(side('000000000000', 'http://a'), side('000000000000', 'http://b')), false);
    assert.equal(isSameTable(side('000000000000'), side('000000000000', 'http://b')), false);
  });

  test('no ARN: not judged', () => {
    assert.equal(isSameTable({ endpoint: undefined, table: {} }, { endpoint: undefined, table: {} }), false);
  });
});
