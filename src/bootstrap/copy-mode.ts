// Pure: which copy a new bootstrap task makes. `direct` replays the stream after the copy, so the copy must end
// well within the stream's retention; `spool` (src/spool/) keeps the stream spooled during the copy and has no such
// limit, at the price of a spool write per changed key and a drain. `auto` picks spool when the projected copy
// time exceeds half the retention (the other half is left for the replay), and says why either way: at the first
// start from the table's size and the rate limits, and once the copy has run a while from the rate it measured
// (a direct copy of an `auto` task then turns into a spool copy: its consumers start from the same recorded
// positions, so nothing changes for the copy itself).
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

const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (n: number): string => (n >= 10 ? count(n) : String(Number(n.toPrecision(2))));

/** The projection at the first start, and what it rests on (for the line that says why). */
export function projectedCopyTime(i: CopyModeInputs): { readonly ms: number; readonly basis: string } {
  const limit = Math.min(i.maxReadRate, i.maxWriteRate);
  const byItems = Number.isFinite(limit) && limit > 0 ? (i.estimatedItems / limit) * 1000 : 0;
  const byBytes = (i.estimatedBytes / ASSUMED_BYTES_PER_SEC) * 1000;
  const flag = i.maxReadRate <= i.maxWriteRate ? '--max-read-rate' : '--max-write-rate';
  return byItems >= byBytes && byItems > 0
    ? { ms: byItems, basis: `~${count(i.estimatedItems)} items at ${rate(limit)} items/s (${flag})` }
    : {
        ms: byBytes,
        basis: `~${count(i.estimatedBytes / 1048576)} MiB at an assumed ${ASSUMED_BYTES_PER_SEC / 1048576} MiB/s until a rate is measured`,
      };
}

export function chooseCopyMode(i: CopyModeInputs): CopyModeChoice {
  if (i.requested === 'direct') return { mode: 'direct', reason: '--copy-mode direct' };
  if (i.requested === 'spool') {
    if (i.unsupported !== undefined) {
      throw new ConfigError(`--copy-mode spool does not work with ${i.unsupported}: use --copy-mode direct`);
    }
    return { mode: 'spool', reason: '--copy-mode spool' };
  }
  const { ms: projectedMs, basis } = projectedCopyTime(i);
  const over = projectedMs > i.retentionMs * SPOOL_ABOVE_SHARE;
  const projection = `the copy is projected to take ${hours(projectedMs)} (${basis})`;
  if (over && i.unsupported !== undefined) {
    return {
      mode: 'direct',
      projectedMs,
      reason: `${projection}, over half the stream's ${hours(i.retentionMs)} retention, but spool mode does not work with ${i.unsupported}: copying directly`,
    };
  }
  return {
    mode: over ? 'spool' : 'direct',
    projectedMs,
    reason: over
      ? `${projection}, over half the stream's ${hours(i.retentionMs)} retention: spooling the stream during the copy`
      : `${projection}, within half the stream's ${hours(i.retentionMs)} retention: copying directly (measured again once the copy has run ${SAMPLE_MS / 1000} s)`,
  };
}

/** A rate measured over less copying than this is not trusted for a switch. */
export const SAMPLE_MS = 20_000;
/**
 * No switch once this share of the retention has passed since the positions were recorded: the consumers that
 * start then must read the whole stream since those positions before it is trimmed.
 */
export const SWITCH_BEFORE_SHARE = 0.25;

export interface MeasuredCopy {
  readonly estimatedItems: number;
  /** Items the fleet copied so far. */
  readonly copiedItems: number;
  /** The fleet's rate over the last seconds, items/s. */
  readonly itemsPerSec: number;
  /** How long this worker has been copying (the rate's sample). */
  readonly copyingMs: number;
  /** Since the positions were recorded (the retention counts from there). */
  readonly sinceRecordedMs: number;
  readonly retentionMs: number;
}

/**
 * Whether a direct copy that `auto` chose should turn into a spool copy, from the rate it measured: a choice
 * with the reason when the measured projection passes half the retention early enough; undefined otherwise.
 */
export function switchOnMeasuredRate(m: MeasuredCopy): CopyModeChoice | undefined {
  if (m.copyingMs < SAMPLE_MS || !(m.itemsPerSec > 0) || !Number.isFinite(m.itemsPerSec)) return undefined;
  if (m.sinceRecordedMs >= m.retentionMs * SWITCH_BEFORE_SHARE) return undefined;
  const left = Math.max(0, m.estimatedItems - m.copiedItems);
  const projectedMs = m.sinceRecordedMs + (left / m.itemsPerSec) * 1000;
  if (projectedMs <= m.retentionMs * SPOOL_ABOVE_SHARE) return undefined;
  return {
    mode: 'spool',
    projectedMs,
    reason: `the copy is projected to take ${hours(projectedMs)} at the measured ${rate(m.itemsPerSec)} items/s (${count(m.copiedItems)} of ~${count(m.estimatedItems)} items copied), over half the stream's ${hours(m.retentionMs)} retention: spooling the stream for the rest of the copy`,
  };
}
