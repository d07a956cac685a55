// What a replication plan resolves to: one task per table pair, each with the flags a single-table run of it would
// get on its command line (defaults merged in, globs and `{name}` resolved), so that every task is built, named
// and checked by the same code as `replicate` (its task name, hence its lease table, is the one a plain run
// uses). The process-wide settings (worker id, memory budget, write slots, metrics, logs, timings of the fleet)
// stay flags of the command; the plan holds only what belongs to a table pair.
import type { CopyMode } from '../bootstrap/copy-mode.js';
import type { StartPosition, TaskFlags } from '../config/replication-config.js';
import type { OnReject } from '../deadletter/dead-letter-options.js';

/** A task's own settings besides its tables: the `replicate` options that may differ from pair to pair. */
export interface PlanTaskOptions {
  readonly startPosition?: StartPosition | undefined;
  readonly batchSize?: number | undefined;
  readonly pollIntervalMs?: number | undefined;
  readonly checkpointIntervalMs?: number | undefined;
  /** Copy the existing items first (`replicate --bootstrap`). */
  readonly bootstrap?: boolean | undefined;
  readonly segments?: number | undefined;
  readonly maxWriteRate?: number | undefined;
  readonly maxReadRate?: number | undefined;
  readonly copyConcurrency?: number | undefined;
  /** `--copy-mode`: auto, direct or spool (bootstrap/copy-mode.ts). */
  readonly copyMode?: CopyMode | undefined;
  /** A filter pattern as JSON text, or `@file` (the plan may give the pattern itself; it is kept as JSON). */
  readonly filter?: string | undefined;
  /** A transform module's path, relative to the plan file. */
  readonly transform?: string | undefined;
  /** Comma-separated, as the flag. */
  readonly excludeAttributes?: string | undefined;
  /** old=new comma-separated, as the flag. */
  readonly renameAttributes?: string | undefined;
  readonly ttlDeletes?: 'replicate' | 'skip' | undefined;
  /** What a refused change does: stop the shard, or go to the dead-letter table. */
  readonly onReject?: OnReject | undefined;
  /** The dead-letter table's name, beside the task's lease table. */
  readonly deadLetterTable?: string | undefined;
}

export type PlanTaskFlags = TaskFlags & PlanTaskOptions;

/** One direction of a `mode: two-way` entry: A→B (side `a`, the entry as written) or B→A (side `b`). */
export interface PlanTwoWay {
  /** The side whose stream this task reads. */
  readonly side: 'a' | 'b';
  /** The other direction's task name as its flags would give it (undefined: the MD5 of its own pair). */
  readonly otherTaskName: string | undefined;
  readonly markerPrefix: string;
  readonly tombstoneHorizonMs: number;
}

export interface PlanTask {
  /** The entry of `replications` it comes from (0-based). */
  readonly entry: number;
  /** Named in the plan, or selected by a glob from the source's tables (then a table without a stream is skipped). */
  readonly selectedBy: 'name' | 'glob';
  /** The entry asks for the source's stream to be turned on where it is missing (it changes the source table). */
  readonly enableStream: boolean;
  readonly flags: PlanTaskFlags;
  /** A direction of a two-way pair; its flags are that direction's (B→A's source is the entry's destination). */
  readonly twoWay?: PlanTwoWay | undefined;
}
