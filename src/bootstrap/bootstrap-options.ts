// The settings of a bootstrap copy (`bootstrap`, `replicate --bootstrap`), validated once from flags. Rates are
// items per second over the whole fleet (each worker takes rate / workers copying); Infinity means no limit.
import { ConfigError } from '../errors/replicator-error.js';
import type { CopyProgressSink } from './copy-progress.js';
import type { CopyMode } from './copy-mode.js';

export interface BootstrapOptions {
  /** `bootstrap`: stop after the copy; `replicate --bootstrap`: replicate from the recorded positions after it. */
  readonly copyOnly: boolean;
  /** Scan segments of a new copy; undefined: from the table's size (defaultSegments). */
  readonly segments: number | undefined;
  readonly maxWriteRate: number;
  readonly maxReadRate: number;
  /** Segments one worker copies at once. */
  readonly copyConcurrency: number;
  /** Progress line interval when not drawing a bar; 0: none. */
  readonly progressIntervalMs: number;
  /** Draw a progress bar (stderr is a terminal). */
  readonly progressBar: boolean;
  /** `bootstrap --plan`: the plan's one progress display this copy reports to, instead of a bar or lines. */
  readonly progressSink?: CopyProgressSink | undefined;
  /** `--from-export`: load this export's files instead of scanning (src/export/). */
  readonly fromExport?: string | undefined;
  /** `--copy-mode` (copy-mode.ts); a new task decides it once, later starts follow the task. Default auto. */
  readonly copyMode?: CopyMode | undefined;
}

export interface BootstrapFlags {
  readonly copyOnly: boolean;
  readonly segments?: number | undefined;
  readonly maxWriteRate?: number | undefined;
  readonly maxReadRate?: number | undefined;
  readonly copyConcurrency: number;
  readonly progressIntervalMs: number;
  readonly progressBar: boolean;
  readonly copyMode?: CopyMode | undefined;
}

/** DynamoDB's limit on TotalSegments. */
export const MAX_SEGMENTS = 1_000_000;

export function buildBootstrapOptions(flags: BootstrapFlags): BootstrapOptions {
  if (flags.segments !== undefined) checkWhole(flags.segments, 1, MAX_SEGMENTS, '--segments');
  checkWhole(flags.copyConcurrency, 1, 256, '--copy-concurrency');
  return {
    copyOnly: flags.copyOnly,
    segments: flags.segments,
    maxWriteRate: rate(flags.maxWriteRate, '--max-write-rate'),
    maxReadRate: rate(flags.maxReadRate, '--max-read-rate'),
    copyConcurrency: flags.copyConcurrency,
    progressIntervalMs: flags.progressIntervalMs,
    progressBar: flags.progressBar,
    copyMode: flags.copyMode ?? 'auto',
  };
}

function rate(value: number | undefined, flag: string): number {
  if (value === undefined) return Infinity;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`${flag} must be a positive number of items per second, got ${String(value)}`);
  }
  return value;
}

function checkWhole(value: number, min: number, max: number, flag: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}
