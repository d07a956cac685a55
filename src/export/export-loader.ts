// Loads the export's data files into the destination under the copy's one segment lease: files in order (the full
// export's, then each incremental export's), each file's lines a run at a time, the latest change per key of a run
// written with the table writer (BatchWriteItem, paced by --max-write-rate, fenced by the lease like a scan page).
// After a file is written, the index of the next file is saved as the segment's position (conditional on owning
// the segment), so a restart or another worker resumes at the first file not saved: a file is redone at most, and
// redoing one writes the same images again. Incremental files are never written before the files before them.
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { LeaseLostError, ReplicatorError, StoppedError } from '../errors/replicator-error.js';
import type { FleetRate } from '../bootstrap/fleet-rate.js';
import { saveProgress, type CopyOutcome } from '../bootstrap/segment-copier.js';
import type { SegmentLease } from '../bootstrap/segment-lease.js';
import type { SegmentProgress, SegmentStore } from '../bootstrap/segment-store.js';
import { planDestinationWrites, type DestinationRules } from '../rules/destination-writes.js';
import { TransformError } from '../rules/transform-call.js';
import { toWriteRequest } from '../writer/write-plan.js';
import type { TableWriter } from '../writer/table-writer.js';
import { readDataFile } from './data-file.js';
import type { ExportFiles } from './export-files.js';
import { latestPerKey, toChange } from './export-line.js';
import type { ExportType } from './export-manifest.js';
import { join, type ExportSet } from './export-set.js';

export interface LoadFile {
  readonly path: string;
  readonly type: ExportType;
}

/** Every data file of the set, in the order they are applied. */
export function loadOrder(set: ExportSet): LoadFile[] {
  return set.exports.flatMap((e) =>
    e.files.map((file) => ({ path: join(e.folder, file.path), type: e.summary.exportType })),
  );
}

/** The first file not yet loaded, from the segment's saved position ({file: N}); 0 before the first save. */
export function resumeIndex(lease: SegmentLease): number {
  const saved = lease.segment.lastEvaluatedKey?.file?.N;
  return saved === undefined ? 0 : Number(saved);
}

export interface ExportLoadDeps {
  readonly files: ExportFiles;
  readonly order: readonly LoadFile[];
  /** The source table's key attributes (a full export's keys are taken from its items by them). */
  readonly keyAttributes: readonly string[];
  readonly rules: DestinationRules | undefined;
  readonly writer: TableWriter;
  readonly writeRate: FleetRate;
  readonly writeRequestMs: number;
  readonly store: SegmentStore;
  readonly workerId: string;
  readonly logger: Logger;
  /** Lines a run: one write call (many BatchWriteItem requests in flight). */
  readonly runLines?: number;
  readonly onWritten?: (items: number) => void;
}

export async function loadExport(
  lease: SegmentLease,
  deps: ExportLoadDeps,
  signal: AbortSignal,
): Promise<CopyOutcome> {
  const stop = AbortSignal.any([signal, lease.lostSignal]);
  let itemsCopied = lease.segment.itemsCopied;
  const run = deps.runLines ?? 1000;
  try {
    for (let index = resumeIndex(lease); index < deps.order.length; index++) {
      const file = deps.order[index];
      if (file === undefined) break;
      let lines = 0;
      for await (const changes of readDataFile(deps.files, file.path, file.type, deps.keyAttributes, run)) {
        const latest = latestPerKey(changes, deps.keyAttributes).map(toChange);
        const writes: WriteRequest[] =
          deps.rules === undefined ? latest.map(toWriteRequest) : await ruleWrites(latest, deps.rules);
        await deps.writeRate.take(writes.length, stop);
        if (stop.aborted) throw new StoppedError();
        await deps.writer.writeRequests(writes, {
          signal: stop,
          beforeSend: () => lease.waitWritable(deps.writeRequestMs, stop),
        });
        lines += changes.length;
        deps.onWritten?.(changes.length);
      }
      itemsCopied += lines;
      const next = index + 1;
      const progress: SegmentProgress = {
        lastEvaluatedKey: next < deps.order.length ? { file: { N: String(next) } } : undefined,
        itemsCopied,
        bytesCopied: 0,
      };
      if (!(await saveProgress(lease, deps, progress, signal))) {
        lease.markLost('another worker owns the export load');
        return 'lost';
      }
      deps.logger.info(
        { file: deps.files.describe(file.path), lines, fileIndex: index, files: deps.order.length },
        'export file loaded',
      );
    }
    if (deps.order.length === 0) {
      await saveProgress(lease, deps, { lastEvaluatedKey: undefined, itemsCopied, bytesCopied: 0 }, signal);
    }
    return 'done';
  } catch (err) {
    if (lease.isLost || err instanceof LeaseLostError) return 'lost';
    if (signal.aborted || err instanceof StoppedError) return 'stopped';
    throw err;
  }
}

async function ruleWrites(
  changes: Parameters<typeof planDestinationWrites>[0],
  rules: DestinationRules,
): Promise<WriteRequest[]> {
  try {
    return (await planDestinationWrites(changes, rules)).requests;
  } catch (err) {
    if (!(err instanceof TransformError)) throw err;
    throw new ReplicatorError(`export load into ${rules.sourceTable} stopped: ${err.message}`, {
      cause: err,
    });
  }
}
