import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  ACCOUNT,
  actions,
  bySid,
  DEST_ROLE,
  REGION,
  roleStatements,
  standInZip,
  STREAM,
  synth,
} from './stacks.js';

const SOURCE_TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders`;
const DEST_TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders-copy`;

test('lambda mode: a Node 20 function from the zip, configured by the destination variables only', () => {
  const { template } = synth({ mode: 'lambda' });
  template.resourceCountIs('AWS::Lambda::Function', 1);
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Timeout: 60,
    Environment: {
      Variables: { DDB_REPLICATOR_DEST_TABLE: 'orders-copy', DDB_REPLICATOR_DEST_REGION: 'us-east-1' },
    },
  });
  // No lease table, no cluster: Lambda is the reader and the checkpoint.
  template.resourceCountIs('AWS::DynamoDB::Table', 0);
  template.resourceCountIs('AWS::ECS::Service', 0);
});

test('lambda mode: the event source mapping sets every retry and failure setting deliberately', () => {
  const { template } = synth({ mode: 'lambda' });
  template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    EventSourceArn: STREAM,
    StartingPosition: 'TRIM_HORIZON',
    BatchSize: 100,
    BisectBatchOnFunctionError: true,
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    MaximumRetryAttempts: 10000,
    MaximumRecordAgeInSeconds: 20 * 3600,
    ParallelizationFactor: 1,
    DestinationConfig: {
      OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersLambdaOnFailure'), 'Arn'] } },
    },
  });
  template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 });
});

test('lambda mode: the settings given replace the defaults', () => {
  const { template } = synth({
    mode: 'lambda',
    lambda: {
      zipPath: standInZip(),
      batchSize: 500,
      runtime: Runtime.NODEJS_22_X,
      maxRecordAge: Duration.hours(6),
      retryAttempts: 3,
      parallelizationFactor: 4,
    },
  });
  template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x' });
  template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
    BatchSize: 500,
    MaximumRecordAgeInSeconds: 6 * 3600,
    MaximumRetryAttempts: 3,
    ParallelizationFactor: 4,
  });
});

test("lambda mode IAM: the policy code's stream and destination statements on named ARNs, nothing else", () => {
  const { template } = synth({ mode: 'lambda' });
  const statements = roleStatements(template, 'OrdersRole');
  const stream = bySid(statements, 'SourceStream');
  assert.deepEqual(actions(stream), [
    'dynamodb:DescribeStream',
    'dynamodb:GetShardIterator',
    'dynamodb:GetRecords',
  ]);
  assert.equal(stream.Resource, STREAM, 'the one stream the mapping reads, not stream/*');
  const destination = bySid(statements, 'DestinationTable');
  assert.deepEqual(actions(destination), ['dynamodb:DescribeTable', 'dynamodb:BatchWriteItem']);
  assert.equal(destination.Resource, DEST_TABLE);
  // The function reads no source table and keeps no lease table.
  assert.equal(
    statements.find((s) => s.Sid === 'SourceTable' || s.Sid === 'LeaseTable'),
    undefined,
  );
  assert.equal(
    JSON.stringify(statements).includes(SOURCE_TABLE + '"'),
    false,
    'no statement on the source table itself',
  );
  // ListStreams is the mapping's, on the table's streams as AWS's own example grants it.
  const list = bySid(statements, 'EventSourceMappingListsStreams');
  assert.deepEqual(actions(list), ['dynamodb:ListStreams']);
  assert.equal(list.Resource, `${SOURCE_TABLE}/stream/*`);
  // No wildcard resource anywhere: logs on its own log group, the queue by its ARN.
  for (const s of statements) assert.notEqual(s.Resource, '*', JSON.stringify(s));
  const logs = statements.find((s) => actions(s).includes('logs:PutLogEvents'));
  assert.deepEqual(logs?.Resource, { 'Fn::GetAtt': [logs === undefined ? '' : logGroupId(template), 'Arn'] });
  const send = statements.find((s) => actions(s).includes('sqs:SendMessage'));
  assert.deepEqual(send?.Resource, { 'Fn::GetAtt': [queueId(template), 'Arn'] });
  // The role carries no managed policy (the basic execution role's logs:* on every log group).
  const roles = template.findResources('AWS::IAM::Role');
  for (const role of Object.values(roles)) {
    const managed = (role as { Properties: { ManagedPolicyArns?: unknown } }).Properties.ManagedPolicyArns;
    if (JSON.stringify(role).includes('lambda.amazonaws.com')) assert.equal(managed, undefined);
  }
});

test('lambda mode IAM: a cross-account destination is written through its role, whose policies are handed out', () => {
  const { template, replication } = synth({
    mode: 'lambda',
    destination: { table: 'orders-copy', region: 'us-east-1', roleArn: DEST_ROLE, externalId: 'ext-42' },
  });
  const statements = roleStatements(template, 'OrdersRole');
  const assume = bySid(statements, 'AssumeRoles');
  assert.deepEqual(actions(assume), ['sts:AssumeRole']);
  assert.equal(assume.Resource, DEST_ROLE);
  assert.equal(
    statements.find((s) => s.Sid === 'DestinationTable'),
    undefined,
    'written with the role only',
  );
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        DDB_REPLICATOR_DEST_ROLE_ARN: DEST_ROLE,
        DDB_REPLICATOR_DEST_EXTERNAL_ID: 'ext-42',
      }),
    },
  });
  // The role this stack creates has a fixed name, so the trust policy names it (not the whole account).
  const roleName = `ddb-replicator-${REGION}-${replication.replication.taskName}`;
  template.hasResourceProperties('AWS::IAM::Role', { RoleName: roleName });
  const [identity, trust] = replication.destinationRolePolicies;
  assert.equal(identity?.kind, 'identity');
  assert.deepEqual(
    identity.document.Statement.map((s) => s.Sid),
    ['DestinationTable'],
  );
  assert.equal(
    identity.document.Statement[0]?.Resource,
    'arn:aws:dynamodb:us-east-1:222222222222:table/orders-copy',
  );
  assert.equal(trust?.kind, 'trust');
  assert.deepEqual(trust.document.Statement[0]?.Principal, {
    AWS: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
  });
  assert.deepEqual(trust.document.Statement[0]?.Condition, { StringEquals: { 'sts:ExternalId': 'ext-42' } });
  template.hasOutput('*', { Description: Match.stringLikeRegexp('^Apply in the destination account') });
});

test('lambda mode alarms: IteratorAge, Errors and the on-failure queue', () => {
  const { template } = synth({
    mode: 'lambda',
    lambda: { zipPath: standInZip(), iteratorAgeAlarm: Duration.minutes(2) },
  });
  template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/Lambda',
    MetricName: 'IteratorAge',
    Statistic: 'Maximum',
    Period: 60,
    Threshold: 120_000,
    EvaluationPeriods: 5,
    ComparisonOperator: 'GreaterThanThreshold',
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/Lambda',
    MetricName: 'Errors',
    Statistic: 'Sum',
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Threshold: 0,
  });
});

test('lambda mode refuses at synth what the handler would refuse at its first batch', () => {
  // The handler's own configuration check (src/lambda/lambda-config.ts): dead letters run only in the CLI so far.
  assert.throws(
    () => synth({ mode: 'lambda', environment: { DDB_REPLICATOR_ON_REJECT: 'dead-letter' } }),
    /lambda mode: DDB_REPLICATOR_ON_REJECT is not read in Lambda mode/,
  );
  // A rule the CLI's rule check refuses.
  assert.throws(
    () => synth({ mode: 'lambda', environment: { DDB_REPLICATOR_FILTER: '{"dynamodb": ' } }),
    /lambda mode: .*--filter/,
  );
  assert.throws(
    () => synth({ mode: 'lambda', destination: { table: 'orders-copy', roleArn: 'not-a-role' } }),
    /lambda mode: .*is not an IAM role ARN/,
  );
  // Rules and tuning the handler reads are passed on.
  const filter = '{"dynamodb": {"NewImage": {"status": {"S": ["active"]}}}}';
  const { template } = synth({
    mode: 'lambda',
    environment: { DDB_REPLICATOR_WRITE_CONCURRENCY: '8', DDB_REPLICATOR_FILTER: filter },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({ DDB_REPLICATOR_WRITE_CONCURRENCY: '8', DDB_REPLICATOR_FILTER: filter }),
    },
  });
});

test('lambda mode refuses a missing stream, a missing zip and a variable the props already set', () => {
  assert.throws(
    () => synth({ mode: 'lambda', source: { table: 'orders' } }),
    /lambda mode needs source\.streamArn/,
  );
  assert.throws(
    () => synth({ mode: 'lambda', lambda: { zipPath: '/nonexistent/handler.zip' } }),
    /no handler zip at \/nonexistent\/handler\.zip: run `npm run package:lambda`/,
  );
  assert.throws(
    () => synth({ mode: 'lambda', environment: { DDB_REPLICATOR_DEST_TABLE: 'other' } }),
    /DDB_REPLICATOR_DEST_TABLE is set by the construct/,
  );
  assert.throws(
    () => synth({ mode: 'lambda', environment: { FILTER: 'x' } }),
    /FILTER is no replicator variable/,
  );
  assert.throws(
    () =>
      synth({
        mode: 'lambda',
        source: { table: 'orders', streamArn: STREAM.replace('table/orders/', 'table/invoices/') },
      }),
    /is a stream of table invoices/,
  );
});

function logGroupId(template: ReturnType<typeof synth>['template']): string {
  return Object.keys(template.findResources('AWS::Logs::LogGroup'))[0] ?? '';
}

function queueId(template: ReturnType<typeof synth>['template']): string {
  return Object.keys(template.findResources('AWS::SQS::Queue'))[0] ?? '';
}
