// Pure: which copy a new bootstrap task makes. `direct` replays the stream after the copy, so the copy must end
// well within the stream's retention; `spool` (src/spool/) keeps the stream spooled during the copy and has no such
// limit, at the price of a spool write per changed key and a drain. `auto` picks spool when the projected copy
// time exceeds half the retention (the other half is left for the replay), and says why either way.
import { ConfigError } from '../errors/replicator-error.js';
import type { ResolvedCopyMode } from './bootstrap-items.js';

export type CopyMode = 'auto' | 'direct' | 'spool';
export const COPY_MODES: readonly CopyMode[] = ['auto', 'direct', 'spool'];

/** Spool when the copy is projected to take more than this share of the retention. */
export const SPOOL_ABOVE_SHARE = 0.5;
/**
 * The fleet's scan-and-write rate assumed when no limit is set and none was measured, in bytes per second: a
 * conservative guess (not measured on AWS; the benchmarks measure DynamoDB Local only), so that a table of several
 * hundred GB is spooled rather than trusted to a direct copy.
 */
export const ASSUMED_BYTES_PER_SEC = 8 * 1024 * 1024;

export interface CopyModeInputs {
  readonly requested: CopyMode;
  readonly estimatedItems: number;
  readonly estimatedBytes: number;
  /** Items per second, over the fleet; Infinity: no limit. */
  readonly maxReadRate: number;
  readonly maxWriteRate: number;
  /** Items per second measured by an earlier copy of this table, if any. */
  readonly measuredItemsPerSec?: number | undefined;
  readonly retentionMs: number;
  /** Why spool mode cannot serve this task (rules, fan-out, dead letters), if it cannot. */
  readonly unsupported?: string | undefined;
}

export interface CopyModeChoice {
  readonly mode: ResolvedCopyMode;
  readonly reason: string;
  /** The projection auto decided on, in ms (undefined when not projected). */
  readonly projectedMs?: number | undefined;
}

export function projectedCopyTimeMs(i: CopyModeInputs): number {
  const limit = Math.min(i.maxReadRate, i.maxWriteRate, i.measuredItemsPerSec ?? Infinity);
  const byItems = Number.isFinite(limit) && limit > 0 ? (i.estimatedItems / limit) * 1000 : 0;
  const byBytes = (i.estimatedBytes / ASSUMED_BYTES_PER_SEC) * 1000;
  // A measured rate already includes the bytes' cost; otherwise the slower of the limit and the assumed rate.
  return i.measuredItemsPerSec !== undefined && Number.isFinite(limit) ? byItems : Math.max(byItems, byBytes);
}

export function chooseCopyMode(i: CopyModeInputs): CopyModeChoice {
  if (i.requested === 'direct') return { mode: 'direct', reason: '--copy-mode direct' };
  if (i.requested === 'spool') {
    if (i.unsupported !== undefined) {
      throw new ConfigError(`--copy-mode spool does not work with ${i.unsupported}: use --copy-mode direct`);
    }
    return { mode: 'spool', reason: '--copy-mode spool' };
  }
  const projectedMs = projectedCopyTimeMs(i);
  const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
  const over = projectedMs > i.retentionMs * SPOOL_ABOVE_SHARE;
  if (over && i.unsupported !== undefined) {
    return {
      mode: 'direct',
      projectedMs,
      reason: `the copy is projected to take ${hours(projectedMs)}, over half the stream's ${hours(i.retentionMs)} retention, but spool mode does not work with ${i.unsupported}: copying directly`,
    };
  }
  return {
    mode: over ? 'spool' : 'direct',
    projectedMs,
    reason: over
      ? `the copy is projected to take ${hours(projectedMs)}, over half the stream's ${hours(i.retentionMs)} retention: spooling the stream during the copy`
      : `the copy is projected to take ${hours(projectedMs)}, within half the stream's ${hours(i.retentionMs)} retention: copying directly`,
  };
}
