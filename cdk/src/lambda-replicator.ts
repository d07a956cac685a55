// `lambda` mode: the handler (ddb-replicator/lambda, zipped by `npm run package:lambda`) on an event source mapping
// of the source stream. Lambda is the reader, the lease table and the checkpoint here, so every setting of the
// mapping is chosen, not left to its default: a batch is retried from the record the handler reports
// (ReportBatchItemFailures), halved on error, and only handed to the on-failure queue when it is older than the
// stream can keep it much longer (maxRecordAge); the queue then names what was not replicated. The environment is
// checked at synth by the handler's own configuration code, so a variable it would refuse at its first batch
// fails the synth instead.
import { existsSync } from 'node:fs';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { buildLambdaConfig } from '../../src/lambda/lambda-config.js';
import { streamArn as tableStreamArn } from '../../src/iam/aws-arns.js';
import { LAMBDA_ZIP_DEFAULT } from './repository-paths.js';
import type { LambdaModeProps } from './replication-props.js';
import type { ReplicatorPolicies } from './replication-policies.js';
import { envVariable, replicatorEnvironment, withoutTokens } from './replicator-environment.js';
import type { ResolvedReplication } from './replication-sides.js';

export interface LambdaReplicatorProps {
  readonly replication: ResolvedReplication;
  readonly policies: ReplicatorPolicies;
  readonly role: iam.Role;
  readonly settings: LambdaModeProps;
  readonly environment?: Readonly<Record<string, string>> | undefined;
}

export class LambdaReplicator extends Construct {
  readonly function: lambda.Function;
  readonly mapping: lambda.EventSourceMapping;
  /** Where a batch goes that was not written within maxRecordAge (its shard and sequence numbers, not its data). */
  readonly onFailureQueue: sqs.Queue;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: LambdaReplicatorProps) {
    super(scope, id);
    const { replication: r, settings: s, role } = props;
    const stream = r.source.streamArn;
    if (stream === undefined) {
      throw new Error(
        "lambda mode needs source.streamArn: the event source mapping reads one stream, the table's current one",
      );
    }
    const environment = replicatorEnvironment(
      {
        'dest-table': r.destination.table,
        'dest-region': r.destination.region,
        'dest-role-arn': r.destination.roleArn,
        'dest-external-id': r.destination.externalId,
      },
      props.environment,
    );
    checkHandlerConfig(environment);

    const zipPath = s.zipPath ?? LAMBDA_ZIP_DEFAULT;
    if (!existsSync(zipPath)) {
      throw new Error(
        `lambda mode: no handler zip at ${zipPath}: run \`npm run package:lambda\` at the repository root, or set lambda.zipPath`,
      );
    }
    for (const statement of props.policies.statements) role.addToPrincipalPolicy(statement);
    // The mapping itself (not the handler) lists the table's streams when it starts; AWS's own example policy for
    // a stream-triggered function grants it on the table's streams, as here: ListStreams names no one stream.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EventSourceMappingListsStreams',
        actions: ['dynamodb:ListStreams'],
        resources: [tableStreamArn({ ...r.source })],
      }),
    );
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Only this log group: the basic execution managed policy would allow every log group of the account.
    logGroup.grantWrite(role);

    this.function = new lambda.Function(this, 'Function', {
      runtime: s.runtime ?? lambda.Runtime.NODEJS_20_X,
      code: lambda.Code.fromAsset(zipPath),
      handler: s.handler ?? 'index.handler',
      memorySize: s.memorySize ?? 512,
      timeout: s.timeout ?? Duration.seconds(60),
      role,
      logGroup,
      environment,
      description: `ddb-replicator: ${r.source.table} (${r.source.region}) -> ${r.destination.table} (${r.destination.region})`,
    });

    this.onFailureQueue = new sqs.Queue(this, 'OnFailure', {
      // Kept as long as SQS allows: each message is a batch to replay by hand (verify --repair, or bootstrap).
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.mapping = new lambda.EventSourceMapping(this, 'Mapping', {
      target: this.function,
      eventSourceArn: stream,
      startingPosition: s.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      batchSize: s.batchSize ?? 100,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: s.retryAttempts ?? 10_000,
      maxRecordAge: s.maxRecordAge ?? Duration.hours(20),
      parallelizationFactor: s.parallelizationFactor ?? 1,
      onFailure: new SqsDlq(this.onFailureQueue),
    });
    // The mapping polls with the function's role: its statements must exist before it is created.
    this.mapping.node.addDependency(role);

    this.alarms = [
      new cloudwatch.Alarm(this, 'IteratorAgeAlarm', {
        alarmDescription: `ddb-replicator ${r.source.table}: the newest record processed is older than the threshold for 5 minutes (the destination lags or batches keep failing)`,
        metric: iteratorAge(this.function),
        threshold: (s.iteratorAgeAlarm ?? Duration.seconds(60)).toMilliseconds(),
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'ErrorsAlarm', {
        alarmDescription: `ddb-replicator ${r.source.table}: the handler failed (a thrown error or a timeout, e.g. a configuration it refuses); a batch it could not write is no error but a reported item failure, seen in IteratorAge`,
        metric: this.function.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'OnFailureAlarm', {
        alarmDescription: `ddb-replicator ${r.source.table}: a batch was given up (maxRecordAge or retries): its changes are not in the destination until repaired`,
        metric: this.onFailureQueue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
  }
}

/** Runs the handler's configuration code on the environment it will get (a token stands in as a valid value). */
function checkHandlerConfig(environment: Readonly<Record<string, string>>): void {
  try {
    buildLambdaConfig(
      withoutTokens(environment, {
        [envVariable('dest-table')]: 'stand-in-table',
        [envVariable('dest-region')]: 'us-east-1',
        [envVariable('dest-role-arn')]: 'arn:aws:iam::000000000000:role/stand-in',
      }),
    );
  } catch (err) {
    throw new Error(`lambda mode: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function iteratorAge(fn: lambda.IFunction): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName: 'IteratorAge',
    dimensionsMap: { FunctionName: fn.functionName },
    statistic: 'Maximum',
    period: Duration.minutes(1),
  });
}
