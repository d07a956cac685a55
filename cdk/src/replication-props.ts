// What a DynamoDbReplication is built from: the two tables, the engine (a Lambda function on the source stream, or a
// Fargate fleet of the CLI's container) and each engine's settings. Every default is written here beside its
// reason, so that the construct's code reads the settings and never invents one.
import type { Duration } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';

export interface ReplicationSource {
  /** The table's name or ARN (an ARN gives its region and account). */
  readonly table: string;
  /**
   * The stream to read (DescribeTable's LatestStreamArn). Required in `lambda` mode (the event source mapping
   * names it); in `fargate` mode it narrows the stream statement to this one stream (the CLI reads the table's
   * current stream, so a stream disabled and enabled again needs a new deployment either way).
   */
  readonly streamArn?: string;
  /** Default: the table ARN's, else the stack's. */
  readonly region?: string;
  /** Default: the table ARN's, else the stack's. The source must be in the stack's account. */
  readonly account?: string;
}

export interface ReplicationDestination {
  /** The destination table's name. */
  readonly table: string;
  /** Default: the source's region. */
  readonly region?: string;
  /** Default: the role's account, else the source's. */
  readonly account?: string;
  /**
   * A role in the destination account that the replicator assumes to write (`--dest-role-arn`). Its own
   * identity and trust policies come from the same code and are exposed as `destinationRolePolicies`.
   */
  readonly roleArn?: string;
  /** `--dest-external-id`, when the role's trust policy asks for one. */
  readonly externalId?: string;
}

export type ReplicationMode = 'lambda' | 'fargate';

export interface LambdaModeProps {
  /**
   * The handler's zip (`npm run package:lambda` at the repository root). Default: LAMBDA_ZIP_DEFAULT under the
   * repository root; a missing file is an error at synth that says how to build it.
   */
  readonly zipPath?: string;
  /**
   * Default Node 20, what `npm run package:lambda` builds for. AWS deprecated nodejs20.x on 2026-04-30 and blocks
   * creating functions on it from 2027-02-01 (synth warns): set a newer runtime once the bundle is tested on it.
   */
  readonly runtime?: lambda.Runtime;
  /** The handler inside the zip. Default: `index.handler` (package:lambda's). */
  readonly handler?: string;
  /** Records per invocation. Default 100 (the benchmark's batch; squashing works on what one batch holds). */
  readonly batchSize?: number;
  /** Default TRIM_HORIZON: a new mapping starts from the oldest record kept, so nothing after deploy is skipped. */
  readonly startingPosition?: lambda.StartingPosition;
  /**
   * Retries of a failing batch before it goes to the on-failure queue. Default 10000 (Lambda's maximum): a
   * destination outage must not drop changes; maxRecordAge bounds the time instead.
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the on-failure queue instead of being retried. Default 20 h: the queue's
   * message names the shard and sequence numbers only, so it must come while the stream (24 h retention) still
   * holds the records, with 4 h left to read them.
   */
  readonly maxRecordAge?: Duration;
  /** Concurrent batches per shard. Default 1; above 1 Lambda still keeps per-key order. */
  readonly parallelizationFactor?: number;
  /** Default 512 MiB. */
  readonly memorySize?: number;
  /** Default 60 s: one batch of 100 writes in well under a second; the rest is room for retries. */
  readonly timeout?: Duration;
  /** IteratorAge (Maximum over one minute) above this alarms. Default 60 s. */
  readonly iteratorAgeAlarm?: Duration;
}

export interface FargateModeProps {
  /** Default: a new VPC of two availability zones with one NAT gateway. */
  readonly vpc?: ec2.IVpc;
  /** Default: a new cluster in the VPC. */
  readonly cluster?: ecs.ICluster;
  /** Workers (tasks). Default 2: one can stop while the other takes its shards over. */
  readonly desiredCount?: number;
  /** Default 512 (0.5 vCPU). */
  readonly cpu?: number;
  /**
   * Default 1024 MiB: the measured peak is 215 MB resident for a 200,000-record backlog at the default
   * --max-buffer-mb 32 (README, "Measured"), doubled for headroom as ops/kubernetes/replicator.yaml's limit.
   */
  readonly memoryLimitMiB?: number;
  /**
   * 'create' (default): the stack creates the lease table (and fails if a table of that name exists). 'existing':
   * the fleet uses the one the CLI or the Java library left under the same name, with its checkpoints.
   */
  readonly leaseTable?: 'create' | 'existing';
  /** The Docker build context (the repository's Dockerfile). Default: the repository root. */
  readonly dockerDirectory?: string;
  /** `--shutdown-timeout-ms`. Default 30 s; the container's stopTimeout is 30 s longer. */
  readonly shutdownTimeout?: Duration;
  /** The progress line's interval (`--progress-interval-ms`), which the lag metric is read from. Default 10 s. */
  readonly progressInterval?: Duration;
  /** The fleet's lag (largest maxBehindMs over one minute) above this alarms. Default 60 s. */
  readonly lagAlarm?: Duration;
  /** How long the log group `/ddb-replicator/<task name>` keeps the workers' lines. Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

export interface DynamoDbReplicationProps {
  readonly source: ReplicationSource;
  readonly destination: ReplicationDestination;
  readonly mode: ReplicationMode;
  /**
   * The task name (`--task-name`): names the lease table. Default: the CLI's, the hex MD5 of the source and
   * destination regions and tables, so the CLI (status, bootstrap, verify) finds the same lease table.
   */
  readonly taskName?: string;
  /**
   * More DDB_REPLICATOR_* variables for the replicator: rules (`DDB_REPLICATOR_FILTER`, `..._EXCLUDE_ATTRIBUTES`,
   * `..._RENAME_ATTRIBUTES`), tuning. In `lambda` mode the handler's own configuration check runs on them at synth
   * (it refuses what it would not read); the variables the construct sets from the props are refused here.
   */
  readonly environment?: Readonly<Record<string, string>>;
  readonly lambda?: LambdaModeProps;
  readonly fargate?: FargateModeProps;
}
