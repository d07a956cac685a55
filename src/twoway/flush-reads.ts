// What a flush reads from this side's tombstone table before its keys go to work, together (BatchGetItem, 100
// keys a request): the tombstone of each key whose first change needs one (an INSERT's echo test, echo.ts), and
// the link of each key whose first change may be the record a link waits for (key-link.ts). Consistent reads: a
// tombstone or link written by the flush before, or by the worker that held the shard before, is seen. Only the
// keys that need them wait for the reads; the others (an app write's first record, most often) go at once.
import { itemKey } from '../buffer/item-key.js';
import type { EventBus } from '../observability/events.js';
import type { ChangeRecord } from '../stream/change-record.js';
import { batchGet, MAX_BATCH_GET } from '../verify/batch-get.js';
import { needsTombstone } from './echo.js';
import { linkKey, linkOf, mayTakeLink, type KeyLink } from './key-link.js';
import type { Markers } from './markers.js';
import { TOMBSTONE, tombstoneKey } from './tombstone.js';
import type { TwoWaySide } from './twoway-requests.js';

export interface FlushReadsDeps {
  readonly local: TwoWaySide;
  readonly keyAttributes: readonly string[];
  readonly markers: Markers;
  readonly events: EventBus;
}

/** What the reads found, by item key (item-key.ts); a key read and not found maps to undefined. */
export interface FlushReads {
  readonly tombstones: Map<string, string | undefined>;
  readonly links: Map<string, KeyLink | undefined>;
}

/** Whether a key's first change waits for the reads: it needs its tombstone, or may take its link. */
export function waitsForReads(change: ChangeRecord, markers: Markers): boolean {
  const first = change.earlier?.[0] ?? change;
  return needsTombstone(first, markers) || mayTakeLink(first, markers);
}

export async function readBeforeFlush(
  deps: FlushReadsDeps,
  changes: readonly ChangeRecord[],
  flush: FlushReads & { readonly signal: AbortSignal; requests: number; retries: number },
): Promise<void> {
  const { keyAttributes, markers, local } = deps;
  const reads: { readonly key: string; readonly of: 'tombstones' | 'links'; readonly tableKey: string }[] =
    [];
  const wanted = changes.flatMap((change) => {
    const first = change.earlier?.[0] ?? change;
    const key = itemKey(first.keys, keyAttributes);
    const want = [];
    if (needsTombstone(first, markers)) {
      const tableKey = tombstoneKey(first.keys, keyAttributes);
      reads.push({ key, of: 'tombstones', tableKey: itemKey(tableKey, [TOMBSTONE.key]) });
      want.push(tableKey);
    }
    if (mayTakeLink(first, markers)) {
      const tableKey = linkKey(first.keys, keyAttributes);
      reads.push({ key, of: 'links', tableKey: itemKey(tableKey, [TOMBSTONE.key]) });
      want.push(tableKey);
    }
    return want;
  });
  if (wanted.length === 0) return;
  flush.requests += Math.ceil(wanted.length / MAX_BATCH_GET);
  const found = await batchGet(wanted, {
    client: local.client,
    tableName: local.tombstoneTable,
    keyAttributes: [TOMBSTONE.key],
    consistentRead: true,
    signal: flush.signal,
    onRetry: (reason) => {
      flush.retries += 1;
      deps.events.emit('write.retried', {
        table: local.tombstoneTable,
        reason: reason === 'unprocessed' ? 'throttled' : reason,
        attempt: 1,
        items: 1,
        delayMs: 0,
      });
    },
  });
  for (const { key, of, tableKey } of reads) {
    const item = found.get(tableKey);
    if (of === 'tombstones') flush.tombstones.set(key, item?.[TOMBSTONE.stamp]?.S);
    else flush.links.set(key, linkOf(item));
  }
}
