// A short stream retention for tests: every record the model has held for longer than `retentionMs` is trimmed,
// as AWS trims records after 24 hours, so a copy that outlasts the retention loses the changes made at its start.
import { sleep } from '../../../src/util/sleep.js';
import type { StreamModel } from './stream-model.js';

/** Trims on a short interval until `signal` aborts; resolves with the records trimmed. */
export async function enforceRetention(
  model: StreamModel,
  retentionMs: number,
  signal: AbortSignal,
): Promise<number> {
  // (when, the next sequence number then): every record before `next` was appended before `when`.
  const marks: { at: number; next: bigint }[] = [];
  let trimmed = 0;
  while (!signal.aborted) {
    const now = performance.now();
    marks.push({ at: now, next: model.nextSequenceNumber });
    let limit: bigint | undefined;
    while (marks[0] !== undefined && marks[0].at <= now - retentionMs) limit = marks.shift()?.next;
    if (limit !== undefined) trimmed += model.trimBefore(limit, { removeExpiredShards: false });
    await sleep(100, signal);
  }
  return trimmed;
}
