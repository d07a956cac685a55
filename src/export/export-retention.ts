// Pure: whether the stream can still give every change made after the export's point in time. Replication after
// a load starts from TRIM_HORIZON (every record the stream still holds), so it replays every change after the
// export exactly when none of them was trimmed; a record is trimmed no sooner than 24 hours after it was written,
// so every change after the export is still there while less than 24 hours have passed since the export's end.
// A margin is kept for replication to read past those records before they age out.
import { STREAM_RETENTION_MS } from '../bootstrap/retention-warning.js';

/** Time kept for replication to read the records just after the export before they can be trimmed. */
export const REPLAY_MARGIN_MS = 60 * 60 * 1000;

/** The data-loss line when the export is too old for the stream to hold every change after it; else undefined. */
export function exportTooOld(
  endMs: number,
  now: number,
  when: 'before the load' | 'after the load',
): string | undefined {
  if (now - endMs < STREAM_RETENTION_MS - REPLAY_MARGIN_MS) return undefined;
  const hours = ((now - endMs) / 3_600_000).toFixed(1);
  return `data may be lost: the export ends at ${new Date(endMs).toISOString()}, ${hours} h ago ${when}, and the stream keeps changes for 24 hours (less a ${REPLAY_MARGIN_MS / 3_600_000} h margin to replay them): changes made after the export may already be trimmed; take an incremental export up to now (or a new export) and load again with a new --task-name and an empty destination`;
}

/** When the stream was enabled: its ARN's label (an ISO time in UTC without a zone); undefined if not one. */
export function streamEnabledMs(streamArn: string): number | undefined {
  const label = streamArn.slice(streamArn.lastIndexOf('/stream/') + '/stream/'.length);
  if (!streamArn.includes('/stream/') || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/.test(label))
    return undefined;
  const ms = Date.parse(`${label}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The data-loss line when the stream was enabled after the export's end (changes between are in neither). */
export function streamAfterExport(streamArn: string, endMs: number): string | undefined {
  const enabled = streamEnabledMs(streamArn);
  if (enabled === undefined || enabled <= endMs) return undefined;
  return `data lost: the source's stream was enabled at ${new Date(enabled).toISOString()}, after the export's end ${new Date(endMs).toISOString()}: changes made between are in neither; take an incremental export from the last export's end up to now (after the stream was enabled) and load again, or bootstrap without --from-export`;
}
