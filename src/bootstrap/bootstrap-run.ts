// Orchestrates a bootstrap copy between the lease table's preparation and the start of replication:
// 1. the task item is created once (segment count and estimates fixed at the first start);
// 2. the position of every shard is recorded as its lease (stream-positions.ts), before any item is read;
// 3. the segments are copied by every worker of the task (segment-coordinator.ts), resumably;
// 4. the positions are checked against the stream's retention (position-check.ts), and the task is done.
// Replication then starts from the recorded positions. Without a bootstrap, a worker refuses a task whose copy
// is unfinished: replicating during the copy could leave scanned (older) images over replayed changes.
// In spool mode (src/spool/) steps 3 and on run beside the worker's consumers, which spool the stream meanwhile:
// the step returns them (a SpoolRun) once the positions are recorded.
import { DATA_PATH } from '../app/aws-clients.js';
import { runExportBootstrap } from '../export/export-bootstrap.js';
import { refuseUnfinishedExportLoad } from '../export/export-task-guard.js';
import { ConfigError } from '../errors/replicator-error.js';
import { DynamoLeaseStore } from '../lease/dynamo-lease-store.js';
import { SdkStreamApi } from '../stream/stream-api.js';
import { markPositionsRecorded, patiently, type BootstrapDeps } from './bootstrap-deps.js';
import type { BootstrapTask } from './bootstrap-items.js';
import type { BootstrapOptions } from './bootstrap-options.js';
import { copyTable } from './copy-table.js';
import { openTask } from './open-task.js';
import { checkRecordedPositions } from './position-check.js';
import { DynamoSegmentStore, type SegmentStore } from './segment-store.js';
import { sideFailure } from './side-failure.js';
import { recordStreamPositions } from './stream-positions.js';
import { spoolRun, type SpoolRun } from '../spool/spool-phases.js';
import { deleteSpoolTable, ensureSpoolTable, spoolTableName } from '../spool/spool-table.js';

export type { BootstrapDeps } from './bootstrap-deps.js';

/**
 * The step between the lease table and the worker: the copy when asked for, else the guard. A spool-mode copy
 * returns what the worker runs beside its consumers to finish it.
 */
export async function runBootstrapStep(
  deps: BootstrapDeps,
  signal: AbortSignal,
): Promise<SpoolRun | undefined> {
  const store = new DynamoSegmentStore(deps.leaseClient, deps.config.lease.tableName);
  try {
    if (deps.options === undefined) {
      await refuseUnfinishedCopy(deps, store, signal);
      return undefined;
    }
    if (deps.options.fromExport !== undefined) {
      await runExportBootstrap(deps, deps.options, deps.options.fromExport, store, signal);
      return undefined;
    }
    await refuseUnfinishedExportLoad(deps, signal);
    return await runBootstrap(deps, deps.options, store, signal);
  } catch (err) {
    if (signal.aborted) return undefined;
    throw sideFailure(err, 'lease', deps.config.lease, 'use the lease table for the copy');
  }
}

async function refuseUnfinishedCopy(
  deps: BootstrapDeps,
  store: SegmentStore,
  signal: AbortSignal,
): Promise<void> {
  const { task } = deps.copyAtStart ?? (await patiently(() => store.read(signal), deps, signal));
  if (task?.state === 'done' && task.copyMode === 'spool') await removeSpool(deps, signal);
  if (task === undefined || task.state === 'done') return;
  throw new ConfigError(
    `the bootstrap copy of this task is not finished (state ${task.state}): start this worker with --bootstrap to join the copy (replication then starts after it), or wait until the copy is done`,
  );
}

async function runBootstrap(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  store: SegmentStore,
  signal: AbortSignal,
): Promise<SpoolRun | undefined> {
  const { config, tables, logger } = deps;
  const source = deps.clients.dynamo('source', DATA_PATH);
  const destination = deps.clients.dynamo('destination', DATA_PATH);
  const streamsClient = deps.clients.streams(DATA_PATH);
  const streams = new SdkStreamApi(streamsClient);
  try {
    let task = await openTask(deps, options, store, source, destination, signal);
    if (task === undefined) return undefined;
    if (task.state === 'done') {
      logger.info({ doneAt: task.doneAt }, 'bootstrap copy already done');
      // A worker stopped between the task's end and the spool's deletion left it.
      if (task.copyMode === 'spool') await removeSpool(deps, signal);
      return undefined;
    }
    if (task.state === 'recording-positions') {
      const positions = await recordStreamPositions(
        { api: streams, streamArn: tables.streamArn, batchSize: config.batchSize, store, logger },
        signal,
      ).catch((err: unknown) => {
        throw sideFailure(
          err,
          'source',
          config.source,
          'read the stream (dynamodb:GetShardIterator, GetRecords)',
        );
      });
      const moved = await markPositionsRecorded(store, task.segments, deps, signal);
      logger.info(
        {
          shards: positions.shards,
          recorded: Object.keys(positions.recorded).length,
          ...(positions.shards <= 50 ? { positions: positions.recorded } : {}),
          byThisWorker: moved,
        },
        'stream positions recorded',
      );
    }
    // A direct copy of an `auto` task may turn into a spool copy on its measured rate, here or in another worker.
    for (;;) {
      if (task.copyMode === 'spool') return await startSpool(deps, options, store, signal);
      await patiently(() => store.moveState(['positions-recorded'], 'copying', {}, signal), deps, signal);
      task = (await patiently(() => store.read(signal), deps, signal)).task ?? task;
      if (task.copyMode === 'spool') continue;
      const copied = await copyTable(deps, options, task, store, source, destination, signal);
      if (signal.aborted) return undefined;
      if (copied && (await finishDirect(deps, task, store, streams, signal))) break;
      const now = (await patiently(() => store.read(signal), deps, signal)).task;
      // Another worker marked it done first.
      if (now?.copyMode !== 'spool' && now?.state === 'done') break;
      if (now?.copyMode !== 'spool') return undefined;
      task = now;
    }
    logger.info(
      {
        streamArn: tables.streamArn,
        then: options.copyOnly ? 'exit' : 'replicate from the recorded positions',
      },
      'bootstrap copy done',
    );
    return undefined;
  } finally {
    source.destroy();
    destination.destroy();
    streamsClient.destroy();
  }
}

/** The spool table, then what the worker runs beside its consumers to finish the spool copy. */
async function startSpool(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  store: SegmentStore,
  signal: AbortSignal,
): Promise<SpoolRun> {
  const { config, logger } = deps;
  // Before any consumer can spool a change.
  const spoolTable = spoolTableName(config.lease.tableName);
  const { created } = await patiently(
    () => ensureSpoolTable(deps.leaseClient, spoolTable, signal),
    deps,
    signal,
  ).catch((err: unknown) => {
    throw sideFailure(err, 'lease', config.lease, `create the spool table ${spoolTable}`);
  });
  if (created) logger.info({ spoolTable }, 'spool table created');
  return spoolRun(deps, options, store);
}

/** Checks the recorded positions and marks the direct copy done; false if it turned into a spool copy. */
async function finishDirect(
  deps: BootstrapDeps,
  task: BootstrapTask,
  store: SegmentStore,
  streams: SdkStreamApi,
  signal: AbortSignal,
): Promise<boolean> {
  const { config, tables } = deps;
  const leases = await patiently(
    () => new DynamoLeaseStore(deps.leaseClient, config.lease.tableName).list(signal),
    deps,
    signal,
  );
  await checkRecordedPositions(
    {
      api: streams,
      streamArn: tables.streamArn,
      leases,
      // The first start: no position can be older, so no record after one can be trimmed before then + 24 h.
      positionsRecordedAt: task.startedAt,
      now: Date.now(),
    },
    signal,
  ).catch((err: unknown) => {
    throw sideFailure(err, 'source', config.source, 'read the stream (dynamodb:GetShardIterator)');
  });
  return patiently(
    () =>
      store.moveState(['positions-recorded', 'copying'], 'done', { doneAt: Date.now() }, signal, 'direct'),
    deps,
    signal,
  );
}

async function removeSpool(deps: BootstrapDeps, signal: AbortSignal): Promise<void> {
  const spoolTable = spoolTableName(deps.config.lease.tableName);
  if (await patiently(() => deleteSpoolTable(deps.leaseClient, spoolTable, signal), deps, signal)) {
    deps.logger.info({ spoolTable }, 'spool table deleted');
  }
}
