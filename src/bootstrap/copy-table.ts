// The copy itself, once the positions are recorded: this worker's share of the segments (segment-coordinator.ts),
// each copied by segment-copier.ts, paced by the fleet's rates, with a progress bar or progress lines, a warning
// when the copy will not fit in the stream's retention, and this worker's summary at the end.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { leaseTiming } from '../lease/lease-timing.js';
import { TableWriter } from '../writer/table-writer.js';
import { patiently, type BootstrapDeps } from './bootstrap-deps.js';
import type { BootstrapTask } from './bootstrap-items.js';
import type { BootstrapOptions } from './bootstrap-options.js';
import { CopyProgress } from './copy-progress.js';
import { FleetRate } from './fleet-rate.js';
import { retentionWarning, STREAM_RETENTION_MS } from './retention-warning.js';
import { switchOnMeasuredRate } from './copy-mode.js';
import { copySegment, type CopyDestination } from './segment-copier.js';
import { DATA_PATH } from '../app/aws-clients.js';
import { Semaphore } from '../util/semaphore.js';
import { SegmentCoordinator } from './segment-coordinator.js';
import type { SegmentStore } from './segment-store.js';
import { sideFailure } from './side-failure.js';

/** Copies segments until all are done (true) or a stop (false); logs this worker's summary either way. */
export async function copyTable(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  task: BootstrapTask,
  store: SegmentStore,
  source: DynamoDBClient,
  destination: DynamoDBClient,
  signal: AbortSignal,
): Promise<boolean> {
  const { config, tables, events } = deps;
  // Short enough that a request never outlives the segment lease it was sent under (as for shard leases).
  const writeRequestMs = leaseTiming(config.failoverMs).writeRequestTimeoutMs;
  const writer = new TableWriter({
    client: destination,
    tableName: config.destination.tableName,
    // The destination's key names (renamed by rules), for naming an item the destination refuses.
    keyAttributes: deps.rules?.destinationKeyAttributes ?? tables.keyAttributes,
    requestSlots: deps.writeSlots,
    events,
    requestTimeoutMs: writeRequestMs,
  });
  // A fan-out's further destinations: a writer each, with its own client and slots (as replication gives them).
  const fanOutClients = config.fanOut.map((target) =>
    deps.clients.dynamoAt('destination', target.destination, DATA_PATH),
  );
  const fanOut = config.fanOut.map((target, i) => {
    const rules = deps.fanOutRules?.[i];
    return {
      writer: new TableWriter({
        client: fanOutClients[i] ?? destination,
        tableName: target.destination.tableName,
        keyAttributes: rules?.destinationKeyAttributes ?? tables.keyAttributes,
        requestSlots: new Semaphore(config.writeConcurrency),
        events,
        requestTimeoutMs: writeRequestMs,
      }),
      rules,
    };
  });
  try {
    return await copyWith(deps, options, task, store, source, writer, fanOut, signal);
  } finally {
    for (const client of fanOutClients) client.destroy();
  }
}

async function copyWith(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  task: BootstrapTask,
  store: SegmentStore,
  source: DynamoDBClient,
  writer: TableWriter,
  fanOut: readonly CopyDestination[],
  signal: AbortSignal,
): Promise<boolean> {
  const { config, tables, logger, events } = deps;
  const writeRequestMs = leaseTiming(config.failoverMs).writeRequestTimeoutMs;
  const readRate = new FleetRate(options.maxReadRate);
  const writeRate = new FleetRate(options.maxWriteRate);
  const { segments } = await patiently(() => store.read(signal), deps, signal);
  const progress = new CopyProgress({
    estimatedItems: task.estimatedItems,
    totalSegments: task.segments,
    progressBar: options.progressBar,
    progressIntervalMs: options.progressIntervalMs,
    logger,
    sink: options.progressSink,
  });
  const recordedAt = task.startedAt;
  const projection = (itemsPerSec: number) => ({
    estimatedItems: task.estimatedItems,
    copiedItems: progress.fleetItems,
    itemsPerSec,
    elapsedMs: Date.now() - recordedAt,
  });
  progress.start(segments);
  events.emit('copy.started', { estimatedItems: task.estimatedItems, segments: task.segments });
  const atStart = retentionWarning(
    projection(Math.min(options.maxReadRate, options.maxWriteRate)),
    'chosen rate',
  );
  if (atStart !== undefined) logger.warn(atStart);
  let warned = atStart !== undefined;
  // An `auto` task copying directly turns into a spool copy when its measured rate says so: this worker stops
  // copying directly and goes on as a spool copy (bootstrap-run.ts), the others when they next look.
  const switched = new AbortController();
  let switching: Promise<void> | undefined;
  const measure = (): void => {
    const choice = switchOnMeasuredRate({
      estimatedItems: task.estimatedItems,
      copiedItems: progress.fleetItems,
      itemsPerSec: progress.fleetRatePerSec,
      copyingMs: progress.elapsedMs,
      sinceRecordedMs: Date.now() - recordedAt,
      retentionMs: STREAM_RETENTION_MS,
    });
    if (choice === undefined) return;
    switching = patiently(() => store.switchToSpool(signal), deps, signal).then(
      (moved) => {
        if (moved) logger.info({ copyMode: 'spool', why: choice.reason }, 'copy mode switched');
        switched.abort();
      },
      (err: unknown) => {
        // A stop cut the switch short: the next start measures again.
        if (!signal.aborted) throw err;
      },
    );
  };

  const coordinator = new SegmentCoordinator({
    store,
    workerId: config.workerId,
    failoverMs: config.failoverMs,
    slots: options.copyConcurrency,
    logger,
    // Under a progress bar, a line per segment would only break the bar up.
    segmentLogLevel: options.progressBar ? 'debug' : 'info',
    copy: (lease, copySignal) =>
      copySegment(
        lease,
        {
          source,
          sourceTable: config.source.tableName,
          totalSegments: task.segments,
          keyAttributes: tables.keyAttributes,
          rules: deps.rules,
          writer,
          fanOut,
          store,
          workerId: config.workerId,
          readRate,
          writeRate,
          writeRequestMs,
          onWritten: (segment, items) => progress.written(segment, items),
          onPage: (page) => {
            progress.page(page);
            events.emit('copy.page', { items: page.items, fleetItems: progress.fleetItems });
          },
          onRetry: (side, count) => progress.retry(side, count),
        },
        copySignal,
      ).catch((err: unknown) => {
        throw sideFailure(err, 'source', config.source, 'scan the source table (dynamodb:Scan)');
      }),
    onListed: (listed, workers) => {
      progress.listed(listed, workers);
      readRate.setWorkers(workers);
      writeRate.setWorkers(workers);
      if (task.autoMode === true && switching === undefined && !signal.aborted) measure();
      // Once a minute of copying gives a measured rate, warn if it will not do within the retention.
      if (!warned && !switched.signal.aborted && progress.elapsedMs > 60_000) {
        const measured = retentionWarning(projection(progress.fleetRatePerSec), 'measured rate');
        if (measured !== undefined) logger.warn(measured);
        warned = measured !== undefined;
      }
    },
  });
  let outcome: 'done' | 'stopped' | 'failed' = 'failed';
  let segmentsCopied = 0;
  try {
    ({ outcome, segmentsCopied } = await coordinator.run(AbortSignal.any([signal, switched.signal])));
    await switching;
  } finally {
    const summary = await progress.stop();
    const message = {
      done: 'copy done',
      stopped: 'copy stopped; a restart resumes it',
      failed: 'copy stopped on an error',
      switched: 'direct copy stopped: it goes on as a spool copy',
    }[signal.aborted ? 'stopped' : switched.signal.aborted && outcome !== 'done' ? 'switched' : outcome];
    logger.info(
      { ...summary, segmentsCopied, estimatedItems: task.estimatedItems, segments: task.segments },
      message,
    );
  }
  return outcome === 'done';
}
