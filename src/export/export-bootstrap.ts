// `bootstrap --from-export` and `replicate --bootstrap --from-export`: the bootstrap copy with an export's files in
// place of the scan. The same task item and the same states as the scan copy (src/bootstrap/bootstrap-run.ts), so
// that a worker without --bootstrap refuses the task until the load is done, and the same resuming and fencing:
// 1. the export's manifests are read, ordered and every data file checked against its checksum, and the export's
//    end is checked against the stream's retention (export-retention.ts), before anything is written;
// 2. the task is opened (openTask) and the export it loads recorded (export-task-store.ts);
// 3. every shard's position is recorded as TRIM_HORIZON: the export is a past point in time, so replication must
//    start at or before it, and the oldest record the stream holds is the latest such position it can give;
// 4. the files are loaded under one segment lease (export-loader.ts), resumably;
// 5. the retention is checked again, and the task is done. Replication then starts from TRIM_HORIZON.
import { DATA_PATH } from '../app/aws-clients.js';
import { markPositionsRecorded, patiently, type BootstrapDeps } from '../bootstrap/bootstrap-deps.js';
import type { BootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { FleetRate } from '../bootstrap/fleet-rate.js';
import { openTask } from '../bootstrap/open-task.js';
import { SegmentCoordinator } from '../bootstrap/segment-coordinator.js';
import type { SegmentStore } from '../bootstrap/segment-store.js';
import { sideFailure } from '../bootstrap/side-failure.js';
import { ConfigError, DataLossError } from '../errors/replicator-error.js';
import { newLease, TRIM_HORIZON } from '../lease/lease.js';
import { leaseTiming } from '../lease/lease-timing.js';
import { SdkStreamApi, type StreamApi } from '../stream/stream-api.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { TableWriter } from '../writer/table-writer.js';
import { verifyDataFile } from './data-file.js';
import { ExportError } from './export-error.js';
import { exportFilesAt, type ExportFiles } from './export-files.js';
import { loadExport, loadOrder, type LoadFile } from './export-loader.js';
import { exportTooOld, streamAfterExport } from './export-retention.js';
import { readExportSet, type ExportSet } from './export-set.js';
import { ExportTaskStore, type ExportTaskItem } from './export-task-store.js';

export async function runExportBootstrap(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  location: string,
  store: SegmentStore,
  signal: AbortSignal,
): Promise<void> {
  const { config, tables, logger } = deps;
  if (config.fanOut.length > 0) {
    throw new ConfigError(
      '--from-export loads one destination: a fan-out copy from an export is not built yet; bootstrap without --fan-out, or copy by scan',
    );
  }
  const files = exportFilesAt(location);
  const set = await readExportSet(files);
  checkTable(set, config.source.tableName, files);
  const order = loadOrder(set);
  const tooOld = exportTooOld(set.endMs, Date.now(), 'before the load');
  if (tooOld !== undefined) throw new DataLossError('-', tooOld);
  const streamLate = streamAfterExport(tables.streamArn, set.endMs);
  if (streamLate !== undefined) throw new DataLossError('-', streamLate);
  await verifyAll(files, set, logger);
  const source = deps.clients.dynamo('source', DATA_PATH);
  const destination = deps.clients.dynamo('destination', DATA_PATH);
  const streamsClient = deps.clients.streams(DATA_PATH);
  const exportStore = new ExportTaskStore(deps.leaseClient, config.lease.tableName);
  try {
    // One segment: the load's lease and its saved file index (status then counts 0/1 or 1/1 segments).
    const task = await openTask(deps, { ...options, segments: 1 }, store, source, destination, signal);
    if (task === undefined) return;
    const mine: ExportTaskItem = {
      location,
      exportArns: set.exports.map((e) => e.summary.exportArn),
      endMs: set.endMs,
      files: order.length,
    };
    if (task.state === 'recording-positions')
      await patiently(() => exportStore.create(mine, signal), deps, signal);
    checkSameExport(
      (await patiently(() => exportStore.read(signal), deps, signal)).loads,
      mine,
      config.taskName,
    );
    if (task.state === 'done') {
      logger.info({ doneAt: task.doneAt }, 'export load already done');
      return;
    }
    if (task.state === 'recording-positions') {
      const shards = await recordTrimHorizon(
        new SdkStreamApi(streamsClient),
        tables.streamArn,
        store,
        signal,
      ).catch((err: unknown) => {
        throw sideFailure(err, 'source', config.source, 'list the stream (dynamodb:DescribeStream)');
      });
      await markPositionsRecorded(store, 1, deps, signal);
      logger.info(
        { shards, position: TRIM_HORIZON, exportEnd: new Date(set.endMs).toISOString() },
        'stream positions recorded',
      );
    }
    await patiently(() => store.moveState(['positions-recorded'], 'copying', {}, signal), deps, signal);
    if (!(await load(deps, options, files, order, store, destination, signal))) return;
    const late = exportTooOld(set.endMs, Date.now(), 'after the load');
    if (late !== undefined) throw new DataLossError('-', late);
    await patiently(
      () => store.moveState(['positions-recorded', 'copying'], 'done', { doneAt: Date.now() }, signal),
      deps,
      signal,
    );
    logger.info(
      {
        exports: mine.exportArns.length,
        files: order.length,
        then: options.copyOnly ? 'exit' : 'replicate from TRIM_HORIZON',
      },
      'export load done',
    );
  } finally {
    source.destroy();
    destination.destroy();
    streamsClient.destroy();
  }
}

/** Every data file against its checksum, before anything is written. */
async function verifyAll(files: ExportFiles, set: ExportSet, logger: BootstrapDeps['logger']): Promise<void> {
  let unchecked = 0;
  for (const e of set.exports) {
    for (const file of e.files) {
      const path = e.folder === '' ? file.path : `${e.folder}/${file.path}`;
      if (!(await verifyDataFile(files, path, file))) unchecked += 1;
    }
  }
  if (unchecked > 0)
    logger.warn(
      { unchecked },
      'export files without a checkable checksum in the manifest (multipart ETag, no md5Checksum) are loaded unchecked',
    );
}

function checkTable(set: ExportSet, sourceTable: string, files: ExportFiles): void {
  const exported = set.tableArn.slice(set.tableArn.lastIndexOf('/') + 1);
  if (exported === sourceTable) return;
  throw new ExportError(
    files.location,
    `is an export of table ${exported} (${set.tableArn}), not of the source table ${sourceTable}`,
    'give the export of the source table, whose stream is replayed after it',
  );
}

function checkSameExport(recorded: ExportTaskItem | undefined, mine: ExportTaskItem, task: string): void {
  if (recorded === undefined) {
    throw new ConfigError(
      `task ${task} was started as a scan copy, not from an export: run it again without --from-export, or use a new --task-name and an empty destination`,
    );
  }
  if (recorded.exportArns.join(' ') !== mine.exportArns.join(' ')) {
    throw new ConfigError(
      `task ${task} loads exports ${recorded.exportArns.join(', ')}, not ${mine.exportArns.join(', ')}: give the same export folder, or use a new --task-name and an empty destination`,
    );
  }
}

/** Every shard's lease at TRIM_HORIZON (closed shards too: they may hold changes after the export). */
async function recordTrimHorizon(
  api: StreamApi,
  streamArn: string,
  store: SegmentStore,
  signal: AbortSignal,
): Promise<number> {
  const { shards } = await api.listShards(streamArn, signal);
  for (const shard of shards) {
    const lease = newLease(shard.shardId, shard.parentShardIds, TRIM_HORIZON, streamArn);
    // 'exists' (another worker recorded it) and 'too-late' (recording is over) both leave a position recorded.
    for (let attempt = 0; (await store.recordPosition(lease, signal)) === 'conflict'; attempt++) {
      await sleep(backoffDelay(attempt, DEFAULT_BACKOFF), signal);
    }
  }
  return shards.length;
}

async function load(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  files: ExportFiles,
  order: readonly LoadFile[],
  store: SegmentStore,
  destination: ReturnType<BootstrapDeps['clients']['dynamo']>,
  signal: AbortSignal,
): Promise<boolean> {
  const { config, tables, logger, events } = deps;
  const writeRequestMs = leaseTiming(config.failoverMs).writeRequestTimeoutMs;
  const writer = new TableWriter({
    client: destination,
    tableName: config.destination.tableName,
    keyAttributes: deps.rules?.destinationKeyAttributes ?? tables.keyAttributes,
    requestSlots: deps.writeSlots,
    events,
    requestTimeoutMs: writeRequestMs,
  });
  const writeRate = new FleetRate(options.maxWriteRate);
  let written = 0;
  const coordinator = new SegmentCoordinator({
    store,
    workerId: config.workerId,
    failoverMs: config.failoverMs,
    slots: 1,
    logger,
    copy: (lease, copySignal) =>
      loadExport(
        lease,
        {
          files,
          order,
          keyAttributes: tables.keyAttributes,
          rules: deps.rules,
          writer,
          writeRate,
          writeRequestMs,
          store,
          workerId: config.workerId,
          logger,
          onWritten: (items) => (written += items),
        },
        copySignal,
      ),
    onListed: () => undefined,
  });
  const { outcome } = await coordinator.run(signal);
  logger.info(
    { linesWritten: written, outcome: signal.aborted ? 'stopped' : outcome },
    outcome === 'done' ? 'export load finished' : 'export load stopped; a restart resumes it',
  );
  return outcome === 'done';
}
