// Pure: when a shard's reader asks GetRecords again. A full page means more records wait: read again at once. A
// page with some records (a shard under load): again one --poll-interval-ms after the last call started. An
// empty page: the shard is quiet; the wait doubles with every empty page in a row, from --poll-interval-ms up to
// --max-poll-interval-ms, and falls back to the fast pace with the first record. Every GetRecords is billed and
// costs the source's capacity: an idle shard read every 100 ms forever was 10 calls a second for nothing, while
// the price of the back-off is the first change after a quiet spell waiting up to the longest interval.

export interface PollPace {
  readonly pollIntervalMs: number;
  /** The longest wait between two reads of a quiet shard (never less than pollIntervalMs). */
  readonly maxPollIntervalMs: number;
}

export interface ReadPage {
  readonly records: number;
  /** As many records as asked for (or near the 1 MB limit): more are waiting. */
  readonly full: boolean;
}

/** Empty pages in a row, after this page. */
export function nextEmptyReads(emptyReads: number, page: ReadPage): number {
  return page.records === 0 ? emptyReads + 1 : 0;
}

/**
 * How long after the start of the call that returned `page` the next call may start. `emptyReads` counts the
 * empty pages in a row including this one (nextEmptyReads).
 */
export function readIntervalMs(pace: PollPace, page: ReadPage, emptyReads: number): number {
  if (page.full) return 0;
  const base = pace.pollIntervalMs;
  if (page.records > 0 || emptyReads <= 1) return base;
  const longest = Math.max(base, pace.maxPollIntervalMs);
  // 2^(n-1) times the base, capped; the exponent is capped too so a long quiet spell cannot overflow.
  return Math.min(longest, base * 2 ** Math.min(emptyReads - 1, 30));
}
