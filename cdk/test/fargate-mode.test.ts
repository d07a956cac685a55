import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import yargs from 'yargs';
import { envFlags, flagNames } from '../../src/cli/env-flags.js';
import { replicateFlags } from '../../src/cli/replicate-flags.js';
import { defaultTaskName } from '../../src/config/task-name.js';
import { policySet } from '../../src/iam/policy-set.js';
import { dockerfileHealthCheck } from '../src/dockerfile-health-check.js';
import { DynamoDbReplication, REPOSITORY_ROOT } from '../src/index.js';
import { ACCOUNT, actions, bySid, DEST_ROLE, REGION, roleStatements, STREAM, synth } from './stacks.js';

const TASK = defaultTaskName(REGION, 'orders', 'us-east-1', 'orders-copy');
const LEASE_TABLE = `DynamoDBCrossRegionReplication${TASK}`;

interface Container {
  Environment: { Name: string; Value: unknown }[];
  StopTimeout: number;
  Command: string[];
  HealthCheck: { Command: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number };
  ReadonlyRootFilesystem: boolean;
  LogConfiguration: { LogDriver: string };
}

function container(template: ReturnType<typeof synth>['template']): Container {
  const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  const found = (definition as { Properties: { ContainerDefinitions: Container[] } } | undefined)?.Properties
    .ContainerDefinitions[0];
  if (found === undefined) throw new Error('no container definition');
  return found;
}

function environment(c: Container): Record<string, unknown> {
  return Object.fromEntries(c.Environment.map((e) => [e.Name, e.Value]));
}

test("fargate mode: the lease table under the CLI's name, with the CLI's schema, kept with its checkpoints", () => {
  const { template } = synth({ mode: 'fargate' });
  template.resourceCountIs('AWS::DynamoDB::Table', 1);
  template.hasResource('AWS::DynamoDB::Table', {
    Properties: {
      TableName: LEASE_TABLE,
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    DeletionPolicy: 'Retain',
  });
});

test('fargate mode: a lease table that exists already is used as it is, under the same name', () => {
  const { template } = synth({ mode: 'fargate', fargate: { leaseTable: 'existing' } });
  template.resourceCountIs('AWS::DynamoDB::Table', 0);
  assert.equal(
    bySid(roleStatements(template, 'OrdersRole'), 'LeaseTable').Resource,
    `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LEASE_TABLE}`,
  );
  assert.equal(environment(container(template)).DDB_REPLICATOR_TASK_NAME, TASK);
});

test('fargate mode: a service of N tasks from the Dockerfile, configured by DDB_REPLICATOR_* variables', () => {
  const { template } = synth({ mode: 'fargate', fargate: { desiredCount: 3 } });
  template.hasResourceProperties('AWS::ECS::Service', {
    LaunchType: 'FARGATE',
    DesiredCount: 3,
    DeploymentConfiguration: Match.objectLike({
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    }),
  });
  // Started only once the lease table and the role's statements exist (the ARNs are literal, not references).
  const [service] = Object.values(template.findResources('AWS::ECS::Service')) as { DependsOn?: string[] }[];
  const dependsOn = service?.DependsOn ?? [];
  const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0] ?? '';
  const policyId = Object.keys(template.findResources('AWS::IAM::Policy')).find((id) =>
    id.startsWith('OrdersRole'),
  );
  assert.ok(dependsOn.includes(tableId), JSON.stringify(dependsOn));
  assert.ok(policyId !== undefined && dependsOn.includes(policyId), JSON.stringify(dependsOn));
  template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '512', Memory: '1024' });
  // No worker yet (the README's order for a copy first): the lease table is there, the service runs nothing.
  const empty = synth({ mode: 'fargate', fargate: { desiredCount: 0 } }).template;
  empty.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
  empty.resourceCountIs('AWS::DynamoDB::Table', 1);
  const c = container(template);
  assert.deepEqual(c.Command, ['replicate']);
  assert.equal(c.ReadonlyRootFilesystem, true);
  assert.equal(c.LogConfiguration.LogDriver, 'awslogs');
  assert.deepEqual(environment(c), {
    DDB_REPLICATOR_SOURCE_TABLE: 'orders',
    DDB_REPLICATOR_SOURCE_REGION: REGION,
    DDB_REPLICATOR_DEST_TABLE: 'orders-copy',
    DDB_REPLICATOR_DEST_REGION: 'us-east-1',
    DDB_REPLICATOR_TASK_NAME: TASK,
    DDB_REPLICATOR_LEASE_REGION: REGION,
    DDB_REPLICATOR_METRICS_PORT: '9464',
    DDB_REPLICATOR_LOG_FORMAT: 'json',
    DDB_REPLICATOR_SHUTDOWN_TIMEOUT_MS: '30000',
    DDB_REPLICATOR_PROGRESS_INTERVAL_MS: '10000',
  });
});

test("fargate mode: every variable names a flag of the CLI's replicate command", () => {
  const { template } = synth({
    mode: 'fargate',
    destination: { table: 'orders-copy', region: 'us-east-1', roleArn: DEST_ROLE, externalId: 'ext-42' },
    environment: { DDB_REPLICATOR_EXCLUDE_ATTRIBUTES: 'secret', DDB_REPLICATOR_ON_REJECT: 'dead-letter' },
  });
  const env = environment(container(template));
  const known = flagNames(replicateFlags(yargs([])));
  const flags = envFlags(env as NodeJS.ProcessEnv);
  assert.equal(flags.size, Object.keys(env).length);
  for (const [flag, { variable }] of flags)
    assert.ok(known.has(flag), `${variable}: replicate has no --${flag}`);
  assert.equal(env.DDB_REPLICATOR_EXCLUDE_ATTRIBUTES, 'secret', 'the rules are passed through');
});

test("fargate mode: the stop timeout is longer than the shutdown timeout; the health check is the Dockerfile's", () => {
  const { template } = synth({ mode: 'fargate', fargate: { shutdownTimeout: Duration.seconds(45) } });
  const c = container(template);
  assert.equal(environment(c).DDB_REPLICATOR_SHUTDOWN_TIMEOUT_MS, '45000');
  assert.equal(c.StopTimeout, 75);
  const docker = dockerfileHealthCheck(readFileSync(join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8'));
  assert.deepEqual(c.HealthCheck, {
    Command: docker.command,
    Interval: docker.intervalSeconds,
    Timeout: docker.timeoutSeconds,
    StartPeriod: docker.startPeriodSeconds,
    Retries: docker.retries,
  });
  assert.match(c.HealthCheck.Command.join(' '), /\/healthz/);
  assert.throws(
    () => synth({ mode: 'fargate', fargate: { shutdownTimeout: Duration.seconds(100) } }),
    /would exceed Fargate's 120 s/,
  );
});

test("fargate mode IAM: the task role's statements are exactly `policy`'s, the stream narrowed to the one named", () => {
  const { template } = synth({ mode: 'fargate' });
  const statements = roleStatements(template, 'OrdersRole');
  // What `ddb-replicator policy --source-table orders --source-region eu-west-1 --dest-table orders-copy
  // --dest-region us-east-1 --source-account 111111111111` prints (policySet is that command's code).
  const printed = policySet({
    setup: 'role',
    features: [],
    sourceRegion: REGION,
    tables: {
      source: { region: REGION, table: 'orders' },
      destination: { region: 'us-east-1', table: 'orders-copy' },
      lease: { region: REGION, table: LEASE_TABLE },
    },
    credentials: { source: {}, destination: {}, lease: {} },
    accounts: { source: ACCOUNT },
    identities: new Map(),
  });
  const replicator = printed.policies.find((p) => p.name === 'replicator');
  assert.ok(replicator !== undefined);
  const expected = replicator.document.Statement.map((s) =>
    s.Sid === 'SourceStream' ? { ...s, Resource: STREAM } : s,
  );
  const ours = statements.filter((s) => expected.some((e) => e.Sid === s.Sid));
  assert.deepEqual(
    ours.map((s) => ({ Sid: s.Sid, Effect: s.Effect, Action: actions(s), Resource: s.Resource })),
    expected.map((s) => ({ Sid: s.Sid, Effect: s.Effect, Action: s.Action, Resource: s.Resource })),
  );
  assert.deepEqual(
    expected.map((s) => s.Sid),
    ['SourceTable', 'SourceStream', 'DestinationTable', 'LeaseTable'],
  );
  assert.equal(
    bySid(statements, 'LeaseTable').Resource,
    `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LEASE_TABLE}`,
  );
  // The rest of the task role's statements: none (the execution role pulls the image and writes the logs).
  assert.equal(statements.length, expected.length, JSON.stringify(statements.map((s) => s.Sid)));
  for (const s of statements) assert.ok(!JSON.stringify(s.Resource).includes('"*"'), JSON.stringify(s));
});

test('fargate mode IAM: the execution role names its repository and log group; only GetAuthorizationToken is "*"', () => {
  const { template } = synth({ mode: 'fargate' });
  const statements = roleStatements(template, 'OrdersFargateTaskExecutionRole');
  assert.ok(statements.length >= 3, JSON.stringify(statements));
  for (const s of statements) {
    if (s.Resource === '*')
      assert.deepEqual(actions(s), ['ecr:GetAuthorizationToken'], 'IAM takes only "*" for it');
  }
  const logs = statements.find((s) => actions(s).includes('logs:PutLogEvents'));
  assert.deepEqual(logs?.Resource, {
    'Fn::GetAtt': [Object.keys(template.findResources('AWS::Logs::LogGroup'))[0], 'Arn'],
  });
});

test("fargate mode IAM: without a stream ARN the table's streams, as `policy` prints them", () => {
  const { template } = synth({ mode: 'fargate', source: { table: 'orders' } });
  const stream = bySid(roleStatements(template, 'OrdersRole'), 'SourceStream');
  assert.equal(stream.Resource, `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/stream/*`);
});

test('fargate mode IAM: dead letters and a cross-account destination role', () => {
  const { template, replication } = synth({
    mode: 'fargate',
    destination: { table: 'orders-copy', region: 'us-east-1', roleArn: DEST_ROLE },
    environment: { DDB_REPLICATOR_ON_REJECT: 'dead-letter' },
  });
  const statements = roleStatements(template, 'OrdersRole');
  assert.equal(bySid(statements, 'AssumeRoles').Resource, DEST_ROLE);
  assert.equal(
    statements.find((s) => s.Sid === 'DestinationTable'),
    undefined,
  );
  const deadLetters = bySid(statements, 'DeadLetterTable');
  assert.equal(
    deadLetters.Resource,
    `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LEASE_TABLE}-dead-letters`,
  );
  assert.ok(actions(deadLetters).includes('dynamodb:PutItem'));
  const trust = replication.destinationRolePolicies.find((p) => p.kind === 'trust');
  assert.deepEqual(trust?.document.Statement[0]?.Principal, {
    AWS: `arn:aws:iam::${ACCOUNT}:role/ddb-replicator-${REGION}-${TASK}`,
  });
  template.hasResourceProperties('AWS::IAM::Role', {
    RoleName: `ddb-replicator-${REGION}-${TASK}`,
    AssumeRolePolicyDocument: Match.objectLike({
      Statement: [Match.objectLike({ Principal: { Service: 'ecs-tasks.amazonaws.com' } })],
    }),
  });
});

test("fargate mode: the lag alarm reads the progress line's maxBehindMs through a log metric filter", () => {
  const { template } = synth({ mode: 'fargate', fargate: { lagAlarm: Duration.seconds(90) } });
  template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/ddb-replicator/${TASK}` });
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    FilterPattern: '{ ($.msg = "progress") && ($.progress.maxBehindMs >= 0) }',
    MetricTransformations: [
      {
        MetricNamespace: `DdbReplicator/${TASK}`,
        MetricName: 'MaxBehindMs',
        MetricValue: '$.progress.maxBehindMs',
        Unit: 'Milliseconds',
      },
    ],
  });
  template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: `DdbReplicator/${TASK}`,
    MetricName: 'MaxBehindMs',
    Statistic: 'Maximum',
    Period: 60,
    Threshold: 90_000,
    EvaluationPeriods: 5,
    TreatMissingData: 'breaching',
  });
});

test("the sides: an account other than the stack's, an unknown region, an account known only at deploy, a task name", () => {
  assert.throws(
    () =>
      synth({ mode: 'fargate', source: { table: 'arn:aws:dynamodb:eu-west-1:999999999999:table/orders' } }),
    /source account 999999999999 is not the stack's/,
  );
  // A stack without an env: its region is a token, and the task name and the ARNs' partition need it.
  assert.throws(
    () =>
      new DynamoDbReplication(new Stack(new App(), 'NoEnv'), 'Orders', {
        source: { table: 'orders' },
        destination: { table: 'orders-copy' },
        mode: 'fargate',
      }),
    /source\.region must be known at synth/,
  );
  // A stack with a region but no account: the ARNs name the deploying account through CloudFormation.
  const regionOnly = new Stack(new App(), 'RegionOnly', { env: { region: REGION } });
  new DynamoDbReplication(regionOnly, 'Orders', {
    source: { table: 'orders' },
    destination: { table: 'orders-copy' },
    mode: 'fargate',
  });
  const lease = bySid(roleStatements(Template.fromStack(regionOnly), 'OrdersRole'), 'LeaseTable');
  assert.deepEqual(lease.Resource, {
    'Fn::Join': [
      '',
      [
        `arn:aws:dynamodb:${REGION}:`,
        { Ref: 'AWS::AccountId' },
        `:table/${LEASE_TABLE.replace(TASK, defaultTaskName(REGION, 'orders', REGION, 'orders-copy'))}`,
      ],
    ],
  });
  // ...but a trust policy cannot name a role in a token's account.
  assert.throws(
    () =>
      new DynamoDbReplication(new Stack(new App(), 'RegionOnly2', { env: { region: REGION } }), 'Orders', {
        source: { table: 'orders' },
        destination: { table: 'orders-copy', roleArn: DEST_ROLE },
        mode: 'fargate',
      }),
    /destination\.roleArn needs the source account known at synth/,
  );
  const { template } = synth({ mode: 'fargate', taskName: 'orders-eu' });
  template.hasResourceProperties('AWS::DynamoDB::Table', {
    TableName: 'DynamoDBCrossRegionReplicationorders-eu',
  });
});

test('fargate mode IAM: a worker started with --bootstrap may spool, so it gets the spool table unless the copy is direct', () => {
  const spoolSid = (environment: Record<string, string>) =>
    roleStatements(synth({ mode: 'fargate', environment }).template, 'OrdersRole').find(
      (s) => s.Sid === 'SpoolTable',
    );
  assert.equal(spoolSid({}), undefined, 'no copy, no spool table');
  const spool = spoolSid({ DDB_REPLICATOR_BOOTSTRAP: 'true' });
  assert.equal(spool?.Resource, `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${LEASE_TABLE}-spool`);
  for (const action of ['CreateTable', 'BatchWriteItem', 'Scan', 'BatchGetItem', 'DeleteTable'])
    assert.ok(
      actions(spool ?? { Effect: '', Action: [], Resource: '' }).includes(`dynamodb:${action}`),
      action,
    );
  assert.ok(spoolSid({ DDB_REPLICATOR_BOOTSTRAP: 'true', DDB_REPLICATOR_COPY_MODE: 'spool' }) !== undefined);
  assert.equal(spoolSid({ DDB_REPLICATOR_BOOTSTRAP: 'true', DDB_REPLICATOR_COPY_MODE: 'direct' }), undefined);
  // The copy's own reads come with --bootstrap: the source's Scan.
  const source = bySid(
    roleStatements(
      synth({ mode: 'fargate', environment: { DDB_REPLICATOR_BOOTSTRAP: 'true' } }).template,
      'OrdersRole',
    ),
    'SourceTable',
  );
  assert.ok(actions(source).includes('dynamodb:Scan'), JSON.stringify(source));
});
