// Copies one scan segment: reads its pages from the saved position on (consistent reads, paced), writes each
// page to the destination with BatchWriteItem (paced, fenced by the segment lease), and only then saves the
// page's LastEvaluatedKey, so that a restart redoes at most the page in flight. The last page marks the segment
// done. A lost segment stops at once (another worker resumes it from the saved position). With rules, each page
// is written as they make it (rules/scanned-items.ts): filtered-out items are not written, the others shaped; a
// transform that fails stops the copy with its one line. A fan-out writes each slice to every destination (each
// through its own rules) at once, and the page counts as copied once all have it.
import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { LeaseLostError, ReplicatorError, StoppedError } from '../errors/replicator-error.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import { planScannedItems, scannedChange } from '../rules/scanned-items.js';
import { TransformError } from '../rules/transform-call.js';
import { scanSegment } from '../scan/scan-segment.js';
import { retrying } from '../util/retry.js';
import type { TableWriter } from '../writer/table-writer.js';
import type { FleetRate } from './fleet-rate.js';
import { itemSizeBytes } from './item-size.js';
import type { SegmentLease } from './segment-lease.js';
import type { SegmentProgress, SegmentStore } from './segment-store.js';

export type CopyOutcome = 'done' | 'lost' | 'stopped';

export interface PageCopied {
  readonly segment: number;
  readonly items: number;
  readonly bytes: number;
  readonly retries: number;
  /** The segment's totals after this page (over every worker that copied it). */
  readonly itemsCopied: number;
  /** The last page: the segment is done. */
  readonly done: boolean;
}

/** One destination of the copy: its writer, and its rules (undefined: every item as it is). */
export interface CopyDestination {
  readonly writer: TableWriter;
  readonly rules: DestinationRules | undefined;
}

export interface SegmentCopierDeps {
  readonly source: DynamoDBClient;
  readonly sourceTable: string;
  readonly totalSegments: number;
  readonly keyAttributes: readonly string[];
  /** The task's rules; undefined: every item is written as it is. */
  readonly rules?: DestinationRules | undefined;
  readonly writer: TableWriter;
  /** A fan-out's further destinations, each with its own writer and rules. */
  readonly fanOut?: readonly CopyDestination[] | undefined;
  readonly store: SegmentStore;
  readonly workerId: string;
  readonly readRate: FleetRate;
  readonly writeRate: FleetRate;
  /** The longest a write request may take; no request starts that could outlive the segment lease. */
  readonly writeRequestMs: number;
  /** Items of the page in flight written so far (before its position is saved), for the progress bar. */
  readonly onWritten: (segment: number, items: number) => void;
  readonly onPage: (page: PageCopied) => void;
  readonly onRetry: (side: 'read' | 'write', count: number) => void;
}

export async function copySegment(
  lease: SegmentLease,
  deps: SegmentCopierDeps,
  signal: AbortSignal,
): Promise<CopyOutcome> {
  const stop = AbortSignal.any([signal, lease.lostSignal]);
  const start = lease.segment;
  let itemsCopied = start.itemsCopied;
  let bytesCopied = start.bytesCopied;
  // At most a second's worth of either rate per page: pacing stays smooth, and a resume redoes little.
  const perWorker = Math.min(deps.readRate.perWorker, deps.writeRate.perWorker);
  const pageSize = Math.min(1000, Math.max(25, Math.floor(perWorker)));
  try {
    const pages = scanSegment({
      client: deps.source,
      tableName: deps.sourceTable,
      segment: start.segment,
      totalSegments: deps.totalSegments,
      startKey: start.lastEvaluatedKey,
      pageSize,
      // A change made before the positions were recorded must be in what the scan reads.
      consistentRead: true,
      signal: stop,
      onRetry: () => deps.onRetry('read', 1),
    });
    for await (const page of pages) {
      await deps.readRate.take(page.items.length, stop);
      const bytes = page.items.reduce((sum, item) => sum + itemSizeBytes(item), 0);
      const retries = await writePage(lease, deps, page.items, stop);
      itemsCopied += page.items.length;
      bytesCopied += bytes;
      const progress = { lastEvaluatedKey: page.lastEvaluatedKey, itemsCopied, bytesCopied };
      // Saved even when the lease was lost meanwhile: the save is conditional on owning the segment, and a
      // save cut short could have been applied (the final one marks the segment done).
      if (!(await saveProgress(lease, deps, progress, signal))) {
        lease.markLost('another worker owns the segment');
        return 'lost';
      }
      deps.onPage({
        segment: start.segment,
        items: page.items.length,
        bytes,
        retries,
        itemsCopied,
        done: page.lastEvaluatedKey === undefined,
      });
    }
    return 'done';
  } catch (err) {
    if (lease.isLost || err instanceof LeaseLostError) return 'lost';
    if (signal.aborted || err instanceof StoppedError) return 'stopped';
    throw err;
  }
}

/** Writes a page in slices paced by the write rate; returns the retries it needed. */
async function writePage(
  lease: SegmentLease,
  deps: SegmentCopierDeps,
  items: readonly Record<string, AttributeValue>[],
  signal: AbortSignal,
): Promise<number> {
  // A quarter of a second's worth of the rate at a time (whole 25-item batches), so writes flow evenly.
  const slice = Math.min(1000, Math.max(25, Math.floor(deps.writeRate.perWorker / 4 / 25) * 25));
  let retries = 0;
  const destinations: readonly CopyDestination[] = [
    { writer: deps.writer, rules: deps.rules },
    ...(deps.fanOut ?? []),
  ];
  for (let from = 0; from < items.length; from += slice) {
    const scanned = items.slice(from, from + slice);
    // Without rules a put of each whole item (keys are unique within a page), as the writer's input.
    const planned = await Promise.all(
      destinations.map(({ rules }) =>
        rules === undefined ? Promise.resolve(undefined) : ruleWrites(scanned, rules),
      ),
    );
    // The write rate is each destination's: the one with the most writes sets the pace.
    await deps.writeRate.take(Math.max(...planned.map((p) => p?.length ?? scanned.length)), signal);
    if (signal.aborted) throw new StoppedError();
    const options = { signal, beforeSend: () => lease.waitWritable(deps.writeRequestMs, signal) };
    const outcomes = await Promise.all(
      destinations.map(({ writer }, i) => {
        const requests = planned[i];
        return requests === undefined
          ? writer.write(
              scanned.map((item) => scannedChange(item, deps.keyAttributes)),
              options,
            )
          : writer.writeRequests(requests, options);
      }),
    );
    const sliceRetries = outcomes.reduce((sum, outcome) => sum + outcome.retries, 0);
    retries += sliceRetries;
    if (sliceRetries > 0) deps.onRetry('write', sliceRetries);
    // Items copied count the source's items, written or left out by the rules.
    deps.onWritten(lease.number, scanned.length);
  }
  return retries;
}

/** A slice's writes through the rules; a transform's failure ends the copy as one line (exit 1). */
async function ruleWrites(
  items: readonly Record<string, AttributeValue>[],
  rules: DestinationRules,
): Promise<WriteRequest[]> {
  try {
    return (await planScannedItems(items, rules)).requests;
  } catch (err) {
    if (!(err instanceof TransformError)) throw err;
    throw new ReplicatorError(`bootstrap copy of ${rules.sourceTable} stopped: ${err.message}`, {
      cause: err,
    });
  }
}

/**
 * Saves a segment's position (a copy's, an export load's), retrying an unreachable lease table until it answers
 * (true) or refuses (false: another worker owns the segment).
 */
export function saveProgress(
  lease: SegmentLease,
  deps: { readonly store: SegmentStore; readonly workerId: string },
  progress: SegmentProgress,
  signal: AbortSignal,
): Promise<boolean> {
  return retrying(() => deps.store.saveProgress(lease.number, deps.workerId, progress, signal), {
    signal,
  });
}
