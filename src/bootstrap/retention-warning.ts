// Pure: the 24-hour limit of DynamoDB Streams as it bears on a copy. Records after a recorded position were all
// written after the positions were recorded, so none of them can be trimmed before 24 hours have passed since
// then. A copy that needs close to that long (at the chosen rate, or at the rate measured so far) deserves a
// warning at start; a copy that took longer cannot prove by time alone that nothing was trimmed.

export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Warn when the copy is projected to end after this share of the retention (leaves time to replay). */
export const WARN_SHARE = 0.75;

export interface CopyProjection {
  readonly estimatedItems: number;
  readonly copiedItems: number;
  /** Items per second over the fleet: the chosen rate, or the measured one. */
  readonly itemsPerSec: number;
  /** Time since the positions were recorded (0 before). */
  readonly elapsedMs: number;
}

/** Milliseconds from the recorded positions to the projected end of the copy; undefined without a rate. */
export function projectedCopyMs(p: CopyProjection): number | undefined {
  if (!(p.itemsPerSec > 0) || !Number.isFinite(p.itemsPerSec)) return undefined;
  const left = Math.max(0, p.estimatedItems - p.copiedItems);
  return p.elapsedMs + (left / p.itemsPerSec) * 1000;
}

/** A warning line when the copy is projected to come close to the stream's retention, else undefined. */
export function retentionWarning(
  p: CopyProjection,
  basis: 'chosen rate' | 'measured rate',
): string | undefined {
  const total = projectedCopyMs(p);
  if (total === undefined || total < STREAM_RETENTION_MS * WARN_SHARE) return undefined;
  const hours = (total / 3_600_000).toFixed(1);
  return `the copy of about ${p.estimatedItems} items is projected to take ${hours} h at the ${basis} (${Math.round(p.itemsPerSec)} items/s), close to or over the stream's 24-hour retention: changes made during the copy could be trimmed before they are replayed; raise --max-write-rate/--max-read-rate, add workers or --segments`;
}

/** Whether the retention has passed since the positions were recorded (then TRIM_HORIZON shards may have lost records). */
export function outlivedRetention(positionsRecordedAt: number, now: number): boolean {
  return now - positionsRecordedAt >= STREAM_RETENTION_MS;
}
