// The validated settings of one `replicate` run. Built once from flags (cli/) and handed to each component as
// the few values it needs; nothing downstream reads flags or the environment.
import { isIP } from 'node:net';
import { ConfigError } from '../errors/replicator-error.js';
import {
  DEFAULT_CREDENTIALS,
  leaseCredentialSource,
  type CredentialFlags,
  type KnownProfiles,
} from './credential-source.js';
import { buildRuleOptions, type RuleFlags, type RuleOptions } from '../rules/rule-options.js';
import {
  buildDeadLetterOptions,
  type DeadLetterOptions,
  type RejectFlags,
} from '../deadletter/dead-letter-options.js';
import { checkEndpoint, checkRange } from './flag-checks.js';
import { plainTableName } from './table-arn.js';
import { tableLocations, type TableFlags, type TableLocation } from './table-locations.js';
import { defaultTaskName, leaseTableName } from './task-name.js';

export type { Location, TableLocation } from './table-locations.js';

export type StartPosition = 'trim-horizon' | 'latest';

export const STREAM_VIEW_TYPES = ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] as const;
export type DestinationStreamViewType = (typeof STREAM_VIEW_TYPES)[number];

/** `--create-dest-table`: build a missing destination from the source's description. */
export interface CreateDestinationOptions {
  /** A stream on the destination (chained replication); undefined: none. */
  readonly streamViewType: DestinationStreamViewType | undefined;
  /** The destination's KMS key (a source's customer-managed key cannot be used in another account or region). */
  readonly kmsKey: string | undefined;
  /** Copy the source table's tags. */
  readonly copyTags: boolean;
}

/** A further destination of a fan-out (plan `destinations:`): where its table is. */
export interface FanOutSide {
  readonly destination: TableLocation;
  /** Undefined: the destination must exist. */
  readonly createDestTable: CreateDestinationOptions | undefined;
}

/** A further destination of a replication: its table and its own rules. */
export interface FanOutTarget extends FanOutSide {
  /** Undefined: every change is written as it is. */
  readonly rules: RuleOptions | undefined;
}

/** The flags a further destination of a fan-out gets: a single destination's, and its own rules. */
export interface FanOutFlags extends RuleFlags {
  readonly destTable?: string | undefined;
  readonly destRegion?: string | undefined;
  readonly destEndpoint?: string | undefined;
  readonly destCredentials?: CredentialFlags | undefined;
  readonly createDestTable?: boolean | undefined;
  readonly destStreamViewType?: string | undefined;
  readonly destKmsKey?: string | undefined;
  readonly copyTags?: boolean | undefined;
}

/** What a task is: its two tables, its lease table and task name, and where each side's credentials come from. */
export interface TaskSides {
  readonly source: TableLocation;
  /** The first (or only) destination. */
  readonly destination: TableLocation;
  /** The further destinations of a fan-out, read from the same stream; empty for a single table pair. */
  readonly fanOut: readonly FanOutSide[];
  readonly lease: TableLocation;
  /** Where the source's stream is read; the source endpoint unless told otherwise. */
  readonly sourceStreamsEndpoint: string | undefined;
  readonly taskName: string;
  /** Undefined: the destination must exist. */
  readonly createDestTable: CreateDestinationOptions | undefined;
}

export interface ReplicationConfig extends TaskSides {
  /** The further destinations of a fan-out with their rules (a `@file` filter read once, here). */
  readonly fanOut: readonly FanOutTarget[];
  readonly workerId: string;
  readonly startPosition: StartPosition;
  /** GetRecords limit (1..1000). */
  readonly batchSize: number;
  /** BatchWriteItem requests in flight per worker. */
  readonly writeConcurrency: number;
  /** Bytes of stream records held in buffers and flushes at once, over all shards of the worker. */
  readonly maxBufferBytes: number;
  /** Wait between GetRecords calls on a shard at its tip. */
  readonly pollIntervalMs: number;
  /** The longest wait between GetRecords calls on a shard that stays quiet (the back-off's cap). */
  readonly maxPollIntervalMs: number;
  /** Least time between two checkpoint writes of a shard: what a crash may make the next owner replay. */
  readonly checkpointIntervalMs: number;
  /** A lease not renewed for this long is expired and another worker may take it. */
  readonly failoverMs: number;
  /** How often DescribeStream looks for new shards, besides when a shard ends. */
  readonly shardSyncIntervalMs: number;
  readonly progressIntervalMs: number;
  /** How long a stop may spend on the final flush before it gives up (the checkpoint then stays put). */
  readonly shutdownTimeoutMs: number;
  readonly metricsPort: number | undefined;
  /** The interface the metrics port listens on; undefined: all of them. */
  readonly metricsHost: string | undefined;
  /** A held shard behind and without progress for this long makes the worker stuck (/healthz 503). */
  readonly stallTimeoutMs: number;
  /** Filter, transform and TTL rules; undefined: every change is written as it is. */
  readonly rules: RuleOptions | undefined;
  /** `--on-reject dead-letter`: where refused changes go; undefined: a refusal stops the shard. */
  readonly deadLetters: DeadLetterOptions | undefined;
}

export interface TaskFlags extends TableFlags {
  readonly sourceStreamsEndpoint?: string | undefined;
  readonly taskName?: string | undefined;
  readonly leaseRegion?: string | undefined;
  readonly leaseEndpoint?: string | undefined;
  /** Undefined: the lease table is reached with the source side's credentials. */
  readonly leaseCredentials?: CredentialFlags | undefined;
  readonly createDestTable?: boolean | undefined;
  readonly destStreamViewType?: string | undefined;
  readonly destKmsKey?: string | undefined;
  readonly copyTags?: boolean | undefined;
  /** Further destinations of a fan-out (a plan's `destinations:` after the first). */
  readonly fanOut?: readonly FanOutFlags[] | undefined;
}

export interface ReplicationFlags extends TaskFlags, RuleFlags, RejectFlags {
  readonly workerId: string;
  readonly startPosition: StartPosition;
  readonly batchSize: number;
  readonly writeConcurrency: number;
  readonly maxBufferMb: number;
  readonly pollIntervalMs: number;
  /** Undefined: DEFAULT_MAX_POLL_INTERVAL_MS. */
  readonly maxPollIntervalMs?: number | undefined;
  readonly checkpointIntervalMs: number;
  readonly failoverMs: number;
  readonly shardSyncIntervalMs: number;
  readonly progressIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  readonly metricsPort?: number | undefined;
  readonly metricsHost?: string | undefined;
  /** Undefined: DEFAULT_STALL_TIMEOUT_MS. */
  readonly stallTimeoutMs?: number | undefined;
}

/** `--max-poll-interval-ms`'s default: a quiet shard costs about one read a second; a change after a quiet spell waits up to that. */
export const DEFAULT_MAX_POLL_INTERVAL_MS = 1_000;

/** `--stall-timeout-ms`'s default: a minute without progress is no hiccup (a throttled burst, a slow page). */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** The task's sides from its flags: shared by `replicate`, `bootstrap` and `policy`, so they name the same task. */
export function buildTaskSides(
  flags: TaskFlags,
  env: NodeJS.ProcessEnv = process.env,
  profiles?: KnownProfiles,
): TaskSides {
  const { source, destination } = tableLocations(flags, env, profiles);
  const fanOut = (flags.fanOut ?? []).map((more) => fanOutSide(flags, more, env, profiles));
  checkDistinctDestinations([destination, ...fanOut.map((target) => target.destination)]);
  const sourceStreamsEndpoint =
    checkEndpoint(flags.sourceStreamsEndpoint, '--source-streams-endpoint') ?? source.endpoint;
  const leaseEndpoint = checkEndpoint(flags.leaseEndpoint, '--lease-endpoint');
  const taskName =
    flags.taskName ??
    defaultTaskName(
      source.region,
      plainTableName(source.tableName),
      destination.region,
      destination.tableName,
      fanOut.map((target) => target.destination),
    );
  if (!/^[a-zA-Z0-9_.-]{1,200}$/.test(taskName)) {
    throw new ConfigError(
      `--task-name ${JSON.stringify(taskName)} is not usable in a table name: use letters, digits, '_', '-' and '.'`,
    );
  }
  // The lease table follows the source unless told otherwise; a lease region without an endpoint means the
  // real AWS endpoint of that region, not the source's (possibly local) endpoint.
  const leaseRegion = flags.leaseRegion ?? source.region;
  const leaseLocationEndpoint =
    leaseEndpoint ?? (flags.leaseRegion === undefined ? source.endpoint : undefined);
  // The lease table lives with the source by default, and so do its credentials.
  const leaseCredentials = leaseCredentialSource(
    flags.leaseCredentials,
    source.credentials ?? DEFAULT_CREDENTIALS,
    profiles,
  );
  return {
    source,
    destination,
    fanOut,
    lease: {
      region: leaseRegion,
      endpoint: leaseLocationEndpoint,
      tableName: leaseTableName(taskName),
      credentials: leaseCredentials,
    },
    sourceStreamsEndpoint,
    taskName,
    createDestTable: createDestinationOptions(flags),
  };
}

export function buildReplicationConfig(
  flags: ReplicationFlags,
  env: NodeJS.ProcessEnv = process.env,
  profiles?: KnownProfiles,
): ReplicationConfig {
  const sides = buildTaskSides(flags, env, profiles);
  checkRange(flags.batchSize, 1, 1000, '--batch-size');
  checkRange(flags.writeConcurrency, 1, 256, '--write-concurrency');
  checkRange(flags.maxBufferMb, 1, 16_384, '--max-buffer-mb');
  checkRange(flags.pollIntervalMs, 0, 60_000, '--poll-interval-ms');
  const maxPollIntervalMs = flags.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS;
  checkRange(maxPollIntervalMs, 0, 60_000, '--max-poll-interval-ms');
  checkRange(flags.checkpointIntervalMs, 0, 60_000, '--checkpoint-interval-ms');
  checkRange(flags.failoverMs, 1_000, 3_600_000, '--failover-ms');
  checkRange(flags.shardSyncIntervalMs, 100, 3_600_000, '--shard-sync-interval-ms');
  checkRange(flags.progressIntervalMs, 0, 3_600_000, '--progress-interval-ms');
  checkRange(flags.shutdownTimeoutMs, 0, 3_600_000, '--shutdown-timeout-ms');
  if (flags.metricsPort !== undefined) checkRange(flags.metricsPort, 0, 65_535, '--metrics-port');
  checkMetricsHost(flags.metricsHost);
  const stallTimeoutMs = flags.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  // At least a second: shorter would call every GetRecords round trip or slow flush a stall.
  checkRange(stallTimeoutMs, 1_000, 86_400_000, '--stall-timeout-ms');
  if (flags.workerId.trim() === '')
    throw new ConfigError('--worker-id is empty: give each worker a unique name');
  const deadLetters = buildDeadLetterOptions(flags, sides.lease.tableName);
  if (deadLetters !== undefined && sides.fanOut.length > 0) {
    // A dead letter holds one key's order for one destination; several would need a lane each (known limit).
    throw new ConfigError(
      'onReject dead-letter does not work with several destinations yet: use onReject stop for this entry, or one entry per destination',
    );
  }

  const fanOut = sides.fanOut.map((side, i) => ({
    ...side,
    rules: buildRuleOptions(flags.fanOut?.[i] ?? {}),
  }));
  return {
    ...sides,
    fanOut,
    workerId: flags.workerId,
    startPosition: flags.startPosition,
    batchSize: flags.batchSize,
    writeConcurrency: flags.writeConcurrency,
    maxBufferBytes: flags.maxBufferMb * 1024 * 1024,
    pollIntervalMs: flags.pollIntervalMs,
    maxPollIntervalMs,
    checkpointIntervalMs: flags.checkpointIntervalMs,
    failoverMs: flags.failoverMs,
    shardSyncIntervalMs: flags.shardSyncIntervalMs,
    progressIntervalMs: flags.progressIntervalMs,
    shutdownTimeoutMs: flags.shutdownTimeoutMs,
    metricsPort: flags.metricsPort,
    metricsHost: flags.metricsHost,
    stallTimeoutMs,
    rules: buildRuleOptions(flags),
    deadLetters,
  };
}

/**
 * One further destination: located as `--dest-*` would be (beside the same source). Its rules are built with the
 * replication's config, not here: a plan's `@file` filter is found beside the plan only once plan-run says where.
 */
function fanOutSide(
  flags: TaskFlags,
  more: FanOutFlags,
  env: NodeJS.ProcessEnv,
  profiles: KnownProfiles | undefined,
): FanOutSide {
  const { destination } = tableLocations(
    {
      ...flags,
      destTable: more.destTable,
      destRegion: more.destRegion,
      destEndpoint: more.destEndpoint,
      destCredentials: more.destCredentials,
    },
    env,
    profiles,
  );
  return { destination, createDestTable: createDestinationOptions(more) };
}

/** Two destinations of one fan-out that are one table would take every write twice, in no set order. */
function checkDistinctDestinations(destinations: readonly TableLocation[]): void {
  const seen = new Set<string>();
  for (const d of destinations) {
    const key = JSON.stringify([d.region, d.endpoint ?? '', d.tableName, d.credentials ?? {}]);
    if (seen.has(key)) {
      throw new ConfigError(
        `destination table ${d.tableName} (${d.endpoint === undefined ? `region ${d.region}` : `region ${d.region} at ${d.endpoint}`}) is named twice among the destinations: name each destination table once`,
      );
    }
    seen.add(key);
  }
}

function createDestinationOptions(
  flags: Pick<TaskFlags, 'createDestTable' | 'destStreamViewType' | 'destKmsKey' | 'copyTags'>,
): CreateDestinationOptions | undefined {
  const viewType = flags.destStreamViewType;
  if (flags.createDestTable !== true) {
    const stray = [
      viewType === undefined ? undefined : '--dest-stream-view-type',
      flags.destKmsKey === undefined ? undefined : '--dest-kms-key',
      flags.copyTags === true ? '--copy-tags' : undefined,
    ].find((flag) => flag !== undefined);
    if (stray !== undefined) {
      throw new ConfigError(
        `${stray} only applies to a table that --create-dest-table creates: add --create-dest-table, or leave ${stray} out`,
      );
    }
    return undefined;
  }
  const known = STREAM_VIEW_TYPES.find((t) => t === viewType);
  if (viewType !== undefined && known === undefined) {
    throw new ConfigError(
      `--dest-stream-view-type ${JSON.stringify(viewType)} is not a stream view type: use one of ${STREAM_VIEW_TYPES.join(', ')}`,
    );
  }
  if (flags.destKmsKey !== undefined && flags.destKmsKey.trim() === '') {
    throw new ConfigError('--dest-kms-key is empty: name a KMS key id, ARN or alias of the destination');
  }
  return { streamViewType: known, kmsKey: flags.destKmsKey, copyTags: flags.copyTags === true };
}

/** An IP address or a host name: a typo is a start-up error, not a server listening somewhere unexpected. */
export function checkMetricsHost(host: string | undefined): void {
  if (host === undefined) return;
  if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host)) {
    throw new ConfigError(
      `--metrics-host ${JSON.stringify(host)} is neither an IP address nor a host name (e.g. 127.0.0.1, ::, localhost)`,
    );
  }
}
