// The validated settings of one `replicate` run. Built once from flags (cli/) and handed to each component as
// the few values it needs; nothing downstream reads flags or the environment.
import { ConfigError } from '../errors/replicator-error.js';
import { checkEndpoint, checkRange, requireTableName } from './flag-checks.js';
import { defaultTaskName, leaseTableName } from './task-name.js';

/** Where a table lives: a region and, for DynamoDB Local or a VPC endpoint, an explicit endpoint URL. */
export interface Location {
  readonly region: string;
  readonly endpoint: string | undefined;
}

export interface TableLocation extends Location {
  readonly tableName: string;
}

export type StartPosition = 'trim-horizon' | 'latest';

export interface ReplicationConfig {
  readonly source: TableLocation;
  readonly destination: TableLocation;
  readonly lease: TableLocation;
  /** Where the source's stream is read; the source endpoint unless told otherwise. */
  readonly sourceStreamsEndpoint: string | undefined;
  readonly taskName: string;
  readonly workerId: string;
  readonly startPosition: StartPosition;
  /** GetRecords limit (1..1000). */
  readonly batchSize: number;
  /** BatchWriteItem requests in flight per worker. */
  readonly writeConcurrency: number;
  /** Bytes of stream records held in buffers and flushes at once, over all shards of the worker. */
  readonly maxBufferBytes: number;
  /** Idle wait between GetRecords calls on a shard that returned nothing. */
  readonly pollIntervalMs: number;
  /** A lease not renewed for this long is expired and another worker may take it. */
  readonly failoverMs: number;
  /** How often DescribeStream looks for new shards, besides when a shard ends. */
  readonly shardSyncIntervalMs: number;
  readonly progressIntervalMs: number;
  /** How long a stop may spend on the final flush before it gives up (the checkpoint then stays put). */
  readonly shutdownTimeoutMs: number;
  readonly metricsPort: number | undefined;
}

export interface ReplicationFlags {
  readonly sourceTable?: string | undefined;
  readonly sourceRegion?: string | undefined;
  readonly sourceEndpoint?: string | undefined;
  readonly sourceStreamsEndpoint?: string | undefined;
  readonly destTable?: string | undefined;
  readonly destRegion?: string | undefined;
  readonly destEndpoint?: string | undefined;
  readonly taskName?: string | undefined;
  readonly leaseRegion?: string | undefined;
  readonly leaseEndpoint?: string | undefined;
  readonly workerId: string;
  readonly startPosition: StartPosition;
  readonly batchSize: number;
  readonly writeConcurrency: number;
  readonly maxBufferMb: number;
  readonly pollIntervalMs: number;
  readonly failoverMs: number;
  readonly shardSyncIntervalMs: number;
  readonly progressIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly metricsPort?: number | undefined;
}

export function buildReplicationConfig(
  flags: ReplicationFlags,
  env: NodeJS.ProcessEnv = process.env,
): ReplicationConfig {
  const sourceTable = requireTableName(flags.sourceTable, '--source-table');
  const destTable = requireTableName(flags.destTable, '--dest-table');
  const sourceRegion = flags.sourceRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (sourceRegion === undefined || sourceRegion === '') {
    throw new ConfigError("missing --source-region: name the source table's region (or set AWS_REGION)");
  }
  const destRegion = flags.destRegion ?? sourceRegion;
  const sourceEndpoint = checkEndpoint(flags.sourceEndpoint, '--source-endpoint');
  const sourceStreamsEndpoint =
    checkEndpoint(flags.sourceStreamsEndpoint, '--source-streams-endpoint') ?? sourceEndpoint;
  const destEndpoint = checkEndpoint(flags.destEndpoint, '--dest-endpoint');
  const leaseEndpoint = checkEndpoint(flags.leaseEndpoint, '--lease-endpoint');

  if (sourceTable === destTable && sourceRegion === destRegion && sourceEndpoint === destEndpoint) {
    throw new ConfigError(
      `--dest-table ${destTable} is the source table itself (same region and endpoint): name another table`,
    );
  }
  const taskName = flags.taskName ?? defaultTaskName(sourceRegion, sourceTable, destRegion, destTable);
  if (!/^[a-zA-Z0-9_.-]{1,200}$/.test(taskName)) {
    throw new ConfigError(
      `--task-name ${JSON.stringify(taskName)} is not usable in a table name: use letters, digits, '_', '-' and '.'`,
    );
  }
  // The lease table follows the source unless told otherwise; a lease region without an endpoint means the
  // real AWS endpoint of that region, not the source's (possibly local) endpoint.
  const leaseRegion = flags.leaseRegion ?? sourceRegion;
  const leaseLocationEndpoint =
    leaseEndpoint ?? (flags.leaseRegion === undefined ? sourceEndpoint : undefined);

  checkRange(flags.batchSize, 1, 1000, '--batch-size');
  checkRange(flags.writeConcurrency, 1, 256, '--write-concurrency');
  checkRange(flags.maxBufferMb, 1, 16_384, '--max-buffer-mb');
  checkRange(flags.pollIntervalMs, 0, 60_000, '--poll-interval-ms');
  checkRange(flags.failoverMs, 1_000, 3_600_000, '--failover-ms');
  checkRange(flags.shardSyncIntervalMs, 100, 3_600_000, '--shard-sync-interval-ms');
  checkRange(flags.progressIntervalMs, 0, 3_600_000, '--progress-interval-ms');
  checkRange(flags.shutdownTimeoutMs, 0, 3_600_000, '--shutdown-timeout-ms');
  if (flags.metricsPort !== undefined) checkRange(flags.metricsPort, 0, 65_535, '--metrics-port');
  if (flags.workerId.trim() === '')
    throw new ConfigError('--worker-id is empty: give each worker a unique name');

  return {
    source: { region: sourceRegion, endpoint: sourceEndpoint, tableName: sourceTable },
    destination: { region: destRegion, endpoint: destEndpoint, tableName: destTable },
    lease: { region: leaseRegion, endpoint: leaseLocationEndpoint, tableName: leaseTableName(taskName) },
    sourceStreamsEndpoint,
    taskName,
    workerId: flags.workerId,
    startPosition: flags.startPosition,
    batchSize: flags.batchSize,
    writeConcurrency: flags.writeConcurrency,
    maxBufferBytes: flags.maxBufferMb * 1024 * 1024,
    pollIntervalMs: flags.pollIntervalMs,
    failoverMs: flags.failoverMs,
    shardSyncIntervalMs: flags.shardSyncIntervalMs,
    progressIntervalMs: flags.progressIntervalMs,
    shutdownTimeoutMs: flags.shutdownTimeoutMs,
    metricsPort: flags.metricsPort,
  };
}
