// The bootstrap task item, created at the first start of a copy and followed by every later start and every
// worker: the segment count and the estimates are decided once. A task that already replicates, or whose stream
// was replaced since the copy began, is refused.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import type { CheckedTables } from '../app/startup-checks.js';
import type { ReplicationConfig } from '../config/replication-config.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import { DynamoLeaseStore } from '../lease/dynamo-lease-store.js';
import { defaultSegments } from '../scan/scan-segment.js';
import { patiently, type BootstrapDeps } from './bootstrap-deps.js';
import type { BootstrapTask } from './bootstrap-items.js';
import type { BootstrapOptions } from './bootstrap-options.js';
import type { SegmentStore } from './segment-store.js';
import { sideFailure } from './side-failure.js';
import { chooseCopyMode } from './copy-mode.js';
import { STREAM_RETENTION_MS } from './retention-warning.js';

/** What opening the task reads of the worker's deps. */
export type OpenTaskDeps = Pick<BootstrapDeps, 'config' | 'logger' | 'leaseClient'> & {
  readonly tables: Pick<CheckedTables, 'streamArn'>;
};

/** The task as stored, created at the first start; undefined when stopped meanwhile. */
export async function openTask(
  deps: OpenTaskDeps,
  options: BootstrapOptions,
  store: SegmentStore,
  source: DynamoDBClient,
  destination: DynamoDBClient,
  signal: AbortSignal,
): Promise<BootstrapTask | undefined> {
  const { config, tables, logger } = deps;
  const follow = (existing: BootstrapTask): BootstrapTask => {
    checkSameStream(existing, tables.streamArn, config);
    if (options.segments !== undefined && options.segments !== existing.segments) {
      logger.warn(
        { segments: existing.segments, asked: options.segments },
        'the copy keeps the segment count of its first start',
      );
    }
    const asked = options.copyMode ?? 'auto';
    if (asked !== 'auto' && asked !== (existing.copyMode ?? 'direct')) {
      logger.warn({ copyMode: existing.copyMode, asked }, 'the copy keeps the copy mode of its first start');
    }
    logger.info(
      { state: existing.state, segments: existing.segments, copyMode: existing.copyMode },
      'resuming bootstrap copy',
    );
    return existing;
  };
  const existing = (await patiently(() => store.read(signal), deps, signal)).task;
  if (existing !== undefined) return follow(existing);
  const leaseStore = new DynamoLeaseStore(deps.leaseClient, config.lease.tableName);
  const shardLeases = await patiently(() => leaseStore.list(signal), deps, signal);
  if (shardLeases.length > 0) {
    // A worker of the same fleet may have created the task and recorded its positions (the shard checkpoints)
    // between the two reads above: only a lease table with checkpoints and no task is a task that replicates.
    const created = (await patiently(() => store.read(signal), deps, signal)).task;
    if (created !== undefined) return follow(created);
    throw new ConfigError(
      `task ${config.taskName} already replicates (its lease table ${config.lease.tableName} holds ${shardLeases.length} shard checkpoints): a bootstrap copy needs a task of its own; use a new --task-name (and an empty destination)`,
    );
  }
  const described = await patiently(
    () =>
      source.send(new DescribeTableCommand({ TableName: config.source.tableName }), { abortSignal: signal }),
    deps,
    signal,
  ).catch((err: unknown) => {
    throw sideFailure(err, 'source', config.source, 'dynamodb:DescribeTable');
  });
  const estimatedBytes = described.Table?.TableSizeBytes ?? 0;
  const estimatedItems = described.Table?.ItemCount ?? 0;
  const unsupported = spoolUnsupported(config);
  const choice = chooseCopyMode({
    requested: options.copyMode ?? 'auto',
    estimatedItems,
    estimatedBytes,
    maxReadRate: options.maxReadRate,
    maxWriteRate: options.maxWriteRate,
    retentionMs: STREAM_RETENTION_MS,
    unsupported,
  });
  const task: BootstrapTask = {
    state: 'recording-positions',
    startedAt: Date.now(),
    segments: options.segments ?? defaultSegments(estimatedBytes),
    estimatedItems,
    estimatedBytes,
    streamArn: tables.streamArn,
    positionsRecordedAt: undefined,
    doneAt: undefined,
    copyMode: choice.mode,
    // The copy's measured rate decides again (copy-table.ts).
    ...((options.copyMode ?? 'auto') === 'auto' && choice.mode === 'direct' && unsupported === undefined
      ? { autoMode: true }
      : {}),
  };
  await warnIfDestinationHasItems(destination, config, logger, signal);
  if (await patiently(() => store.createTask(task, signal), deps, signal)) {
    logger.info(
      {
        segments: task.segments,
        estimatedItems: task.estimatedItems,
        estimatedBytes: task.estimatedBytes,
        maxWriteRate: options.maxWriteRate,
        maxReadRate: options.maxReadRate,
        copyMode: choice.mode,
        why: choice.reason,
      },
      'bootstrap copy started',
    );
    return task;
  }
  // Another worker of the fleet created it first: follow its decisions.
  const theirs = (await patiently(() => store.read(signal), deps, signal)).task;
  if (theirs !== undefined) checkSameStream(theirs, tables.streamArn, config);
  return theirs;
}

/** What spool mode cannot serve: its drain writes the spooled images as they are, to one destination. */
function spoolUnsupported(config: ReplicationConfig): string | undefined {
  if (config.rules !== undefined) return 'rules (--filter, --transform, attribute rules)';
  if (config.fanOut.length > 0) return 'a fan-out to several destinations';
  if (config.deadLetters !== undefined) return '--on-reject dead-letter';
  return undefined;
}

function checkSameStream(task: BootstrapTask, streamArn: string, config: ReplicationConfig): void {
  if (task.streamArn === streamArn) return;
  throw new ConfigError(
    `the bootstrap copy of task ${config.taskName} was started for stream ${task.streamArn}, but source table ${config.source.tableName} now has stream ${streamArn} (disabled and re-enabled): start over with a new --task-name and an empty destination`,
  );
}

async function warnIfDestinationHasItems(
  destination: DynamoDBClient,
  config: ReplicationConfig,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  try {
    const out = await destination.send(
      new DescribeTableCommand({ TableName: config.destination.tableName }),
      { abortSignal: signal },
    );
    const count = out.Table?.ItemCount ?? 0;
    if (count > 0) {
      logger.warn(
        { destinationTable: config.destination.tableName, itemCount: count },
        'the destination table is not empty: items that are not in the source stay there',
      );
    }
  } catch (err) {
    logger.debug({ err: errorMessage(err) }, 'could not count the destination items');
  }
}
