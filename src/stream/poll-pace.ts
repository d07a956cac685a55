// Pure: when a shard's reader asks GetRecords again. A full page means more records wait: read again at once. A
// page with some records (a shard under load): again as soon as READ_FLOOR_MS after the last call started, so a
// change waits a few ms for its read instead of half a poll interval. An empty page: the shard is quiet; the wait
// doubles with every empty page in a row, from --poll-interval-ms up to --max-poll-interval-ms, and falls back to
// the fast pace with the first record. Every GetRecords is billed and costs the source's capacity: an idle shard
// read every 100 ms forever was 10 calls a second for nothing, while the price of the back-off is the first change
// after a quiet spell waiting up to the longest interval.
//
// The floor: DynamoDB Streams documents no request rate per shard, only that more than two processes reading one
// shard at the same time may be throttled (LimitExceededException in the DynamoDB Streams API reference). A worker
// is one reader with at most one GetRecords in flight per shard; the floor caps a busy shard at 40 calls a second
// (Lambda's event source mapping polls 4 a second and accepts up to a second of lag; our lag target is 50 ms), and
// a throttled call is retried with back-off like any other (stream/shard-reader.ts).

/** The least time between the starts of two reads of a shard that returned records (at most 40 a second). */
export const READ_FLOOR_MS = 25;

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
  // Never slower than the poll interval a user chose below the floor (0 in tests: no wait at all).
  if (page.records > 0) return Math.min(base, READ_FLOOR_MS);
  if (emptyReads <= 1) return base;
  const longest = Math.max(base, pace.maxPollIntervalMs);
  // 2^(n-1) times the base, capped; the exponent is capped too so a long quiet spell cannot overflow.
  return Math.min(longest, base * 2 ** Math.min(emptyReads - 1, 30));
}
