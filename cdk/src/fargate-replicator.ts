// `fargate` mode: a fleet of N identical workers (`replicate`, the repository's Dockerfile) sharing the shards
// through the lease table, which the stack creates with the CLI's schema under the CLI's name (or takes over when
// it exists), so `status`, `bootstrap` and `verify` run by hand find it. A stop is SIGTERM (the image's bin in exec form): the worker
// flushes, checkpoints and hands its leases over within --shutdown-timeout-ms, and ECS waits longer than that
// before SIGKILL. The lag alarm reads the worker's own progress line (JSON, every --progress-interval-ms: the
// largest `maxBehindMs` of the shards it holds) through a log metric filter: the Prometheus metrics on :9464 are
// not in CloudWatch, and scraping them would need a collector beside every worker.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dockerfileHealthCheck } from './dockerfile-health-check.js';
import { LAG_FIELD, LAG_METRIC, PROGRESS_MESSAGE } from './lag-metric.js';
import type { FargateModeProps } from './replication-props.js';
import type { ReplicatorPolicies } from './replication-policies.js';
import { replicatorEnvironment } from './replicator-environment.js';
import type { ResolvedReplication } from './replication-sides.js';
import { REPOSITORY_ROOT } from './repository-paths.js';

/** What the worker gets beyond --shutdown-timeout-ms before SIGKILL: releasing its leases and exiting. */
const STOP_MARGIN = Duration.seconds(30);
/** Fargate's largest stopTimeout. */
const FARGATE_MAX_STOP = Duration.seconds(120);
/** The image's DDB_REPLICATOR_METRICS_PORT, where /healthz answers. */
const METRICS_PORT = '9464';

export interface FargateReplicatorProps {
  readonly replication: ResolvedReplication;
  readonly policies: ReplicatorPolicies;
  readonly role: iam.Role;
  readonly settings: FargateModeProps;
  readonly environment?: Readonly<Record<string, string>> | undefined;
}

export class FargateReplicator extends Construct {
  readonly leaseTable: dynamodb.ITable;
  readonly service: ecs.FargateService;
  readonly logGroup: logs.LogGroup;
  readonly lagMetric: cloudwatch.Metric;
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: FargateReplicatorProps) {
    super(scope, id);
    const { replication: r, settings: s, role } = props;
    const shutdown = s.shutdownTimeout ?? Duration.seconds(30);
    const stopTimeout = Duration.seconds(shutdown.toSeconds() + STOP_MARGIN.toSeconds());
    if (stopTimeout.toSeconds() > FARGATE_MAX_STOP.toSeconds()) {
      throw new Error(
        `fargate.shutdownTimeout ${shutdown.toSeconds()} s: the stop timeout (${STOP_MARGIN.toSeconds()} s longer) would exceed Fargate's ${FARGATE_MAX_STOP.toSeconds()} s`,
      );
    }
    const progressInterval = s.progressInterval ?? Duration.seconds(10);

    // The CLI's lease table (src/lease/lease-table.ts: hash key leaseKey, on demand), kept when the stack goes: it
    // holds the checkpoints, and a new fleet without them would start the stream over. One that exists already
    // (left by the CLI, or by the Java library, whose names and schema these are) is used as it is.
    this.leaseTable =
      s.leaseTable === 'existing'
        ? dynamodb.Table.fromTableName(this, 'LeaseTable', r.lease.table)
        : new dynamodb.Table(this, 'LeaseTable', {
            tableName: r.lease.table,
            partitionKey: { name: 'leaseKey', type: dynamodb.AttributeType.STRING },
            billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
            removalPolicy: RemovalPolicy.RETAIN,
          });
    for (const statement of props.policies.statements) role.addToPrincipalPolicy(statement);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/ddb-replicator/${r.taskName}`,
      retention: s.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A VPC of its own has public subnets only: the workers call AWS APIs and take no connections, so a public
    // address behind a security group without ingress replaces a NAT gateway's hourly cost.
    const ownVpc = s.vpc === undefined && s.cluster === undefined;
    const vpc =
      s.cluster?.vpc ??
      s.vpc ??
      new ec2.Vpc(this, 'Vpc', {
        maxAzs: 2,
        natGateways: 0,
        subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      });
    const cluster = s.cluster ?? new ecs.Cluster(this, 'Cluster', { vpc });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: s.cpu ?? 512,
      memoryLimitMiB: s.memoryLimitMiB ?? 1024,
      taskRole: role,
    });
    const directory = s.dockerDirectory ?? REPOSITORY_ROOT;
    const health = dockerfileHealthCheck(readFileSync(join(directory, 'Dockerfile'), 'utf8'));
    taskDefinition.addContainer('replicator', {
      image: ecs.ContainerImage.fromAsset(directory, {
        // The build reads package*.json, tsconfig*.json, src/ and bin/ only; the rest would only slow the hash.
        exclude: ['cdk', 'dist-lambda', 'docs', 'bench', 'tests', 'scripts', '.scratch', '.ci'],
      }),
      command: ['replicate'],
      environment: replicatorEnvironment(
        {
          'source-table': r.source.table,
          'source-region': r.source.region,
          'dest-table': r.destination.table,
          'dest-region': r.destination.region,
          'dest-role-arn': r.destination.roleArn,
          'dest-external-id': r.destination.externalId,
          'task-name': r.taskName,
          'lease-region': r.lease.region,
          'metrics-port': METRICS_PORT,
          // The lag metric filter reads JSON lines.
          'log-format': 'json',
          'shutdown-timeout-ms': String(shutdown.toMilliseconds()),
          'progress-interval-ms': String(progressInterval.toMilliseconds()),
        },
        props.environment,
      ),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'worker' }),
      stopTimeout,
      healthCheck: {
        command: [...health.command],
        interval: Duration.seconds(health.intervalSeconds),
        timeout: Duration.seconds(health.timeoutSeconds),
        startPeriod: Duration.seconds(health.startPeriodSeconds),
        retries: health.retries,
      },
      readonlyRootFilesystem: true,
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: s.desiredCount ?? 2,
      // New workers start before old ones stop: the old hand their leases over at SIGTERM, none waits for expiry.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { rollback: true },
      assignPublicIp: ownVpc,
      ...(ownVpc ? { vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } } : {}),
    });

    // The policies name the lease table by the CLI's ARN, not by a reference, so CloudFormation would not order
    // them: a worker started before the table exists would create it itself, and the stack's CreateTable fail.
    this.service.node.addDependency(this.leaseTable, role);

    const namespace = `DdbReplicator/${r.taskName}`;
    new logs.MetricFilter(this, 'LagFilter', {
      logGroup: this.logGroup,
      // Only lines that carry a lag: a worker holding no shard yet writes none.
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.msg', '=', PROGRESS_MESSAGE),
        logs.FilterPattern.numberValue(`$.progress.${LAG_FIELD}`, '>=', 0),
      ),
      metricNamespace: namespace,
      metricName: LAG_METRIC,
      metricValue: `$.progress.${LAG_FIELD}`,
      unit: cloudwatch.Unit.MILLISECONDS,
    });
    this.lagMetric = new cloudwatch.Metric({
      namespace,
      metricName: LAG_METRIC,
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    this.alarms = [
      new cloudwatch.Alarm(this, 'LagAlarm', {
        alarmDescription: `ddb-replicator ${r.taskName}: the fleet's largest lag (progress lines' maxBehindMs) is above the threshold for 5 minutes, or no worker reported one (the fleet is down or holds no shard)`,
        metric: this.lagMetric,
        threshold: (s.lagAlarm ?? Duration.seconds(60)).toMilliseconds(),
        evaluationPeriods: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No line at all is no worker reading: as bad as a lag.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    ];
  }
}
