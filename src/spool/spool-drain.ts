// One drain pass of the spool into the destination, shared by the fleet as the copy's segments are (the segment
// items under a drain pass's own prefix, the same SegmentCoordinator): each segment of a parallel Scan of the spool
// (consistent reads) is written page by page (paced by --max-write-rate, fenced by the segment lease), and only
// then its position saved. Pass 1 writes every item; pass 2 only what was spooled since pass 1 began (generation 2
// or 3), and re-reads each item it wrote until the spool shows no newer change: a consumer that spooled a newer
// change meanwhile may have written it to the destination before this pass wrote the older one.
import {
  BatchGetItemCommand,
  GetItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { LeaseLostError, StoppedError } from '../errors/replicator-error.js';
import { DRAIN_KEY_PREFIXES } from '../bootstrap/bootstrap-items.js';
import type { FleetRate } from '../bootstrap/fleet-rate.js';
import { SegmentCoordinator } from '../bootstrap/segment-coordinator.js';
import type { CopyOutcome } from '../bootstrap/segment-copier.js';
import type { SegmentLease } from '../bootstrap/segment-lease.js';
import { DynamoSegmentStore, type SegmentStore } from '../bootstrap/segment-store.js';
import { scanSegment } from '../scan/scan-segment.js';
import { retrying } from '../util/retry.js';
import type { TableWriter } from '../writer/table-writer.js';
import { generationOfItem, SPOOL_KEY, spooledChange } from './spool-items.js';

export type DrainPass = 1 | 2;

export interface DrainDeps {
  /** A data-path client of the lease side (the spool table's). */
  readonly spoolClient: DynamoDBClient;
  readonly spoolTable: string;
  readonly leaseClient: DynamoDBClient;
  readonly leaseTable: string;
  readonly source: DynamoDBClient;
  readonly sourceTable: string;
  readonly writer: TableWriter;
  readonly writeRate: FleetRate;
  readonly writeRequestMs: number;
  readonly workerId: string;
  readonly failoverMs: number;
  readonly slots: number;
  readonly logger: Logger;
  /** Told each page drained (items written to the destination) with the pass's totals over the fleet. */
  readonly onPage?: (pass: DrainPass, items: number) => void;
  readonly onListed?: (pass: DrainPass, drained: number, segmentsDone: number, segments: number) => void;
}

export function drainStore(
  deps: Pick<DrainDeps, 'leaseClient' | 'leaseTable'>,
  pass: DrainPass,
): SegmentStore {
  return new DynamoSegmentStore(deps.leaseClient, deps.leaseTable, { prefix: DRAIN_KEY_PREFIXES[pass - 1] });
}

/** Runs a pass until every segment is drained (true) or a stop (false). */
export async function runDrainPass(
  deps: DrainDeps,
  pass: DrainPass,
  segments: number,
  signal: AbortSignal,
): Promise<boolean> {
  const store = drainStore(deps, pass);
  const coordinator = new SegmentCoordinator({
    store,
    workerId: deps.workerId,
    failoverMs: deps.failoverMs,
    slots: deps.slots,
    logger: deps.logger,
    segmentLogLevel: 'debug',
    copy: (lease, copySignal) => drainSegment(lease, deps, store, pass, segments, copySignal),
    onListed: (listed, workers) => {
      deps.writeRate.setWorkers(workers);
      deps.onListed?.(
        pass,
        listed.reduce((sum, s) => sum + s.itemsCopied, 0),
        listed.filter((s) => s.done).length,
        listed.length,
      );
    },
  });
  const { outcome } = await coordinator.run(signal);
  return outcome === 'done';
}

async function drainSegment(
  lease: SegmentLease,
  deps: DrainDeps,
  store: SegmentStore,
  pass: DrainPass,
  totalSegments: number,
  signal: AbortSignal,
): Promise<CopyOutcome> {
  const stop = AbortSignal.any([signal, lease.lostSignal]);
  const start = lease.segment;
  // A drain segment's itemsCopied counts the items it wrote, bytesCopied the spool items it scanned.
  let drained = start.itemsCopied;
  let bytes = start.bytesCopied;
  try {
    const pages = scanSegment({
      client: deps.spoolClient,
      tableName: deps.spoolTable,
      segment: start.segment,
      totalSegments,
      startKey: start.lastEvaluatedKey,
      pageSize: Math.min(1000, Math.max(25, Math.floor(deps.writeRate.perWorker))),
      consistentRead: true,
      signal: stop,
    });
    for await (const page of pages) {
      const items = pass === 1 ? page.items : page.items.filter((item) => generationOfItem(item) >= 2);
      const options = { signal: stop, beforeSend: () => lease.waitWritable(deps.writeRequestMs, stop) };
      let pending = items;
      while (pending.length > 0) {
        await deps.writeRate.take(pending.length, stop);
        await deps.writer.writeRequests(await destinationWrites(deps, pending, stop), options);
        // Pass 1 runs while the consumers write only the spool: pass 2 redoes whatever changed meanwhile.
        pending = pass === 1 ? [] : await overtaken(deps, pending, stop);
      }
      drained += items.length;
      bytes += page.items.length;
      const saved = await retrying(
        () =>
          store.saveProgress(
            start.segment,
            deps.workerId,
            { lastEvaluatedKey: page.lastEvaluatedKey, itemsCopied: drained, bytesCopied: bytes },
            signal,
          ),
        { signal },
      );
      if (!saved) {
        lease.markLost('another worker owns the segment');
        return 'lost';
      }
      deps.onPage?.(pass, items.length);
    }
    deps.logger.info({ pass, segment: start.segment, drained }, 'spool segment drained');
    return 'done';
  } catch (err) {
    if (lease.isLost || err instanceof LeaseLostError) return 'lost';
    if (signal.aborted || err instanceof StoppedError) return 'stopped';
    throw err;
  }
}

/** The destination writes of spool items (a pointer's item read from the source as it is now). */
async function destinationWrites(
  deps: DrainDeps,
  items: readonly Record<string, AttributeValue>[],
  signal: AbortSignal,
): Promise<WriteRequest[]> {
  return Promise.all(
    items.map(async (item): Promise<WriteRequest> => {
      const change = spooledChange(item);
      if (change.kind === 'put') return { PutRequest: { Item: change.item } };
      if (change.kind === 'delete') return { DeleteRequest: { Key: change.key } };
      const out = await retrying(
        () =>
          deps.source.send(
            new GetItemCommand({ TableName: deps.sourceTable, Key: change.key, ConsistentRead: true }),
            { abortSignal: signal },
          ),
        { signal },
      );
      return out.Item === undefined
        ? { DeleteRequest: { Key: change.key } }
        : { PutRequest: { Item: out.Item } };
    }),
  );
}

/** The spool items among `written` whose spooled change is no longer the one written (read consistently). */
async function overtaken(
  deps: DrainDeps,
  written: readonly Record<string, AttributeValue>[],
  signal: AbortSignal,
): Promise<Record<string, AttributeValue>[]> {
  const seqOf = new Map(written.map((item) => [item[SPOOL_KEY]?.S ?? '', item.seq?.S]));
  const newer: Record<string, AttributeValue>[] = [];
  for (let from = 0; from < written.length; from += 100) {
    let keys: Record<string, AttributeValue>[] = written
      .slice(from, from + 100)
      .map((item) => ({ [SPOOL_KEY]: item[SPOOL_KEY] ?? { S: '' } }));
    while (keys.length > 0) {
      const requested = keys;
      const out = await retrying(
        () =>
          deps.spoolClient.send(
            new BatchGetItemCommand({
              RequestItems: { [deps.spoolTable]: { Keys: requested, ConsistentRead: true } },
            }),
            { abortSignal: signal },
          ),
        { signal },
      );
      for (const item of out.Responses?.[deps.spoolTable] ?? []) {
        if (item.seq?.S !== seqOf.get(item[SPOOL_KEY]?.S ?? '')) newer.push(item);
      }
      keys = out.UnprocessedKeys?.[deps.spoolTable]?.Keys ?? [];
    }
  }
  return newer;
}
