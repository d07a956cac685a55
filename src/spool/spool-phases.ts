// The phases of a spool-mode copy after the positions are recorded, driven by every worker of the task through
// the task item's state (each move conditional on the state it leaves, so any worker, or a restart after kill -9,
// goes on from where the fleet is): copying (the scan copy, while the consumers spool the stream) -> draining
// (pass 1 of the spool into the destination, the consumers still spooling) -> switching (pass 2: what was spooled
// since pass 1 began, while the consumers write the spool and then the destination) -> done (the consumers write
// the destination only; the spool table is deleted). A phase is relied on only once every consumer's view of the
// state has caught up with it: views are at most failover/4 old when a request goes out (phase-view.ts) and a
// request lasts at most 0.3 x failover, so each pass starts a whole failover time after its phase began. The
// argument that no change is lost and no older image is left is in the README ("Spool mode").
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DATA_PATH } from '../app/aws-clients.js';
import type { BootstrapState } from '../bootstrap/bootstrap-items.js';
import type { SinkFactory } from '../app/replicator.js';
import { patiently, type BootstrapDeps } from '../bootstrap/bootstrap-deps.js';
import type { BootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { copyTable } from '../bootstrap/copy-table.js';
import { FleetRate } from '../bootstrap/fleet-rate.js';
import type { SegmentStore } from '../bootstrap/segment-store.js';
import { leaseTiming } from '../lease/lease-timing.js';
import { sleep } from '../util/sleep.js';
import { TableWriter } from '../writer/table-writer.js';
import { PhaseView } from './phase-view.js';
import { drainStore, runDrainPass, type DrainDeps } from './spool-drain.js';
import { SPOOL_KEY } from './spool-items.js';
import { SpoolCounter } from './spool-count.js';
import { SpoolSink } from './spool-sink.js';
import { deleteSpoolTable, spoolTableName } from './spool-table.js';

/** What a worker runs beside its consumers in spool mode: their sink, and the phases to run to the end. */
export interface SpoolRun {
  readonly sink: SinkFactory;
  /** Resolves once the task is done and the spool deleted (or on a stop); rejects on a fatal error. */
  run(signal: AbortSignal): Promise<void>;
}

export function spoolRun(deps: BootstrapDeps, options: BootstrapOptions, store: SegmentStore): SpoolRun {
  const { config, tables } = deps;
  const spoolTable = spoolTableName(config.lease.tableName);
  const timing = leaseTiming(config.failoverMs);
  const counter = new SpoolCounter({
    client: deps.leaseClient,
    leaseTable: config.lease.tableName,
    // As often as the consumers' phase views read the task item.
    intervalMs: config.failoverMs / 4,
    logger: deps.logger,
    onTotal: (total) => deps.events.emit('spool.counted', { total }),
  });
  return {
    sink: (context) => {
      const spoolClient = context.clients.dynamo('lease', DATA_PATH);
      const destinationClient = context.clients.dynamo('destination', DATA_PATH);
      return new SpoolSink({
        spool: new TableWriter({
          client: spoolClient,
          tableName: spoolTable,
          keyAttributes: [SPOOL_KEY],
          requestSlots: context.writeSlots,
          events: context.events,
          requestTimeoutMs: context.timing.writeRequestTimeoutMs,
        }),
        destination: new TableWriter({
          client: destinationClient,
          tableName: config.destination.tableName,
          keyAttributes: context.tables.keyAttributes,
          requestSlots: context.writeSlots,
          events: context.events,
          requestTimeoutMs: context.timing.writeRequestTimeoutMs,
        }),
        phase: new PhaseView(spoolClient, config.lease.tableName, config.failoverMs / 4, context.signal),
        onSpooled: (count) => {
          counter.add(count);
          context.events.emit('spool.written', { count });
        },
        onClose: () => {
          spoolClient.destroy();
          destinationClient.destroy();
        },
      });
    },
    run: async (signal) => {
      const source = deps.clients.dynamo('source', DATA_PATH);
      const destination = deps.clients.dynamo('destination', DATA_PATH);
      const spoolClient = deps.clients.dynamo('lease', DATA_PATH);
      const drain: DrainDeps = {
        spoolClient,
        spoolTable,
        leaseClient: deps.leaseClient,
        leaseTable: config.lease.tableName,
        source,
        sourceTable: config.source.tableName,
        writer: new TableWriter({
          client: destination,
          tableName: config.destination.tableName,
          keyAttributes: tables.keyAttributes,
          requestSlots: deps.writeSlots,
          events: deps.events,
          requestTimeoutMs: timing.writeRequestTimeoutMs,
        }),
        writeRate: new FleetRate(options.maxWriteRate),
        writeRequestMs: timing.writeRequestTimeoutMs,
        workerId: config.workerId,
        failoverMs: config.failoverMs,
        slots: options.copyConcurrency,
        logger: deps.logger,
        onPage: (pass, items) => deps.events.emit('spool.drained', { pass, items }),
        onListed: (pass, drained, segmentsDone, segments) =>
          deps.events.emit('spool.drain.listed', { pass, drained, segmentsDone, segments }),
      };
      const counting = new AbortController();
      const count = counter.run(AbortSignal.any([signal, counting.signal]));
      try {
        await runPhases(deps, options, store, drain, { source, destination }, signal);
      } finally {
        counting.abort();
        await count;
        source.destroy();
        destination.destroy();
        spoolClient.destroy();
      }
    },
  };
}

async function runPhases(
  deps: BootstrapDeps,
  options: BootstrapOptions,
  store: SegmentStore,
  drain: DrainDeps,
  clients: { readonly source: DynamoDBClient; readonly destination: DynamoDBClient },
  signal: AbortSignal,
): Promise<void> {
  const { logger, config } = deps;
  const read = async () => {
    const { task } = await patiently(() => store.read(signal), deps, signal);
    if (task === undefined) throw new TypeError('the bootstrap task item is missing');
    return task;
  };
  const move = (from: BootstrapState, to: BootstrapState, at: string): Promise<boolean> =>
    patiently(() => store.moveState([from], to, { [at]: Date.now() }, signal), deps, signal);
  while (!signal.aborted) {
    const task = await read();
    deps.events.emit('spool.phase', { state: task.state });
    switch (task.state) {
      case 'recording-positions':
      case 'positions-recorded':
        await patiently(() => store.moveState(['positions-recorded'], 'copying', {}, signal), deps, signal);
        break;
      case 'copying': {
        const copied = await copyTable(
          deps,
          options,
          task,
          store,
          clients.source,
          clients.destination,
          signal,
        );
        if (!copied) return;
        // The drain's segments exist before the state says so: a worker that sees `draining` finds them all.
        await patiently(() => drainStore(drain, 1).createSegments(task.segments, signal), deps, signal);
        if (await move('copying', 'draining', 'drainStartedAt')) logger.info('copy done: draining the spool');
        break;
      }
      case 'draining':
        await sleep(config.failoverMs, signal);
        if (!(await runDrainPass(drain, 1, task.segments, signal))) return;
        await patiently(() => drainStore(drain, 2).createSegments(task.segments, signal), deps, signal);
        if (await move('draining', 'switching', 'switchStartedAt')) {
          logger.info('spool drained once: switching the consumers to the destination');
        }
        break;
      case 'switching':
        await sleep(config.failoverMs, signal);
        if (!(await runDrainPass(drain, 2, task.segments, signal))) return;
        if (await move('switching', 'done', 'doneAt')) {
          logger.info(
            { streamArn: deps.tables.streamArn },
            'spool drained: the consumers write the destination from the spool checkpoints on',
          );
        }
        break;
      case 'done':
        // Consumers whose view still says `switching` may send a last spool write meanwhile.
        await sleep(config.failoverMs, signal);
        if (signal.aborted) return;
        if (
          await patiently(() => deleteSpoolTable(drain.spoolClient, drain.spoolTable, signal), deps, signal)
        ) {
          logger.info({ spoolTable: drain.spoolTable }, 'spool table deleted');
        }
        return;
    }
  }
}
