// The bootstrap copy's items in the lease table, beside the shard leases (keys start with `bootstrap#`, which
// the lease store's list() leaves out): one task item (what was decided once, at the first start: state,
// segment count, estimates, the stream) and one item per scan segment (its saved position, whether it is done,
// and an owner with a leaseCounter, so that the workers of a fleet share segments the way they share shards).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BOOTSTRAP_KEY_PREFIX } from '../lease/lease-store.js';
import { decodeScanKey, encodeScanKey, type ScanKey } from './scan-key-codec.js';

export const TASK_KEY = `${BOOTSTRAP_KEY_PREFIX}task`;
export const SEGMENT_KEY_PREFIX = `${BOOTSTRAP_KEY_PREFIX}segment-`;
/** The spool's drain segments (spool mode, src/spool/): one set per drain pass, shared like copy segments. */
export const DRAIN_KEY_PREFIXES = [
  `${BOOTSTRAP_KEY_PREFIX}drain1-`,
  `${BOOTSTRAP_KEY_PREFIX}drain2-`,
] as const;

/**
 * recording-positions: the task exists, stream positions are being recorded (by any worker);
 * positions-recorded: every shard has its lease, the segments exist; nothing may record a position any more;
 * copying: segments are being copied; done: every segment is copied and the positions were checked.
 * Spool mode only (src/spool/): draining: the spool's first drain into the destination (the stream is still
 * spooled); switching: the second drain, while the consumers write the destination too (see spool-sink.ts).
 */
export type BootstrapState =
  'recording-positions' | 'positions-recorded' | 'copying' | 'draining' | 'switching' | 'done';

const STATES: readonly BootstrapState[] = [
  'recording-positions',
  'positions-recorded',
  'copying',
  'draining',
  'switching',
  'done',
];

/** direct: replication replays the stream after the copy; spool: the stream is spooled during it (src/spool/). */
export type ResolvedCopyMode = 'direct' | 'spool';

export interface BootstrapTask {
  readonly state: BootstrapState;
  /** Wall-clock ms of the first start. */
  readonly startedAt: number;
  readonly segments: number;
  /** The source's ItemCount and TableSizeBytes at the first start (DynamoDB updates them about every 6 h). */
  readonly estimatedItems: number;
  readonly estimatedBytes: number;
  readonly streamArn: string;
  /** Wall-clock ms when the positions were all recorded; the 24-hour retention counts from here. */
  readonly positionsRecordedAt: number | undefined;
  readonly doneAt: number | undefined;
  /** Decided at the first start; tasks stored before spool mode existed are direct. */
  readonly copyMode?: ResolvedCopyMode | undefined;
  /** `auto` chose a direct copy at the first start: the copy may still turn into a spool copy (copy-mode.ts). */
  readonly autoMode?: boolean | undefined;
  /** Spool mode: changes the fleet's consumers spooled so far, as the workers added them (spool-count.ts). */
  readonly spooledChanges?: number | undefined;
}

export interface CopySegment {
  readonly segment: number;
  readonly leaseOwner: string | undefined;
  readonly leaseCounter: number;
  /** Where the scan resumes; undefined before the first page was saved (or once done). */
  readonly lastEvaluatedKey: ScanKey | undefined;
  readonly done: boolean;
  /** Items and bytes of the pages saved so far (each page counted once, whoever copied it). */
  readonly itemsCopied: number;
  readonly bytesCopied: number;
}

/** A task's copy as its lease table holds it. */
export interface BootstrapItems {
  readonly task: BootstrapTask | undefined;
  /** Sorted by segment number. */
  readonly segments: readonly CopySegment[];
  /** Spool mode: the segments of drain pass 1 and pass 2 (empty until the pass's segments exist). */
  readonly drains?: readonly [readonly CopySegment[], readonly CopySegment[]];
}

/**
 * The copy's items among lease table items (keys starting with `bootstrap#`; others are left out); `prefix`
 * picks which segments: the copy's, or a drain pass's.
 */
export function bootstrapItemsFrom(
  items: readonly Record<string, AttributeValue>[],
  prefix: string = SEGMENT_KEY_PREFIX,
): BootstrapItems {
  let task: BootstrapTask | undefined;
  const segments: CopySegment[] = [];
  const drains: [CopySegment[], CopySegment[]] = [[], []];
  for (const item of items) {
    const key = item.leaseKey?.S ?? '';
    if (key === TASK_KEY) task = taskFromItem(item);
    else if (key.startsWith(prefix)) segments.push(segmentFromItem(item, prefix));
    else if (prefix === SEGMENT_KEY_PREFIX) {
      DRAIN_KEY_PREFIXES.forEach((drain, i) => {
        if (key.startsWith(drain)) drains[i]?.push(segmentFromItem(item, drain));
      });
    }
  }
  segments.sort((a, b) => a.segment - b.segment);
  if (task?.copyMode !== 'spool') return { task, segments };
  for (const pass of drains) pass.sort((a, b) => a.segment - b.segment);
  return { task, segments, drains };
}

export function segmentKey(segment: number, prefix: string = SEGMENT_KEY_PREFIX): string {
  return `${prefix}${segment}`;
}

export function taskToItem(task: BootstrapTask): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    leaseKey: { S: TASK_KEY },
    state: { S: task.state },
    startedAt: { N: String(task.startedAt) },
    segments: { N: String(task.segments) },
    estimatedItems: { N: String(task.estimatedItems) },
    estimatedBytes: { N: String(task.estimatedBytes) },
    streamArn: { S: task.streamArn },
  };
  if (task.positionsRecordedAt !== undefined) {
    item.positionsRecordedAt = { N: String(task.positionsRecordedAt) };
  }
  if (task.doneAt !== undefined) item.doneAt = { N: String(task.doneAt) };
  if (task.copyMode !== undefined) item.copyMode = { S: task.copyMode };
  if (task.autoMode === true) item.autoMode = { BOOL: true };
  if (task.spooledChanges !== undefined) item.spooledChanges = { N: String(task.spooledChanges) };
  return item;
}

export function taskFromItem(item: Record<string, AttributeValue>): BootstrapTask {
  const state = item.state?.S as BootstrapState | undefined;
  if (state === undefined || !STATES.includes(state)) {
    throw new TypeError(`bootstrap task item has an unknown state ${String(state)}`);
  }
  return {
    state,
    startedAt: Number(item.startedAt?.N ?? '0'),
    segments: Number(item.segments?.N ?? '0'),
    estimatedItems: Number(item.estimatedItems?.N ?? '0'),
    estimatedBytes: Number(item.estimatedBytes?.N ?? '0'),
    streamArn: item.streamArn?.S ?? '',
    positionsRecordedAt: optionalNumber(item.positionsRecordedAt),
    doneAt: optionalNumber(item.doneAt),
    copyMode: item.copyMode?.S === 'spool' ? 'spool' : 'direct',
    ...(item.autoMode?.BOOL === true ? { autoMode: true } : {}),
    ...(item.spooledChanges?.N === undefined ? {} : { spooledChanges: Number(item.spooledChanges.N) }),
  };
}

export function newSegmentItem(
  segment: number,
  prefix: string = SEGMENT_KEY_PREFIX,
): Record<string, AttributeValue> {
  return {
    leaseKey: { S: segmentKey(segment, prefix) },
    segment: { N: String(segment) },
    leaseCounter: { N: '0' },
    done: { BOOL: false },
    itemsCopied: { N: '0' },
    bytesCopied: { N: '0' },
  };
}

export function segmentFromItem(
  item: Record<string, AttributeValue>,
  prefix: string = SEGMENT_KEY_PREFIX,
): CopySegment {
  const key = item.leaseKey?.S ?? '';
  const segment = Number(item.segment?.N ?? key.slice(prefix.length));
  if (!key.startsWith(prefix) || !Number.isInteger(segment)) {
    throw new TypeError(`not a segment item: ${key}`);
  }
  const saved = item.lastEvaluatedKey?.S;
  return {
    segment,
    leaseOwner: item.leaseOwner?.S,
    leaseCounter: Number(item.leaseCounter?.N ?? '0'),
    lastEvaluatedKey: saved === undefined ? undefined : decodeScanKey(saved),
    done: item.done?.BOOL ?? false,
    itemsCopied: Number(item.itemsCopied?.N ?? '0'),
    bytesCopied: Number(item.bytesCopied?.N ?? '0'),
  };
}

export function savedKeyValue(key: ScanKey): AttributeValue {
  return { S: encodeScanKey(key) };
}

function optionalNumber(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}
