import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromLambdaRecord, tableOfStreamArn, type LambdaStreamRecord } from './lambda-record.js';
import { buildLambdaConfig } from './lambda-config.js';
import { ConfigError } from '../errors/replicator-error.js';

const RECORD: LambdaStreamRecord = {
  eventID: 'e1',
  eventName: 'MODIFY',
  dynamodb: {
    ApproximateCreationDateTime: 1_700_000_000,
    Keys: { pk: { B: 'AAEC' } },
    NewImage: {
      pk: { B: 'AAEC' },
      n: { N: '12345678901234567890123456789012345678' },
      bs: { BS: ['AQ==', 'Ag=='] },
      deep: { M: { l: { L: [{ B: 'Aw==' }, { S: 'x' }] } } },
    },
    OldImage: { pk: { B: 'AAEC' }, n: { N: '1' } },
    SequenceNumber: '100',
    SizeBytes: 42,
  },
  userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
};

test("a Lambda record becomes the SDK's: base64 binaries as bytes (nested too), seconds as a Date, numbers kept", () => {
  const before = structuredClone(RECORD);
  const record = fromLambdaRecord(RECORD);
  assert.deepEqual(record.dynamodb?.Keys?.pk?.B, new Uint8Array([0, 1, 2]));
  const image = record.dynamodb?.NewImage;
  assert.equal(image?.n?.N, '12345678901234567890123456789012345678');
  assert.deepEqual(image?.bs?.BS, [new Uint8Array([1]), new Uint8Array([2])]);
  assert.deepEqual(image?.deep?.M?.l?.L?.[0]?.B, new Uint8Array([3]));
  assert.equal(image?.deep?.M?.l?.L?.[1]?.S, 'x');
  assert.equal(record.dynamodb?.OldImage?.n?.N, '1');
  assert.equal(record.dynamodb?.ApproximateCreationDateTime?.getTime(), 1_700_000_000_000);
  assert.deepEqual(
    [record.eventName, record.dynamodb?.SequenceNumber, record.dynamodb?.SizeBytes],
    ['MODIFY', '100', 42],
  );
  assert.deepEqual(record.userIdentity, { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' });
  assert.deepEqual(RECORD, before, 'the event is left as it was (Lambda may deliver it again)');
});

test('Lambda mode reads the destination variables and refuses the others by name', () => {
  const config = buildLambdaConfig({
    AWS_REGION: 'eu-west-1',
    DDB_REPLICATOR_DEST_TABLE: 'orders',
    DDB_REPLICATOR_DEST_ROLE_ARN: 'arn:aws:iam::111122223333:role/writer',
  });
  assert.deepEqual(
    [
      config.destination.tableName,
      config.destination.region,
      config.destination.credentials.roleArn,
      config.writeConcurrency,
    ],
    ['orders', 'eu-west-1', 'arn:aws:iam::111122223333:role/writer', 16],
  );
  const refused = (env: NodeJS.ProcessEnv, pattern: RegExp): void =>
    assert.throws(
      () => buildLambdaConfig(env),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    );
  refused({ AWS_REGION: 'eu-west-1' }, /missing DDB_REPLICATOR_DEST_TABLE/);
  refused({ DDB_REPLICATOR_DEST_TABLE: 'orders' }, /DDB_REPLICATOR_DEST_REGION/);
  refused(
    {
      AWS_REGION: 'x',
      DDB_REPLICATOR_DEST_TABLE: 'orders',
      DDB_REPLICATOR_SOURCE_TABLE: 'a',
      DDB_REPLICATOR_ON_REJECT: 'dead-letter',
    },
    /^DDB_REPLICATOR_ON_REJECT, DDB_REPLICATOR_SOURCE_TABLE are not read in Lambda mode/,
  );
  refused(
    { AWS_REGION: 'x', DDB_REPLICATOR_DEST_TABLE: 'orders', DDB_REPLICATOR_WRITE_CONCURRENCY: '0' },
    /WRITE_CONCURRENCY/,
  );
});

test("the source table's name comes from the stream ARN", () => {
  assert.equal(
    tableOfStreamArn(
      'arn:aws:dynamodb:eu-west-1:111122223333:table/orders.v2/stream/2026-01-01T00:00:00.000',
    ),
    'orders.v2',
  );
  assert.equal(tableOfStreamArn('arn:aws:dynamodb:ddblocal:000000000000:table/t-1/stream/x'), 't-1');
  assert.equal(tableOfStreamArn('arn:aws:dynamodb:eu-west-1:111122223333:table/orders'), undefined);
  assert.equal(tableOfStreamArn(undefined), undefined);
});
