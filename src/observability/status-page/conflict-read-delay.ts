// Pure: how long the status page waits before it reads a two-way direction's conflict log again. The log has no
// index by time (its key is the item's key), so its count and latest conflicts take a whole Scan, consistent as
// `conflicts list` reads it. A read at every poll would cost a large log about n/12 read units every 2 s; waiting
// 20 ms per conflict it holds keeps the cost near 4 read units a second whatever its size (items of ~300 bytes,
// 4 KB a unit), while a small log, the usual case, is read at every poll. A failed read is tried at the next poll.
export const MS_PER_CONFLICT = 20;

export function conflictReadDelayMs(conflicts: number | undefined, pollIntervalMs: number): number {
  if (conflicts === undefined) return pollIntervalMs;
  return Math.max(pollIntervalMs, Math.ceil(conflicts * MS_PER_CONFLICT));
}
